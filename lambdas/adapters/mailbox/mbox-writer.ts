// An mbox file in the mboxrd flavour: each message behind a "From <sender>
// <asctime>" line, its bytes as stored except the reversible ">From " quoting
// (from-quoting.ts), then a blank line. A message not ending in a newline gets
// one, so the next From line starts a line. Line endings are left as stored
// (CRLF from SES): mail clients read both. It writes a new file (export) or a
// stream its caller owns (the console's HTTP response: nothing on disk).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MailboxExistsError, type MailboxWriter } from '../../core/operator/ports.js';
import type { InboundMessage } from '../../core/model.js';
import { FromQuoting } from './from-quoting.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** C's asctime() in UTC: "Mon Jan  5 10:00:00 2026", as mbox From lines carry it. */
export function asctime(at: Date): string {
  return `${DAYS[at.getUTCDay()]} ${MONTHS[at.getUTCMonth()]} ${String(at.getUTCDate()).padStart(2, ' ')} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} ${at.getUTCFullYear()}`;
}

export class MboxWriter implements MailboxWriter {
  /** A write error (disk full) seen between writes; the next write or close throws it. */
  private failure: Error | undefined;

  /** `done`: the event after which the stream's bytes are all out ('close' for a file: its descriptor is closed). */
  private constructor(
    private readonly file: Writable,
    private readonly done: 'close' | 'finish',
  ) {
    file.on('error', (error) => (this.failure ??= error));
  }

  /** Writes to `stream` (ended by close); nothing touches the disk. */
  static to(stream: Writable): MboxWriter {
    return new MboxWriter(stream, 'finish');
  }

  /** Creates `path`; refuses with MailboxExistsError to overwrite a file that exists. */
  static async create(path: string): Promise<MboxWriter> {
    const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    try {
      await once(file, 'open');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new MailboxExistsError(path);
      throw error;
    }
    return new MboxWriter(file, 'close');
  }

  async add(message: Pick<InboundMessage, 'messageId' | 'sender' | 'receivedAt'>, content: Readable): Promise<void> {
    const sender = message.sender === '' ? 'MAILER-DAEMON' : message.sender;
    await this.write(`From ${sender} ${asctime(message.receivedAt)}\n`);
    const quoting = new FromQuoting();
    // The file is not a pipeline stage: pipeline(..., file, { end: false })
    // leaves its error/close/finish listeners on the long-lived file, one set
    // per message (MaxListenersExceededWarning from the 11th message on).
    await pipeline(content, quoting, async (quoted: AsyncIterable<Buffer>) => {
      for await (const chunk of quoted) await this.write(chunk);
    });
    await this.write(quoting.lastByte === 0x0a || quoting.lastByte === undefined ? '\n' : '\n\n');
  }

  async close(): Promise<void> {
    if (!this.file.writableFinished && !this.file.destroyed) {
      const ended = once(this.file, this.done);
      this.file.end();
      await ended;
    }
    if (this.failure) throw this.failure;
  }

  private async write(bytes: string | Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.file.write(bytes)) await drained(this.file);
  }
}

/** Resolves at 'drain'; rejects when the stream closes first (a download the browser dropped), which 'drain' alone would wait out forever. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the mailbox stream closed before everything was written'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}
