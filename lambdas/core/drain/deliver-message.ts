// One queued message through one delivery attempt: the per-message half of
// the drain. Checks run cheapest-first; the object is streamed from the store
// to the SMTP transport with one Received header in front; each recipient's
// outcome is written as soon as the transaction returns; settle-delivery.ts
// then sends the notices and finishes or defers the message.
import type { EngineDeps, EngineOptions } from './drain-deps.js';
import { deliveryPrefix } from '../message/arc-prefix.js';
import { finishDelivered, type DeliveryContext, type DeliveryEnd } from './delivery-context.js';
import { previousOutcomes } from './early-reads.js';
import { QUARANTINE_DETAIL, type MessageOutcomes } from '../outcome/message-outcomes.js';
import { recordAcceptedUnrecorded } from './accepted-unrecorded.js';
import { copyOf } from '../message/message-copy.js';
import { prependToStream, readMessageHead } from '../message/message-head.js';
import { FINAL_STATES, type AcceptedUnrecorded, type InboundMessage, type RecipientOutcome, type SmtpReply } from '../model.js';
import { guardLength } from './length-guard.js';
import { FINAL_DOT_GRACE_SECONDS, guardFinalDot } from './final-dot-guard.js';
import { TransactionRecorder, type TransactionEntry } from './transaction-record.js';
import { DEFAULT_RECIPIENTS_PER_TRANSACTION, DEFAULT_TRANSACTIONS_PER_TURN, MAX_ERROR_LIMIT_RETRIES, notStartedReply, recipientsThisTurn, splitRecipients, unansweredAfterErrorLimit } from './recipient-batches.js';
import { mustQuarantine } from '../outcome/notice-policy.js';
import { MessageMissingError } from '../message/ports.js';
import { type QueuedMessage, type TransactionResult } from './ports.js';
import { receivedHeader, topReceivedByHost } from '../message/received-header.js';
import { DeliverySettlement } from './settle-delivery.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { classifyReply } from '../policy/smtp-reply-classifier.js';
import { dropIfCanary } from '../canary/recognise-canary.js';

/**
 * A second queue copy of a message already being delivered in this run (SNS
 * delivers at least once; a re-enqueue whose delete failed; a requeue) waits
 * this long, so it finds the first copy's outcomes in the ledger.
 */
export const IN_FLIGHT_COPY_DELAY_SECONDS = 60;

export class MessageDelivery {
  private readonly recorder: TransactionRecorder;
  private readonly settlement: DeliverySettlement;

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
    private readonly retry: RetryPolicy,
    private readonly outcomes: MessageOutcomes,
  ) {
    this.recorder = new TransactionRecorder(deps, options);
    this.settlement = new DeliverySettlement(deps, options, retry, outcomes);
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
    if (await dropIfCanary(this.deps, route, queue, qm, message, summary)) return { connectionFailed: false };

    const inFlight = ctx.inFlight;
    const copy = `${message.messageId}#${copyOf(message)}`; // another rule's copy (other recipients) need not wait
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

  private async deliverParsed(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, early?: Promise<Map<string, RecipientOutcome>>): Promise<DeliveryEnd> {
    const { route, queue, summary } = ctx;
    const { clock, store } = this.deps;
    const previous = await previousOutcomes(this.deps, ctx, message, early);
    // A re-enqueued entry's accepted recipients: their rows first (a failure leaves the entry for retry; nothing was sent).
    await recordAcceptedUnrecorded(this.deps, route, message);
    await this.outcomes.confirmNotices(route, qm, message, previous);
    const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
    if (pending.length === 0) {
      // Every recipient final: bounces still waiting for the message's DSN (a run ended between a pass's last
      // transaction and its notice) are reported first.
      await this.settlement.reportDue(ctx, qm, message, previous);
      await finishDelivered(this.outcomes, ctx, qm, message);
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
    // deadline, a stop and the hold are checked at that same moment: a worker may
    // have waited for a session long after it took the message.
    // A share of transactions per turn (recipient-batches.ts): the rest of the list waits untouched
    // (no attempt counted, no back-off) behind the queue's other mail.
    const share = Math.max(1, this.options.maxTransactionsPerTurn ?? DEFAULT_TRANSACTIONS_PER_TURN);
    const perTransaction = Math.max(1, Math.floor(this.options.maxRecipientsPerTransaction ?? DEFAULT_RECIPIENTS_PER_TRANSACTION));
    // A message whose whole list fits in one turn is tried whole: its counts can differ for
    // another reason (a requeue keeps a reset recipient's count), which must not split it in two.
    const thisTurn = message.recipients.length <= share * perTransaction ? pending : recipientsThisTurn(pending, previous);
    const batches = splitRecipients(thisTurn, perTransaction);
    const later: string[] = batches.splice(share).flat();
    let cutBecause = later.length > 0 ? 'its share of transactions for one turn was used' : undefined;
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
      let declined: 'deadline' | 'stopping' | 'held' | 'missing' | { loop: number } | undefined;
      let openError: unknown;
      const open = async () => {
        if (ctx.deadline !== undefined && clock.now().getTime() >= ctx.deadline) return void (declined = 'deadline');
        if (ctx.signal?.aborted) return void (declined = 'stopping');
        if (ctx.isHeld && (await ctx.isHeld().catch(() => true))) return void (declined = 'held'); // unreadable: maybe held, start nothing
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
          const content = prependToStream(prefix, guardLength(body, object.size));
          // Started before the deadline: its final dot still must leave the Lambda time for the reply (final-dot-guard.ts).
          const guarded = ctx.deadline === undefined ? content : guardFinalDot(content, ctx.deadline + FINAL_DOT_GRACE_SECONDS * 1000, clock);
          return { body: guarded, size: object.size + Buffer.byteLength(prefix, 'utf8') };
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
        // Not tried, so not recorded: they keep their attempts and are the rest of this pass next time.
        cutBecause = declined === 'held' ? 'the route is held (or its hold could not be read)' : declined === 'stopping' ? 'the drain was told to stop' : "the drain's time budget was spent";
        later.push(...to, ...batches.flat());
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
        // again: re-enqueue a copy for the others only (when the notification can be narrowed). The
        // copy carries the accepted ones with their replies, whose rows are written from it once the
        // ledger takes writes, and the whole copy's recipients, so it finishes this copy's index entry.
        const at = clock.now();
        const unrecorded: AcceptedUnrecorded[] = answered
          .filter((a) => classifyReply(a.reply) === 'delivered')
          .map((a) => ({ recipient: a.recipient, reply: a.reply, at, attempts: (previous.get(a.recipient)?.attempts ?? 0) + 1 }));
        const accepted = new Set([...[...entries.values()].filter((e) => e.state === 'delivered').map((e) => e.recipient), ...unrecorded.map((a) => a.recipient)]);
        const rest = message.recipients.filter((r) => !accepted.has(r) && !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
        if (!this.deps.narrow || unrecorded.length === 0) throw error;
        this.deps.log.error('ledger write failed after the primary accepted recipients: re-enqueued for the others only, carrying the accepted ones', { route: route.name, messageId: message.messageId, accepted: accepted.size, rest: rest.length, error: (error as Error).message });
        await queue.enqueue(this.deps.narrow(qm.body, rest, unrecorded), Math.min(this.retry.settings.minBackoffSeconds, 900));
        await queue.delete(qm.handle).catch(() => undefined);
        summary.delivered += accepted.size;
        summary.reenqueued += 1;
        return { connectionFailed: false };
      }
      for (const entry of recorded) entries.set(entry.recipient, entry);
      for (const { recipient, reply } of answered) replies.set(recipient, reply);
      if (result.connectionFailed && !result.errorLimit) {
        failure = result;
        afterData ||= result.afterData === true;
      }
    }
    // Recipients a failed session left untried are recorded as deferred too: the pass ends there, with its back-off.
    const left = new Set(later);
    const untried = thisTurn.filter((r) => !entries.has(r) && !left.has(r));
    if (untried.length > 0) {
      const recorded = await this.recorder.record(ctx.route, message, previous, { connectionFailed: failure !== undefined, replies: untried.map((recipient) => ({ recipient, reply: replies.get(recipient) ?? notStartedReply('no transaction') })) });
      for (const entry of recorded) entries.set(entry.recipient, entry);
    }
    const tried = thisTurn.filter((r) => !left.has(r));
    const combined: TransactionResult = { connectionFailed: failure !== undefined, afterData, replies: tried.map((recipient) => ({ recipient, reply: replies.get(recipient)! })) };
    if (later.length > 0) {
      // One line per message and turn, not one per recipient left.
      this.deps.log.info('message continues in a later turn', { route: route.name, messageId: message.messageId, tried: tried.length, later: later.length, why: cutBecause });
    }
    const inTurn = new Set(thisTurn);
    const waiting = pending.filter((r) => !inTurn.has(r)).map((recipient) => ({ recipient, attempts: previous.get(recipient)?.attempts ?? 0 }));
    return this.settlement.settle(ctx, qm, message, previous, combined, head?.head, entries, head?.size, { later: later.length, waiting });
  }
}
