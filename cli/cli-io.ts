// Where a command writes and how it asks: the real terminal in `main`, a
// recording one in tests, so every verb can be run in-process.
import { createInterface } from 'node:readline/promises';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Asks a yes/no question; resolves false when there is no terminal to ask. */
  confirm(question: string): Promise<boolean>;
  /** True when a person can answer `confirm`. */
  readonly interactive: boolean;
  /** Raw bytes to stdout (`show --raw`); optional, `out` is used without it. */
  write?(bytes: Buffer): Promise<void>;
}

export function terminalIo(): CliIo {
  const interactive = Boolean(process.stdin.isTTY);
  // `backup-mx mailq | head` closes stdout early: stop printing, let the command finish its work.
  let stdoutClosed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutClosed = true;
  });
  return {
    out: (line) => {
      if (!stdoutClosed) process.stdout.write(`${line}\n`);
    },
    err: (line) => process.stderr.write(`${line}\n`),
    interactive,
    write: (bytes) => new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()))),
    async confirm(question) {
      if (!interactive) return false;
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

/** Keeps what a command printed; `answers` are the replies to `confirm`, in order. */
export class RecordingIo implements CliIo {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly questions: string[] = [];
  /** What `write` was given, in order. */
  readonly bytes: Buffer[] = [];

  constructor(
    private readonly answers: boolean[] = [],
    readonly interactive = answers.length > 0,
  ) {}

  out(line: string): void {
    this.stdout.push(line);
  }

  err(line: string): void {
    this.stderr.push(line);
  }

  async write(bytes: Buffer): Promise<void> {
    this.bytes.push(Buffer.from(bytes));
  }

  async confirm(question: string): Promise<boolean> {
    this.questions.push(question);
    return this.answers.shift() ?? false;
  }

  get text(): string {
    return this.stdout.join('\n');
  }

  /** stdout parsed as JSON (for `--json` commands). */
  json<T = unknown>(): T {
    return JSON.parse(this.text) as T;
  }
}
