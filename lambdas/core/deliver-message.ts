// One queued message through one delivery attempt: the per-message half of
// the drain. Checks run cheapest-first; the object is streamed from the store
// to the SMTP transport with one Received header in front; each recipient's
// outcome is written as soon as the transaction returns.
import type { DrainSummary, EngineDeps, EngineOptions } from './engine-types.js';
import { deliveryPrefix } from './arc-prefix.js';
import { warnIfDelayed } from './delay-warning.js';
import type { FinishQueue } from './finish-queue.js';
import { QUARANTINE_DETAIL, type MessageOutcomes } from './message-outcomes.js';
import { copyKeyOf } from './message-copy.js';
import { prependToStream, readMessageHead } from './message-head.js';
import { FINAL_STATES, type InboundMessage, type RecipientOutcome, type Route, type SmtpReply } from './model.js';
import { guardLength } from './length-guard.js';
import { TransactionRecorder, type TransactionEntry } from './transaction-record.js';
import { MAX_ERROR_LIMIT_RETRIES, notStartedReply, splitRecipients, unansweredAfterErrorLimit } from './recipient-batches.js';
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
  /** Epoch ms after which no new transaction starts (the drain's budget). */
  deadline?: number;
  /** The route's hold (a read at most a few seconds old), checked before every transaction. */
  isHeld?: () => Promise<boolean>;
  queue: MailQueue;
  /** The pooled transport, opened on first use; rejects when the primary cannot be reached. */
  transport: () => Promise<SmtpTransport>;
  summary: DrainSummary;
  /** Message ids being delivered right now in this run (shared by its workers). */
  inFlight?: Set<string>;
  /** Where delivered messages are finished off the worker's path; without it, finished in line. */
  finishing?: FinishQueue;
  /** Parsed notifications and ledger reads made when their receive returned (see prefetch). */
  prefetched?: Map<QueuedMessage, Prefetched>;
  /** Message ids whose delivery started in this run: a later copy reads the ledger afresh. */
  started?: Set<string>;
}

/** A received message parsed, and its ledger rows asked for, when its receive returned. */
export interface Prefetched {
  message: InboundMessage;
  outcomes?: Promise<Map<string, RecipientOutcome>>;
}

/** How the attempt ended for the route: only a session failure stops the drain. */
export type DeliveryEnd = { connectionFailed: false } | { connectionFailed: true; error: string };

export class MessageDelivery {
  private readonly recorder: TransactionRecorder;

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
    private readonly retry: RetryPolicy,
    private readonly outcomes: MessageOutcomes,
  ) {
    this.recorder = new TransactionRecorder(deps, options);
  }

  /**
   * Parses a receive's notifications and asks for all their ledger rows at
   * once (the grouped reader sends them in one call), so no worker reads alone.
   * Skips what deliver would not read: entries due for a fresh copy, and
   * notifications that do not parse (deliver deals with both).
   */
  prefetch(batch: QueuedMessage[]): [QueuedMessage, Prefetched][] {
    const { ledger } = this.deps;
    return batch.flatMap((qm): [QueuedMessage, Prefetched][] => {
      if (this.outcomes.mustReenqueue(qm)) return [];
      let message: InboundMessage;
      try {
        message = this.deps.parse(qm.body);
      } catch {
        return [];
      }
      const outcomes = ledger.outcomesFor?.(message.messageId, message.recipients);
      outcomes?.catch(() => undefined); // a failed read is read again in deliver
      return [[qm, { message, ...(outcomes ? { outcomes } : {}) }]];
    });
  }

  async deliver(ctx: DeliveryContext, qm: QueuedMessage): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    summary.messages += 1;
    const early = ctx.prefetched?.get(qm);
    ctx.prefetched?.delete(qm);

    if (this.outcomes.mustReenqueue(qm)) {
      // Before any I/O that could fail again: whatever keeps failing this
      // message (a session, the store, the ledger) must not let SQS redrive it
      // to the DLQ, nor its 14-day retention drop it, with no record. The
      // fresh copy is visible at once and is delivered from there.
      await this.outcomes.reenqueue(queue, qm, 0, { route: route.name });
      summary.reenqueued += 1;
      return { connectionFailed: false };
    }

    let message: InboundMessage;
    try {
      message = early?.message ?? this.deps.parse(qm.body);
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? (error as Error).message;
      await this.outcomes.deadLetter(route, qm, undefined, 'malformed-notification', reason);
      await queue.delete(qm.handle);
      summary.deadLettered += 1;
      return { connectionFailed: false };
    }

    const inFlight = ctx.inFlight;
    const copy = `${message.messageId}#${copyKeyOf(message.recipients)}`; // another rule's copy (other recipients) need not wait
    if (inFlight?.has(copy)) {
      // Both copies would read an empty ledger and deliver twice at once.
      this.deps.log.info('another copy of this message is being delivered; this one waits', { route: route.name, messageId: message.messageId });
      await this.outcomes.postpone(queue, qm, IN_FLIGHT_COPY_DELAY_SECONDS);
      return { connectionFailed: false };
    }
    inFlight?.add(copy);
    try {
      return await this.deliverParsed(ctx, qm, message, early?.outcomes);
    } finally {
      inFlight?.delete(copy);
    }
  }

  /**
   * The ledger rows of the message's recipients. The read made at receive time
   * is used only by the first delivery of this id in the run: a later copy may
   * have been read before an earlier one's outcomes were stored, so it reads again.
   */
  private async previousOutcomes(ctx: DeliveryContext, message: InboundMessage, early?: Promise<Map<string, RecipientOutcome>>): Promise<Map<string, RecipientOutcome>> {
    const { ledger } = this.deps;
    const first = !ctx.started?.has(message.messageId);
    ctx.started?.add(message.messageId);
    if (early && first) {
      const read = await early.catch(() => undefined);
      if (read) return read;
    }
    return ledger.outcomesFor ? ledger.outcomesFor(message.messageId, message.recipients) : ledger.outcomes(message.messageId);
  }

  /** Index done, then the queue entry deleted: off the worker's path when the drain has a FinishQueue. */
  private async finish(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, size?: number): Promise<void> {
    if (ctx.finishing) ctx.finishing.add(ctx.route, ctx.queue, qm, message, size);
    else await this.outcomes.finish(ctx.route, ctx.queue, qm, message, size);
  }

  private async deliverParsed(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, early?: Promise<Map<string, RecipientOutcome>>): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    const { clock, store } = this.deps;
    const previous = await this.previousOutcomes(ctx, message, early);
    await this.outcomes.confirmNotices(route, qm, message, previous);
    const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
    if (pending.length === 0) {
      await this.finish(ctx, qm, message);
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

    // One transaction per batch of recipients, each on the pooled transport. The
    // object is opened only once a session is free (the first time, its head is
    // read for the loop check and the Received header's "from" host), and the
    // deadline and the hold are checked at that same moment.
    const batches = splitRecipients(pending, this.options.maxRecipientsPerTransaction);
    const replies = new Map<string, SmtpReply>();
    const entries = new Map<string, TransactionEntry>();
    let head: { head: Buffer; newline: '\r\n' | '\n'; fromHost: string; size: number } | undefined;
    let failure: TransactionResult | undefined;
    let afterData = false;
    let retries = 0;
    const maxReceived = this.options.maxReceivedHeaders ?? 50;
    while (batches.length > 0) {
      const to = batches.shift()!;
      if (failure) {
        // The session failed: the rest wait with the same reply, untried.
        for (const recipient of to) replies.set(recipient, failure.replies[0]?.reply ?? notStartedReply('session failed'));
        continue;
      }
      let declined: 'deadline' | 'held' | 'missing' | { loop: number } | undefined;
      let openError: unknown;
      const open = async () => {
        if (ctx.deadline !== undefined && clock.now().getTime() >= ctx.deadline) return void (declined = 'deadline');
        if (ctx.isHeld && (await ctx.isHeld().catch(() => true))) return void (declined = 'held');
        try {
          const object = await store.open(message.objectKey);
          let body = object.body;
          if (!head) {
            const read = await readMessageHead(object.body, this.options.maxHeadBytes);
            if (read.receivedCount > maxReceived) {
              read.body.destroy();
              return void (declined = { loop: read.receivedCount });
            }
            const fromHost = topReceivedByHost(read.head.toString('latin1')) ?? this.options.sesHost ?? 'inbound-smtp.amazonaws.com';
            head = { head: read.head, newline: read.newline, fromHost, size: object.size };
            body = read.body;
          }
          const trace = receivedHeader({ fromHost: head.fromHost, byHost: this.options.hostname, messageId: message.messageId, recipients: to, at: clock.now(), newline: head.newline });
          // Our Received header, with the route's ARC seal above it when it has one.
          const prefix = await deliveryPrefix(this.deps, route, message, trace, head.newline);
          return { body: prependToStream(prefix, guardLength(body, object.size)), size: object.size + Buffer.byteLength(prefix, 'utf8') };
        } catch (error) {
          if (error instanceof MessageMissingError) declined = 'missing';
          else openError = error;
          return undefined;
        }
      };
      let result: TransactionResult;
      try {
        const transport = await ctx.transport();
        result = await transport.send({ from: message.sender, to }, open);
      } catch (error) {
        const reply: SmtpReply = { text: `connect: ${(error as Error).message}`, errorCode: (error as { code?: string }).code ?? 'ECONNECTION' };
        result = { connectionFailed: true, replies: to.map((recipient) => ({ recipient, reply })) };
      }
      if (openError !== undefined) throw openError; // the store failed: leave the message for retry
      if (result.notStarted || declined !== undefined) {
        if (declined === 'missing' || (typeof declined === 'object' && declined !== null)) {
          if (entries.size > 0) throw new Error(`object ${message.objectKey} changed while it was being delivered`);
          if (declined === 'missing') await deadLetterAll('object-missing', `no object at ${message.bucketName}/${message.objectKey}`);
          else await deadLetterAll('loop-detected', `${declined.loop} Received headers (limit ${maxReceived})`);
          return { connectionFailed: false };
        }
        if (entries.size === 0) {
          // Nothing sent yet: the message goes back untouched, visible at once for the next drain.
          if ((await this.outcomes.postpone(queue, qm, 0, { route: route.name, messageId: message.messageId })) === 'reenqueued') summary.reenqueued += 1;
          else summary.released += 1;
          return { connectionFailed: false };
        }
        const why = declined === 'held' ? 'the route is held' : "the drain's time budget was spent";
        for (const recipient of [...to, ...batches.flat()]) replies.set(recipient, notStartedReply(why));
        batches.length = 0;
        continue;
      }
      const unanswered = retries < MAX_ERROR_LIMIT_RETRIES ? unansweredAfterErrorLimit(result) : [];
      if (unanswered.length > 0) {
        // The primary's error limit, not an outage: those recipients go again on a new session.
        retries += 1;
        this.deps.log.warn('primary ended the session after refusing recipients (its error limit); the rest go again on a new session', { route: route.name, messageId: message.messageId, unanswered: unanswered.length });
        batches.unshift(unanswered);
      }
      const answered = result.replies.filter((r) => !unanswered.includes(r.recipient));
      let recorded: TransactionEntry[];
      try {
        recorded = await this.recorder.record(ctx.route, message, previous, { ...result, replies: answered });
      } catch (error) {
        // The ledger keeps failing after the primary's reply. Recipients it accepted must not be sent
        // again: re-enqueue a copy for the others only (when the notification can be narrowed).
        const accepted = new Set([...entries.values(), ...answered.map((a) => ({ recipient: a.recipient, state: classifyReply(a.reply) }))].filter((e) => e.state === 'delivered').map((e) => e.recipient));
        const rest = message.recipients.filter((r) => !accepted.has(r) && !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
        if (!this.deps.narrow || accepted.size === 0) throw error;
        this.deps.log.error('ledger write failed after the primary accepted recipients: re-enqueued for the others only', { route: route.name, messageId: message.messageId, accepted: accepted.size, rest: rest.length, error: (error as Error).message });
        if (rest.length > 0) await queue.enqueue(this.deps.narrow(qm.body, rest), Math.min(this.retry.settings.minBackoffSeconds, 900));
        else await this.outcomes.finish(route, queue, qm, message).catch(() => undefined);
        await queue.delete(qm.handle).catch(() => undefined);
        summary.delivered += accepted.size;
        summary.reenqueued += rest.length > 0 ? 1 : 0;
        return { connectionFailed: false };
      }
      for (const entry of recorded) entries.set(entry.recipient, entry);
      for (const { recipient, reply } of answered) replies.set(recipient, reply);
      if (result.connectionFailed && !result.errorLimit) {
        failure = result;
        afterData ||= result.afterData === true;
      }
    }
    // Recipients never tried in a transaction (after a session failure, past the deadline) are recorded as deferred too.
    const untried = pending.filter((r) => !entries.has(r));
    if (untried.length > 0) {
      const recorded = await this.recorder.record(ctx.route, message, previous, { connectionFailed: failure !== undefined, replies: untried.map((recipient) => ({ recipient, reply: replies.get(recipient) ?? notStartedReply('no transaction') })) });
      for (const entry of recorded) entries.set(entry.recipient, entry);
    }
    const combined: TransactionResult = { connectionFailed: failure !== undefined, afterData, replies: pending.map((recipient) => ({ recipient, reply: replies.get(recipient)! })) };
    return this.settle(ctx, qm, message, pending, previous, combined, head?.head, entries, head?.size);
  }

  /** With every transaction's replies recorded: one notice for all bounces, then delete or defer. */
  private async settle(
    ctx: DeliveryContext,
    qm: QueuedMessage,
    message: InboundMessage,
    pending: string[],
    previous: Map<string, RecipientOutcome>,
    result: TransactionResult,
    originalHeaders: Buffer | undefined,
    entries: Map<string, TransactionEntry>,
    /** The stored object's size, when it was opened: kept in the done summary. */
    objectSize?: number,
  ): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    const { clock, ledger, log } = this.deps;
    const at = clock.now();
    const relay = `${route.primary.host}:${route.primary.port}`;
    const deferred: { recipient: string; attempts: number }[] = [];
    const bounced: { recipient: string; reply: SmtpReply }[] = [];
    for (const { recipient, state, reply, attempts } of entries.values()) {
      if (state === 'deferred') deferred.push({ recipient, attempts });
      if (state === 'bounced') bounced.push({ recipient, reply });
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
      // Final before the notice, so a failed write after it cannot send a second one.
      await this.outcomes.recordAll(message, bounced, 'bounced', previous, true, 'pending');
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
      if (notified) await this.outcomes.noticeDone(message, bounced, 'bounced', previous, true);
    }

    if (deferred.length === 0) {
      await this.finish(ctx, qm, message, objectSize);
    } else {
      const delay = this.retryDelay(result, Math.max(...deferred.map((d) => d.attempts)), message.receivedAt, at);
      const replies = new Map(result.replies.map((r) => [r.recipient, r.reply]));
      await warnIfDelayed(this.deps, this.options, route, message, deferred.map((d) => ({ recipient: d.recipient, ...(replies.has(d.recipient) ? { reply: replies.get(d.recipient)! } : {}) })), originalHeaders);
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
}
