// How the `backup-mx` command finds a runner whose data directory is
// elsewhere (BACKUPMX_DATA_DIR=/var/mail-spool npm start) from a shell that
// does not have the variable: `npm start` leaves a pointer in its checkout's
// .backup-mx/runners/, one file per running process naming its data
// directory. One file per pid, not one "current" file, so two runners (with
// different data dirs: the runtime lock refuses two on one) do not overwrite
// each other's pointer, and one stopping does not hide the other.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive, writePrivateFile } from './runtime-file.js';

export const POINTERS_DIR = path.join('.backup-mx', 'runners');

export interface RunnerPointer {
  pid: number;
  /** Where the runner's runtime.json is (its data dir, or its ./.backup-mx), absolute. */
  runtimeDir: string;
  /** The pointer file itself. */
  file: string;
}

const pointerFile = (projectRoot: string, pid: number) => path.join(projectRoot, POINTERS_DIR, `${pid}.json`);

/** Writes this process's pointer and removes those of runners that have exited (a crash leaves its own behind). */
export async function writeRunnerPointer(projectRoot: string, runtimeDir: string, pid = process.pid): Promise<string> {
  const file = pointerFile(projectRoot, pid);
  await mkdir(path.dirname(file), { recursive: true });
  for (const stale of readRunnerPointers(projectRoot).filter((p) => p.pid !== pid && !isProcessAlive(p.pid))) {
    await rm(stale.file, { force: true });
  }
  await writePrivateFile(file, JSON.stringify({ pid, runtimeDir }) + '\n');
  return file;
}

export async function removeRunnerPointer(projectRoot: string, pid = process.pid): Promise<void> {
  await rm(pointerFile(projectRoot, pid), { force: true });
}

/** Every readable pointer in the checkout, dead or alive (the caller tells them apart); none when the folder is missing. */
export function readRunnerPointers(projectRoot: string): RunnerPointer[] {
  const dir = path.join(projectRoot, POINTERS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const pointers: RunnerPointer[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const { pid, runtimeDir } = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunnerPointer>;
      if (Number.isInteger(pid) && typeof runtimeDir === 'string' && path.isAbsolute(runtimeDir)) pointers.push({ pid: pid!, runtimeDir, file });
    } catch {
      // Half-written or hand-edited: not a pointer.
    }
  }
  return pointers.sort((a, b) => a.pid - b.pid);
}
