// A mailbox writer that keeps what export wrote to it, in memory.
import { PassThrough, type Readable } from 'node:stream';
import type { MailboxWriter } from '../../../lambdas/core/operator/ports.js';

export class RecordingMailbox implements MailboxWriter {
  readonly added: { messageId: string; bytes: string }[] = [];
  closed = false;
  async add(message: { messageId: string }, content: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of content.pipe(new PassThrough())) chunks.push(c as Buffer);
    this.added.push({ messageId: message.messageId, bytes: Buffer.concat(chunks).toString() });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
