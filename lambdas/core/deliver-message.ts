// One queued message through one delivery attempt: the per-message half of
// the drain. Checks run cheapest-first; the object is streamed from the store
// to the SMTP transport with one Received header in front; each recipient's
// outcome is written as soon as the transaction returns.
import type { DrainSummary, EngineDeps, EngineOptions } from './engine-types.js';
import { QUARANTINE_DETAIL, REENQUEUE_AT_RECEIVE_COUNT, type MessageOutcomes } from './message-outcomes.js';
import { prependToStream, readMessageHead } from './message-head.js';
import { FINAL_STATES, type InboundMessage, type RecipientOutcome, type Route, type SmtpReply } from './model.js';
import { mustQuarantine } from './notice-policy.js';
import { MessageMissingError, type MailQueue, type QueuedMessage, type SmtpTransport, type TransactionResult } from './ports.js';
import { receivedHeader, topReceivedByHost } from './received-header.js';
import type { RetryPolicy } from './retry-policy.js';
import { classifyReply, dsnStatus, formatReply, isClientMisconfiguration } from './smtp-reply-classifier.js';

/**
 * A second queue copy of a message already being delivered in this run (SNS
 * delivers at least once; a re-enqueue whose delete failed; a requeue) waits
 * this long, so it finds the first copy's outcomes in the ledger.
 */
export const IN_FLIGHT_COPY_DELAY_SECONDS = 60;

export interface DeliveryContext {
  route: Route;
  queue: MailQueue;
  /** The pooled transport, opened on first use; rejects when the primary cannot be reached. */
  transport: () => Promise<SmtpTransport>;
  summary: DrainSummary;
  /** Message ids being delivered right now in this run (shared by its workers). */
  inFlight?: Set<string>;
}

/** How the attempt ended for the route: only a session failure stops the drain. */
export type DeliveryEnd = { connectionFailed: false } | { connectionFailed: true; error: string };

export class MessageDelivery {
  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
    private readonly retry: RetryPolicy,
    private readonly outcomes: MessageOutcomes,
  ) {}

  async deliver(ctx: DeliveryContext, qm: QueuedMessage): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    summary.messages += 1;

    if (qm.receiveCount >= REENQUEUE_AT_RECEIVE_COUNT) {
      // Before anything that could fail again: whatever keeps failing this
      // message (a session, the store, the ledger) must not let SQS redrive it
      // to the DLQ with no record. The fresh copy is visible at once.
      await this.outcomes.reenqueue(queue, qm, 0, { route: route.name });
      summary.reenqueued += 1;
      return { connectionFailed: false };
    }

    let message: InboundMessage;
    try {
      message = this.deps.parse(qm.body);
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? (error as Error).message;
      await this.outcomes.deadLetter(route, qm, undefined, 'malformed-notification', reason);
      await queue.delete(qm.handle);
      summary.deadLettered += 1;
      return { connectionFailed: false };
    }

    const inFlight = ctx.inFlight;
    if (inFlight?.has(message.messageId)) {
      // Both copies would read an empty ledger and deliver twice at once.
      this.deps.log.info('another copy of this message is being delivered; this one waits', { route: route.name, messageId: message.messageId });
      await queue.defer(qm.handle, IN_FLIGHT_COPY_DELAY_SECONDS);
      return { connectionFailed: false };
    }
    inFlight?.add(message.messageId);
    try {
      return await this.deliverParsed(ctx, qm, message);
    } finally {
      inFlight?.delete(message.messageId);
    }
  }

  private async deliverParsed(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    const { clock, ledger, store } = this.deps;
    const previous = await (ledger.outcomesFor ? ledger.outcomesFor(message.messageId, message.recipients) : ledger.outcomes(message.messageId));
    const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
    if (pending.length === 0) {
      await this.outcomes.finish(route, queue, qm, message);
      return { connectionFailed: false };
    }
    const deadLetterAll = async (reason: 'virus' | 'object-missing' | 'loop-detected', detail: string) => {
      await this.outcomes.deadLetter(route, qm, message, reason, detail);
      await this.outcomes.recordAll(message, pending.map((recipient) => ({ recipient })), 'dead-lettered', previous, false);
      await this.outcomes.finish(route, queue, qm, message);
      summary.deadLettered += pending.length;
    };
    if (mustQuarantine(message)) {
      await deadLetterAll('virus', QUARANTINE_DETAIL);
      return { connectionFailed: false };
    }
    if (this.retry.isExpired(message.receivedAt, clock.now())) {
      await this.outcomes.expire(route, qm, message, pending, previous);
      await this.outcomes.finish(route, queue, qm, message);
      summary.expired += pending.length;
      return { connectionFailed: false };
    }

    let opened;
    try {
      opened = await store.open(message.objectKey);
    } catch (error) {
      if (!(error instanceof MessageMissingError)) throw error; // transient: leave it for retry
      await deadLetterAll('object-missing', `no object at ${message.bucketName}/${message.objectKey}`);
      return { connectionFailed: false };
    }
    const head = await readMessageHead(opened.body, this.options.maxHeadBytes);
    const maxReceived = this.options.maxReceivedHeaders ?? 50;
    if (head.receivedCount > maxReceived) {
      head.body.destroy();
      await deadLetterAll('loop-detected', `${head.receivedCount} Received headers (limit ${maxReceived})`);
      return { connectionFailed: false };
    }

    const trace = receivedHeader({
      fromHost: topReceivedByHost(head.head.toString('latin1')) ?? this.options.sesHost ?? 'inbound-smtp.amazonaws.com',
      byHost: this.options.hostname,
      messageId: message.messageId,
      recipients: pending,
      at: clock.now(),
      newline: head.newline,
    });
    let result: TransactionResult;
    try {
      const transport = await ctx.transport();
      const size = opened.size + Buffer.byteLength(trace, 'utf8');
      result = await transport.send({ from: message.sender, to: pending, size }, prependToStream(trace, head.body));
    } catch (error) {
      head.body.destroy();
      const failure: SmtpReply = { text: `connect: ${(error as Error).message}`, errorCode: (error as { code?: string }).code ?? 'ECONNECTION' };
      result = { connectionFailed: true, replies: pending.map((recipient) => ({ recipient, reply: failure })) };
    }
    return this.settle(ctx, qm, message, pending, previous, result, head.head);
  }

  /** Records each recipient's reply, notifies about bounces, then deletes or defers. */
  private async settle(
    ctx: DeliveryContext,
    qm: QueuedMessage,
    message: InboundMessage,
    pending: string[],
    previous: Awaited<ReturnType<EngineDeps['ledger']['outcomes']>>,
    result: TransactionResult,
    originalHeaders: Buffer,
  ): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    const { clock, ledger, log, metrics } = this.deps;
    const at = clock.now();
    const delaySeconds = Math.max(0, Math.round((at.getTime() - message.receivedAt.getTime()) / 1000));
    const relay = `${route.primary.host}:${route.primary.port}`;
    const replies = new Map(result.replies.map((r) => [r.recipient, r.reply]));
    const deferred: { recipient: string; attempts: number }[] = [];
    const bounced: { recipient: string; reply: SmtpReply }[] = [];

    // Every reply of the transaction is written at once, right after it (one batch
    // write where the ledger allows). A bounce's outcome waits for its notice below.
    const entries = pending.map((recipient) => {
      const reply = replies.get(recipient) ?? { text: 'no reply recorded for this recipient', errorCode: 'ENOREPLY' };
      const state = classifyReply(reply);
      const attempts = (previous.get(recipient)?.attempts ?? 0) + 1;
      return {
        recipient, state, reply, attempts,
        outcome: state === 'bounced' ? undefined : { recipient, state, reply, attempts, updatedAt: at },
        attempt: { messageId: message.messageId, recipient, at, relay, state, reply, delaySeconds },
      };
    });
    if (ledger.recordAttempts) {
      await ledger.recordAttempts(message.messageId, entries.map(({ outcome, attempt }) => (outcome ? { outcome, attempt } : { attempt })));
    } else {
      for (const { outcome, attempt } of entries) {
        if (outcome) await ledger.record(message.messageId, outcome);
        await ledger.addAttempt(attempt);
      }
    }
    for (const { recipient, state, reply, attempts } of entries) {
      if (state === 'deferred') deferred.push({ recipient, attempts });
      if (state === 'bounced') bounced.push({ recipient, reply });
      log.attempt({ messageId: message.messageId, recipient, relay, delaySeconds, dsn: dsnStatus(reply), status: state, reply: formatReply(reply), route: route.name });
      metrics.count(state === 'delivered' ? 'Delivered' : state === 'deferred' ? 'Deferred' : 'Bounced', 1, route.name);
      if (state === 'delivered') metrics.delay(delaySeconds, route.name);
      summary[state] += 1;
    }
    const misconfigured = result.replies.find((r) => isClientMisconfiguration(r.reply));
    if (misconfigured) {
      // The primary wants STARTTLS or AUTH the route does not give: every message
      // would get the same answer, so defer this one and stop the route until an operator fixes it.
      log.error("PRIMARY REFUSES US: it requires TLS or AUTH that this route is not configured for; check the route's primary.tls and authSecretName. Mail is deferred, not bounced.", {
        route: route.name, relay, messageId: message.messageId, reply: formatReply(misconfigured.reply), tls: route.primary.tls, auth: route.primary.authSecretName !== undefined,
      });
    }
    if (result.connectionFailed && result.afterData) {
      log.warn('connection lost after the final dot: the primary may have kept the message (possible duplicate)', { messageId: message.messageId, route: route.name });
    }

    if (bounced.length > 0) {
      const failed = bounced.map((b) => ({ ...b, status: dsnStatus(b.reply) }));
      let notified = false;
      try {
        const notice = await this.outcomes.notify(route, qm, message, failed, 'bounced', originalHeaders);
        notified = true;
        if (notice === 'dead-letter') {
          // Kept as a dead letter, not bounced to the sender: count them where they went.
          summary.bounced -= bounced.length;
          summary.deadLettered += bounced.length;
        }
      } catch (error) {
        // Neither DSN nor dead letter: keep them pending so the notice is tried again.
        log.error('bounce notice failed; recipients stay deferred', { messageId: message.messageId, error: (error as Error).message });
        for (const b of bounced) {
          const attempts = (previous.get(b.recipient)?.attempts ?? 0) + 1;
          await ledger.record(message.messageId, { recipient: b.recipient, state: 'deferred', reply: b.reply, attempts, updatedAt: at });
          deferred.push({ recipient: b.recipient, attempts });
        }
      }
      // The notice is out: recording them deferred now would send a second one
      // on the next attempt. Try the write again; if the ledger still fails, the
      // error leaves the message for a later retry.
      if (notified) await this.recordBounced(message, bounced, previous);
    }

    if (deferred.length === 0) {
      await this.outcomes.finish(route, queue, qm, message);
    } else {
      const delay = this.retryDelay(result, Math.max(...deferred.map((d) => d.attempts)), message.receivedAt, at);
      if ((await this.outcomes.postpone(queue, qm, delay, { route: route.name, messageId: message.messageId })) === 'reenqueued') summary.reenqueued += 1;
    }
    if (misconfigured) return { connectionFailed: true, error: `primary requires TLS/AUTH: ${formatReply(misconfigured.reply)}` };
    if (!result.connectionFailed) return { connectionFailed: false };
    return { connectionFailed: true, error: formatReply(result.replies[0]?.reply ?? { text: 'session failed' }) };
  }

  /**
   * Seconds until the next attempt of a message tried `attempts` times. A
   * failed session says more about the primary than about the message, and the
   * probe decides when the primary is back, so the wait starts short (60 s,
   * then 120 s, 240 s…) and joins the normal backoff where that is shorter: a
   * message that fails every session while the probe says "up" (bad AUTH, a
   * 421 at MAIL, a primary that drops on this one message) slows down instead
   * of coming back every minute. After the final dot the primary probably kept
   * the message, so that failure waits the normal backoff.
   */
  private retryDelay(result: TransactionResult, attempts: number, receivedAt: Date, at: Date): number {
    const backoff = this.retry.nextDelaySeconds(attempts, receivedAt, at);
    if (!result.connectionFailed || result.afterData) return backoff;
    const base = this.options.connectionFailureDelaySeconds ?? 60;
    return Math.min(base * 2 ** Math.min(Math.max(attempts, 1) - 1, 30), backoff);
  }

  /** Records the bounced recipients, trying once more when the first write fails. */
  private async recordBounced(message: InboundMessage, bounced: { recipient: string; reply: SmtpReply }[], previous: Map<string, RecipientOutcome>): Promise<void> {
    try {
      await this.outcomes.recordAll(message, bounced, 'bounced', previous, true);
    } catch (error) {
      this.deps.log.warn('recording bounced recipients failed after their notice; trying again', { messageId: message.messageId, error: (error as Error).message });
      await this.outcomes.recordAll(message, bounced, 'bounced', previous, true);
    }
  }
}
