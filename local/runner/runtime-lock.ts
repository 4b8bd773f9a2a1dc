// The runtime file (local/runtime-file.ts) as a lock: it tells the CLI how to
// reach this runner, stops a second runner from sharing the same data dir,
// and tells a new run that the last one died without cleaning up (so its
// drain leases, kept in a persistent table, can be released at once).
import { isProcessAlive, readRuntimeInfo, removeRuntimeInfo, runtimeFilePath, writeRuntimeInfo, type RuntimeInfo } from '../runtime-file.js';

export class RunnerAlreadyRunningError extends Error {
  constructor(
    readonly pid: number,
    file: string,
  ) {
    super(`another local backup MX (pid ${pid}) is running with ${file}; stop it first, or set BACKUPMX_DATA_DIR to another directory`);
    this.name = 'RunnerAlreadyRunningError';
  }
}


export class RuntimeLock {
  private written = false;

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    /** The runtime file a crashed run left behind, if any. */
    readonly stale: RuntimeInfo | undefined,
  ) {}

  static async acquire(env: NodeJS.ProcessEnv): Promise<RuntimeLock> {
    let existing: RuntimeInfo | undefined;
    try {
      existing = await readRuntimeInfo(env);
    } catch {
      existing = undefined; // unreadable leftovers are overwritten
    }
    if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
      throw new RunnerAlreadyRunningError(existing.pid, runtimeFilePath(env));
    }
    return new RuntimeLock(env, existing && existing.pid !== process.pid ? existing : undefined);
  }

  get file(): string {
    return runtimeFilePath(this.env);
  }

  async write(info: RuntimeInfo): Promise<void> {
    await writeRuntimeInfo(info, this.env);
    this.written = true;
  }

  /** Removes the file if this run wrote it. */
  async release(): Promise<void> {
    if (!this.written) return;
    this.written = false;
    const current = await readRuntimeInfo(this.env).catch(() => undefined);
    if (!current || current.pid === process.pid) await removeRuntimeInfo(this.env);
  }
}
