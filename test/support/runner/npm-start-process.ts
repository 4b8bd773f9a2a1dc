// `npm start` as a terminal runs it: in its own process group, output kept,
// resolved once the runner says it is ready. Shared by the tests that signal it
// (stop, reload).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../local/runner/runner-config.js';
import type { RuntimeInfo } from '../../../local/runtime-file.js';
import { waitFor, type Cleanup } from './e2e-support.js';

/** True while any process of the group exists. */
export const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export interface NpmStart {
  child: ChildProcess;
  /** npm's pid, also the process group id (detached). */
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  /** The runner's runtime file as written at start (its pid is the node process, not npm). */
  info: RuntimeInfo;
  runtimeFile: string;
}

/** A spawned `npm start`: its group, its output so far (stdout and stderr), its exit. */
interface Spawned {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Spawns `npm start` in its own process group (killed by `cleanup`); `onOutput` sees the output after each chunk. */
function spawnNpmStart(env: NodeJS.ProcessEnv, cleanup: Cleanup, onOutput: (output: string) => void = () => {}): Spawned {
  const child = spawn('npm', ['start'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  cleanup.add(() => groupAlive(pid) && process.kill(-pid, 'SIGKILL'));
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput(output);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, pid, output: () => output, exited };
}

/** `npm start` in its own process group, as a terminal runs it; resolves once it is ready. */
export async function npmStart(env: NodeJS.ProcessEnv, dataDir: string, cleanup: Cleanup): Promise<NpmStart> {
  const run = spawnNpmStart(env, cleanup);
  const { child } = run;
  await waitFor('the ready line', () => /ready\. Send a test message/.test(run.output()) || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${run.output()}`);
  const runtimeFile = path.join(dataDir, 'runtime.json');
  const info = JSON.parse(await readFile(runtimeFile, 'utf8')) as RuntimeInfo;
  return { ...run, info, runtimeFile };
}

/**
 * `npm start` whose runner gets `signal` the instant its output first matches `when`
 * (read in the same tick as the output arrives), to hit the moments of the start.
 */
export function npmStartSignalledAt(env: NodeJS.ProcessEnv, when: RegExp, signal: NodeJS.Signals, cleanup: Cleanup): Spawned & { signalled: () => boolean } {
  let signalled = false;
  const run = spawnNpmStart(env, cleanup, (output) => {
    if (signalled || !when.test(output)) return;
    // `exec node` replaced npm's shell: the runner is npm's only child.
    const runner = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(run.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(runner, signal);
    signalled = true;
  });
  return { ...run, signalled: () => signalled };
}
