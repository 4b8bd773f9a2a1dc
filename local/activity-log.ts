// What the `backup-mx --local` command did, for the console of `npm start`:
// the command appends one line per action (hold, release, each delivery of a
// flush, a primary a flush marked down) to <runtime dir>/activity.log, and the
// runner prints the lines it has not printed yet, once a second. The runner
// empties the file when it starts, so it never grows past one run's actions.
import { appendFile, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const ACTIVITY_FILE = 'activity.log';
/** Longest line kept (a reply text can be long). */
const MAX_LINE = 500;

/** Appends one line; never throws (the console is a courtesy, the action is done). */
export async function noteActivity(runtimeDir: string, line: string): Promise<void> {
  const text = `${JSON.stringify({ pid: process.pid, line: line.slice(0, MAX_LINE) })}\n`;
  await appendFile(join(runtimeDir, ACTIVITY_FILE), text).catch(() => undefined);
}

/** The runner's side: prints new lines as `cli (pid N): …`. */
export class ActivityTail {
  private offset = 0;
  private timer?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private partial = '';

  constructor(
    private readonly runtimeDir: string,
    private readonly print: (line: string) => void,
    private readonly everyMs = 1_000,
  ) {}

  get file(): string {
    return join(this.runtimeDir, ACTIVITY_FILE);
  }

  async start(): Promise<void> {
    await rm(this.file, { force: true });
    this.timer = setInterval(() => void (this.reading ??= this.read().finally(() => (this.reading = undefined))), this.everyMs);
    this.timer.unref();
  }

  /** Stops polling after printing what is already there. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    await this.read();
  }

  private async read(): Promise<void> {
    let file;
    try {
      file = await open(this.file, 'r');
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
          this.print(`backup-mx command (pid ${pid}): ${line}`);
        } catch {
          // a line cut by a crash of the command
        }
      }
    } finally {
      await file.close();
    }
  }
}
