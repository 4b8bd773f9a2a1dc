// `npm start`'s command as a real child process (node --import tsx
// local/run.ts, what the script execs): it says where it listens, takes a message, writes the runtime file
// for the CLI, and on SIGTERM stops cleanly: exit code 0, the port closed,
// the runtime file gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/runner/runner-config.js';
import type { RuntimeInfo } from '../../local/runtime-file.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, refused, queueId, runnerEnv, sendMail, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

describe('npm start (node --import tsx local/run.ts) as a child process', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  it('listens, queues a message, and exits 0 on SIGTERM with its port freed', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    await primary.stop();
    const dir = await tempDir(cleanup, 'npm-start');
    const dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    const env = { ...process.env, ...runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }) };

    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/run.ts'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.add(() => child.exitCode === null && child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await waitFor('the ready line', () => /ready\. Send a test message/.test(stdout) || child.exitCode !== null, 20_000);
    expect(stderr).toBe('');
    const port = Number(/listening for mail on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
    expect(port).toBeGreaterThan(0);
    const info = JSON.parse(await readFile(path.join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
    expect(info.smtpPort).toBe(port);

    const id = queueId(await sendMail(port, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com')));
    await waitFor('the queued line', () => stdout.includes(`queued ${id} from <alice@sender.test>`));
    await waitFor('the primary-down line', () => /primary main down \(connect: ECONNREFUSED\)/.test(stdout));

    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/SIGTERM received, stopping[\s\S]*stopped; every port is closed/);
    expect(await refused(port)).toBe(true);
    expect(existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
    // The message stays in the spool for the next start.
    expect(existsSync(path.join(dataDir, 'spool', `${id}.json`))).toBe(true);
  });
});
