// An SMTP primary in memory. Replies are scripted per recipient (a queue per
// address, consumed one per transaction; 250 when empty) and whole sessions
// can be made to fail. Every transaction's envelope and bytes are recorded.
import type { Readable } from 'node:stream';
import type { PrimaryServer, SmtpReply } from '../../core/model.js';
import type { OriginalClient } from '../../core/message/original-client.js';
import type { Envelope, MessageContent, SmtpTransport, SmtpTransportFactory, TransactionResult } from '../../core/drain/ports.js';

export interface RecordedTransaction {
  primary: PrimaryServer;
  envelope: Envelope;
  /** The SIZE the drain declared (Envelope.size), if any. */
  size?: number;
  /** The bytes read from the content stream (empty when the session failed before DATA). */
  bytes: Buffer;
  result: TransactionResult;
  /** The original client the opener gave (told to a primary with forwardClient). */
  client?: OriginalClient;
}

export interface SessionFailure {
  /** True: the whole message was read before the drop (possible duplicate). */
  afterData?: boolean;
  text?: string;
  errorCode?: string;
}

export const OK_REPLY: SmtpReply = { code: 250, enhanced: '2.0.0', text: 'Ok: queued' };

export class RecordingSmtpTransportFactory implements SmtpTransportFactory {
  readonly transactions: RecordedTransaction[] = [];
  readonly opened: PrimaryServer[] = [];
  closed = 0;
  private readonly replies = new Map<string, SmtpReply[]>();
  private readonly sessionFailures: SessionFailure[] = [];
  /** When set, `open` throws it (e.g. a connect failure in an eager adapter). */
  openError?: Error;

  /** Queues replies for a recipient, one per future transaction that includes it. */
  reply(recipient: string, ...replies: SmtpReply[]): this {
    this.replies.set(recipient, [...(this.replies.get(recipient) ?? []), ...replies]);
    return this;
  }

  /** Makes the next transaction fail at session level. */
  failNextSession(failure: SessionFailure = {}): this {
    this.sessionFailures.push(failure);
    return this;
  }

  /** Envelopes of every transaction, in order. */
  get envelopes(): Envelope[] {
    return this.transactions.map((t) => t.envelope);
  }

  async open(primary: PrimaryServer): Promise<SmtpTransport> {
    if (this.openError) throw this.openError;
    this.opened.push(primary);
    return {
      send: (envelope, content) => this.send(primary, envelope, content),
      close: async () => {
        this.closed += 1;
      },
    };
  }

  private async send(primary: PrimaryServer, envelope: Envelope, message: MessageContent): Promise<TransactionResult> {
    const failure = this.sessionFailures.shift();
    if (failure && !failure.afterData && typeof message === 'function') {
      // The session failed before it was free: the opener is never called.
      const reply: SmtpReply = { text: failure.text ?? 'Connection closed unexpectedly', errorCode: failure.errorCode ?? 'ECONNECTION' };
      const result: TransactionResult = { connectionFailed: true, afterData: false, replies: envelope.to.map((recipient) => ({ recipient, reply })) };
      this.transactions.push({ primary, envelope: { from: envelope.from, to: [...envelope.to] }, size: envelope.size, bytes: Buffer.alloc(0), result });
      return result;
    }
    const opened = typeof message === 'function' ? await message().catch(() => undefined) : { body: message, size: envelope.size };
    if (!opened) return { connectionFailed: false, notStarted: true, replies: envelope.to.map((recipient) => ({ recipient, reply: { text: 'not started', errorCode: 'ENOTSTARTED' } })) };
    const content = opened.body;
    envelope = { ...envelope, size: opened.size ?? envelope.size };
    let bytes: Buffer = Buffer.alloc(0);
    let streamError: Error | undefined;
    if (!failure || failure.afterData) bytes = await readAll(content).catch((e: Error) => ((streamError = e), Buffer.alloc(0)));
    else content.destroy();
    let result: TransactionResult;
    if (streamError) {
      // As nodemailer: the source failed, so no final dot went out and the primary keeps nothing.
      const reply: SmtpReply = { text: `reading the message failed: ${streamError.message}`, errorCode: 'ESTREAM' };
      result = { connectionFailed: false, replies: envelope.to.map((recipient) => ({ recipient, reply })) };
    } else if (failure) {
      const reply: SmtpReply = { text: failure.text ?? 'Connection closed unexpectedly', errorCode: failure.errorCode ?? 'ECONNECTION' };
      result = { connectionFailed: true, afterData: failure.afterData ?? false, replies: envelope.to.map((recipient) => ({ recipient, reply })) };
    } else {
      result = {
        connectionFailed: false,
        replies: envelope.to.map((recipient) => ({ recipient, reply: this.replies.get(recipient)?.shift() ?? OK_REPLY })),
      };
    }
    const client = 'client' in opened ? opened.client : undefined;
    this.transactions.push({ primary, envelope: { from: envelope.from, to: [...envelope.to] }, size: envelope.size, bytes, result, ...(client ? { client } : {}) });
    return result;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
