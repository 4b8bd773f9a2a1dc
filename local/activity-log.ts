// What the `backup-mx --local` command did, for the console of `npm start`:
// the command appends one line per action (hold, release, each delivery of a
// flush, a primary a flush marked down) to <runtime dir>/activity.log, and the
// runner prints the lines it has not printed yet, once a second. The runner
// empties the file when it starts, and once it has printed MAX_FILE_BYTES of it
// renames it to activity.log.1 (replacing the previous one), so a long run with
// many flushes keeps at most two files of about that size.
import { appendFile, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const ACTIVITY_FILE = 'activity.log';
/** Longest line kept (a reply text can be long). */
const MAX_LINE = 500;
/** Size past which the runner rotates the file (some 5,000 lines). */
export const MAX_ACTIVITY_FILE_BYTES = 1_000_000;

/** Appends one line; never throws (the console is a courtesy, the action is done). */
export async function noteActivity(runtimeDir: string, line: string): Promise<void> {
  const text = `${JSON.stringify({ pid: process.pid, line: line.slice(0, MAX_LINE) })}\n`;
  await appendFile(join(runtimeDir, ACTIVITY_FILE), text).catch(() => undefined);
}

/** The runner's side: prints new lines as `cli (pid N): …`. */
export class ActivityTail {
  private offset = 0;
  private timer?: NodeJS.Timeout;
  private reading: Promise<void> = Promise.resolve();
  /** Polls queued or running: the timer adds none while one is. */
  private pending = 0;
  private partial = '';

  constructor(
    private readonly runtimeDir: string,
    private readonly print: (line: string) => void,
    private readonly everyMs = 1_000,
    private readonly maxFileBytes = MAX_ACTIVITY_FILE_BYTES,
  ) {}

  get file(): string {
    return join(this.runtimeDir, ACTIVITY_FILE);
  }

  async start(): Promise<void> {
    await rm(this.file, { force: true });
    await rm(`${this.file}.1`, { force: true });
    this.timer = setInterval(() => {
      if (this.pending === 0) void this.poll();
    }, this.everyMs);
    this.timer.unref();
  }

  /** Stops polling after printing what is already there. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.poll();
  }

  /** Prints the lines written since the last call, then rotates a full file; one read at a time. */
  poll(): Promise<void> {
    this.pending += 1;
    this.reading = this.reading
      .then(() => this.readAndRotate())
      .catch(() => undefined) // the console is a courtesy: a failed read waits for the next poll
      .finally(() => (this.pending -= 1));
    return this.reading;
  }

  private async readAndRotate(): Promise<void> {
    await this.readFrom(this.file);
    if (this.offset < this.maxFileBytes) return;
    // A command appends by opening the file each time: after the rename its next
    // line starts a new file; one it wrote just before is read from the old one.
    const old = `${this.file}.1`;
    try {
      await rename(this.file, old);
    } catch {
      return; // gone meanwhile (a start elsewhere removed it): nothing to rotate
    }
    await this.readFrom(old);
    this.offset = 0;
    this.partial = '';
  }

  private async readFrom(path: string): Promise<void> {
    let file;
    try {
      file = await open(path, 'r');
    } catch {
      return; // nothing written yet
    }
    try {
      const { size } = await file.stat();
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      await file.read(buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const lines = (this.partial + buffer.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const text of lines) {
        try {
          const { pid, line } = JSON.parse(text) as { pid: number; line: string };
          this.print(`backup-mx command (pid ${Number(pid)}): ${printable(String(line))}`);
        } catch {
          // a line cut by a crash of the command
        }
      }
    } finally {
      await file.close();
    }
  }
}

/**
 * The line with control characters shown as \u escapes: a reply text comes from
 * the primary, and the file from any process that can write the runtime
 * directory; neither may send escape sequences to the runner's terminal.
 */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
