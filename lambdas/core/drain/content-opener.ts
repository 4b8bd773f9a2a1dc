// The content of one SMTP transaction, opened only once the transport has a
// free session (deliver-message.ts): the deadline, a stop and the hold are
// checked at that moment, since a worker may have waited for a session long
// after it took the message. The first opening reads the head for the loop
// check and the Received header's "from" host; later transactions of the same
// message reuse it.
import type { Readable } from 'node:stream';
import { deliveryPrefix } from '../message/arc-prefix.js';
import { prependToStream, readMessageHead } from '../message/message-head.js';
import { MessageMissingError } from '../message/ports.js';
import { receivedHeader, topReceivedByHost } from '../message/received-header.js';
import { originalClient, type OriginalClient } from '../message/original-client.js';
import type { InboundMessage } from '../model.js';
import type { DeliveryContext } from './delivery-context.js';
import type { EngineDeps, EngineOptions } from './drain-deps.js';
import { FINAL_DOT_GRACE_SECONDS, guardFinalDot } from './final-dot-guard.js';
import { guardLength } from './length-guard.js';

/** What the head of the stored object told, kept for the message's later transactions and its notices. */
export interface OpenedHead {
  head: Buffer;
  newline: '\r\n' | '\n';
  fromHost: string;
  size: number;
  /** The original client, read only when the route's primary wants it told (forwardClient). */
  client?: OriginalClient;
}

/** Why nothing was sent: too late, stopping, held, no object, or too many Received headers (a loop). */
export type Declined = 'deadline' | 'stopping' | 'held' | 'missing' | { loop: number; limit: number };

export class ContentOpener {
  /** Set when the opener declined (then it returned undefined). */
  declined: Declined | undefined;
  /** Set when the store failed: the caller rethrows it, leaving the message for retry. */
  error: unknown;

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
    private readonly ctx: DeliveryContext,
    private readonly message: InboundMessage,
    private readonly to: string[],
    /** The head read by an earlier transaction of this message, if any; set by the first `open`. */
    public head: OpenedHead | undefined,
  ) {}

  /** The transport's opener: the stream and its size as sent, or undefined when declined. */
  readonly open = async (): Promise<{ body: Readable; size: number; client?: OriginalClient } | undefined> => {
    const { ctx, message } = this;
    const { clock, store } = this.deps;
    if (ctx.deadline !== undefined && clock.now().getTime() >= ctx.deadline) return void (this.declined = 'deadline');
    if (ctx.signal?.aborted) return void (this.declined = 'stopping');
    if (ctx.isHeld && (await ctx.isHeld().catch(() => true))) return void (this.declined = 'held'); // unreadable: maybe held, start nothing
    try {
      const object = await store.open(message.objectKey);
      let body = object.body;
      if (!this.head) {
        const read = await readMessageHead(object.body, this.options.maxHeadBytes);
        const limit = this.options.maxReceivedHeaders ?? 50;
        if (read.receivedCount > limit) {
          read.body.destroy();
          return void (this.declined = { loop: read.receivedCount, limit });
        }
        const fromHost = topReceivedByHost(read.head.toString('latin1')) ?? this.options.sesHost ?? 'inbound-smtp.amazonaws.com';
        this.head = { head: read.head, newline: read.newline, fromHost, size: object.size, client: this.clientOf(read.head) };
        body = read.body;
      }
      const { head } = this;
      const trace = receivedHeader({ fromHost: head.fromHost, byHost: this.options.hostname, messageId: message.messageId, recipients: this.to, at: clock.now(), newline: head.newline });
      // Our Received header, with the route's ARC seal above it when it has one.
      const prefix = await deliveryPrefix(this.deps, ctx.route, message, trace, head.newline);
      const content = prependToStream(prefix, guardLength(body, object.size));
      // Started before the deadline: its final dot still must leave the Lambda time for the reply (final-dot-guard.ts).
      const guarded = ctx.deadline === undefined ? content : guardFinalDot(content, ctx.deadline + FINAL_DOT_GRACE_SECONDS * 1000, clock);
      return { body: guarded, size: object.size + Buffer.byteLength(prefix, 'utf8'), ...(head.client ? { client: head.client } : {}) };
    } catch (error) {
      if (error instanceof MessageMissingError) this.declined = 'missing';
      else this.error = error;
      return undefined;
    }
  };

  /** Once per message (the head is read once): why no client is told, when it cannot be read. */
  private clientOf(head: Buffer): OriginalClient | undefined {
    const mode = this.ctx.route.primary.forwardClient;
    if (!mode) return undefined;
    const read = originalClient(head.toString('latin1'));
    if (!read.client) this.deps.log.info(`original client not told to the primary (${mode}): ${read.reason}; the message goes without it`, { route: this.ctx.route.name, messageId: this.message.messageId });
    return read.client;
  }
}
