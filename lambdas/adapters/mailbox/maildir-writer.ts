// A Maildir: one file per message in new/, written to tmp/ first and renamed,
// so a mail client never sees half a message. Bytes exactly as stored. The
// name carries the arrival time and the SES id, so exporting twice into the
// same directory replaces a message instead of adding a copy.
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MailboxWriter } from '../../core/operator/ports.js';
import type { InboundMessage } from '../../core/model.js';

export class MaildirWriter implements MailboxWriter {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<MaildirWriter> {
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(path.join(dir, sub), { recursive: true, mode: 0o700 });
    return new MaildirWriter(dir);
  }

  /** The file name a message gets (same id, same name). */
  static fileName(message: Pick<InboundMessage, 'messageId' | 'receivedAt'>): string {
    const host = hostname().replace(/[/:]/g, '_') || 'localhost';
    return `${Math.floor(message.receivedAt.getTime() / 1000)}.${message.messageId}.${host}`;
  }

  async add(message: Pick<InboundMessage, 'messageId' | 'sender' | 'receivedAt'>, content: Readable): Promise<void> {
    const name = MaildirWriter.fileName(message);
    const tmp = path.join(this.dir, 'tmp', name);
    await pipeline(content, createWriteStream(tmp, { mode: 0o600 }));
    await rename(tmp, path.join(this.dir, 'new', name));
  }

  async close(): Promise<void> {
    // Nothing buffered: every message is complete once renamed.
  }
}
