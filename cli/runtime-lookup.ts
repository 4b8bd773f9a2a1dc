// Where `--local` looks for the runner's runtime file when no data directory
// is named (--data-dir or BACKUPMX_DATA_DIR win over all of this):
// ./.backup-mx, then each parent directory's .backup-mx (so the command works
// from lib/ or test/ of the checkout), then the checkout's own .backup-mx,
// which is where `npm start` runs whatever directory it was typed in; then
// the pointers `npm start` leaves in that .backup-mx/runners/ (a runner whose
// data dir is elsewhere). The checkout is the first parent of the working
// directory whose package.json is backup-mx's, else the one this command is in.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/runner/runner-config.js';
import { readRunnerPointers } from '../local/runner-pointers.js';
import { isProcessAlive } from '../local/runtime-file.js';
import type { CliEnv } from './cli-env.js';
import { UsageError } from './errors.js';

export const RUNTIME_DIR_NAME = '.backup-mx';

export interface RuntimeLookup {
  /** The directory to read the runtime file from: the one named, else the one found, else the first searched. */
  dir: string;
  /** Directories looked in, in order (for the "not running" message). */
  searched: string[];
  /** True when a runtime file of a live process was found (or a data dir was named, which is then taken as it is). */
  found: boolean;
  /** Lines for stderr: stale runtime files and pointers ignored, other runners also running. */
  notes: string[];
}

export function lookUpRuntimeDir(env: Pick<CliEnv, 'dataDir'>, cwd = process.cwd(), projectRoot = PROJECT_ROOT, alive = isProcessAlive): RuntimeLookup {
  if (env.dataDir) return { dir: env.dataDir, searched: [path.resolve(cwd, env.dataDir)], found: true, notes: [] };
  const checkout = checkoutOf(cwd) ?? projectRoot;
  const searched: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    searched.push(path.join(dir, RUNTIME_DIR_NAME));
    if (path.dirname(dir) === dir) break;
  }
  const root = path.join(checkout, RUNTIME_DIR_NAME);
  if (!searched.includes(root)) searched.push(root);

  const notes: string[] = [];
  let chosen: string | undefined;
  for (const dir of searched) {
    const pid = runtimePid(dir);
    if (pid === undefined) continue;
    if (alive(pid)) {
      chosen = dir;
      break;
    }
    notes.push(`ignoring ${path.join(dir, 'runtime.json')}: the runner that wrote it (pid ${pid}) has exited`);
  }
  const others: string[] = [];
  for (const pointer of readRunnerPointers(checkout)) {
    const dir = path.resolve(pointer.runtimeDir);
    if (dir === chosen) continue;
    if (!alive(pointer.pid) || runtimePid(dir) !== pointer.pid) {
      notes.push(`ignoring the pointer ${pointer.file}: its runner (pid ${pointer.pid}, data in ${dir}) has exited`);
      continue;
    }
    others.push(dir);
  }
  if (chosen === undefined && others.length > 1) {
    throw new UsageError(`${others.length} local backup MXs are running (${others.map((dir) => `pid ${runtimePid(dir)}, data in ${dir}`).join('; ')}): choose one with --data-dir <dir>`);
  }
  if (chosen === undefined && others.length === 1) chosen = others.shift();
  for (const dir of others) notes.push(`another local backup MX is running (pid ${runtimePid(dir)}, data in ${dir}): --data-dir ${dir} works on that one`);
  return { dir: chosen ?? searched[0]!, searched, found: chosen !== undefined, notes };
}

/** The pid a runtime.json in this directory names, undefined when there is none (or it is unreadable). */
function runtimePid(dir: string): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(path.join(dir, 'runtime.json'), 'utf8')) as { pid?: unknown };
    return Number.isInteger(pid) ? (pid as number) : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest directory at or above `cwd` that holds backup-mx's package.json. */
export function checkoutOf(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'backup-mx') return dir;
      } catch {
        // Not JSON: not ours; keep walking.
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
