// One queued message through one delivery attempt: the per-message half of
// the drain. Checks run cheapest-first; the object is streamed from the store
// to the SMTP transport with one Received header in front; each recipient's
// outcome is written as soon as the transaction returns; settle-delivery.ts
// then sends the notices and finishes or defers the message.
import type { EngineDeps, EngineOptions } from './drain-deps.js';
import { ContentOpener, type Declined, type OpenedHead } from './content-opener.js';
import { finishDelivered, type DeliveryContext, type DeliveryEnd, type Prefetched } from './delivery-context.js';
import { holdMark, previousOutcomes } from './early-reads.js';
import { leaveHeld } from './held-message.js';
import { QUARANTINE_DETAIL, type MessageOutcomes } from '../outcome/message-outcomes.js';
import { recordAcceptedUnrecorded } from './accepted-unrecorded.js';
import { copyOf } from '../message/message-copy.js';
import { FINAL_STATES, type AcceptedUnrecorded, type InboundMessage, type RecipientOutcome, type SmtpReply } from '../model.js';
import { TransactionRecorder, type TransactionEntry } from './transaction-record.js';
import { DEFAULT_RECIPIENTS_PER_TRANSACTION, DEFAULT_TRANSACTIONS_PER_TURN, MAX_ERROR_LIMIT_RETRIES, notStartedReply, recipientsThisTurn, splitRecipients, unansweredAfterErrorLimit } from './recipient-batches.js';
import { mustQuarantine } from '../outcome/notice-policy.js';
import { type QueuedMessage, type TransactionResult } from './ports.js';
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

/** Re-exported: the hold use case (operator/hold-messages.ts) and tests import it from here. */
export { HELD_RECHECK_SECONDS } from './held-message.js';

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
      return await this.deliverParsed(ctx, qm, message, early);
    } finally {
      inFlight?.delete(copy);
    }
  }

  private async deliverParsed(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, early?: Prefetched): Promise<DeliveryEnd> {
    // Both asked in the same turn: a grouped store reads the hold mark in the rows' call.
    const [previous, held] = await Promise.all([previousOutcomes(this.deps, ctx, message, early?.outcomes), holdMark(this.deps, ctx.route.name, message, early?.held)]);
    // A re-enqueued entry's accepted recipients: their rows first (a failure leaves the entry for retry; nothing was sent).
    await recordAcceptedUnrecorded(this.deps, ctx.route, message);
    await this.outcomes.confirmNotices(ctx.route, qm, message, previous);
    const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
    const settled = await this.settleUnsent(ctx, qm, message, previous, pending);
    if (settled) return settled;
    // The operator holds this copy (`hold --message`): nothing is sent (held-message.ts).
    if (held) return leaveHeld(this.deps, this.options, this.retry, this.outcomes, ctx, qm, message);

    // One transaction per batch of recipients, each on the pooled transport; the
    // object is opened only once a session is free (content-opener.ts).
    const pass = this.planPass(message, previous, pending);
    while (pass.batches.length > 0) {
      const to = pass.batches.shift()!;
      if (pass.failure) {
        // The session failed: the rest wait with the same reply, untried.
        for (const recipient of to) pass.replies.set(recipient, pass.failure.replies[0]?.reply ?? notStartedReply('session failed'));
        continue;
      }
      const ended = await this.transaction(ctx, qm, pass, to);
      if (ended) return ended;
    }
    return this.settlePass(ctx, qm, pass);
  }

  /** A message with nothing to send (every recipient final, a virus, expired) is settled here; undefined otherwise. */
  private async settleUnsent(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, previous: Map<string, RecipientOutcome>, pending: string[]): Promise<DeliveryEnd | undefined> {
    const { route, queue, summary } = ctx;
    if (pending.length === 0) {
      // Every recipient final: bounces still waiting for the message's DSN (a run ended between a pass's last
      // transaction and its notice) are reported first.
      await this.settlement.reportDue(ctx, qm, message, previous);
      await finishDelivered(this.outcomes, ctx, qm, message);
      return { connectionFailed: false };
    }
    if (mustQuarantine(message)) {
      await this.deadLetterAll(ctx, qm, { message, previous, pending }, 'virus', QUARANTINE_DETAIL);
      return { connectionFailed: false };
    }
    if (this.retry.isExpired(message.receivedAt, this.deps.clock.now())) {
      await this.outcomes.expire(route, qm, message, pending, previous);
      await this.outcomes.finish(route, queue, qm, message);
      summary.expired += pending.length;
      return { connectionFailed: false };
    }
    return undefined;
  }

  private async deadLetterAll(ctx: DeliveryContext, qm: QueuedMessage, pass: Pick<Pass, 'message' | 'previous' | 'pending'>, reason: 'virus' | 'object-missing' | 'loop-detected', detail: string): Promise<void> {
    const { message, previous, pending } = pass;
    await this.outcomes.deadLetter(ctx.route, qm, message, reason, detail);
    await this.outcomes.recordAll(message, pending.map((recipient) => ({ recipient })), 'dead-lettered', previous, false);
    await this.outcomes.finish(ctx.route, ctx.queue, qm, message);
    ctx.summary.deadLettered += pending.length;
  }

  /**
   * This turn's batches. A share of transactions per turn (recipient-batches.ts):
   * the rest of the list waits untouched (no attempt counted, no back-off) behind
   * the queue's other mail.
   */
  private planPass(message: InboundMessage, previous: Map<string, RecipientOutcome>, pending: string[]): Pass {
    const share = Math.max(1, this.options.maxTransactionsPerTurn ?? DEFAULT_TRANSACTIONS_PER_TURN);
    const perTransaction = Math.max(1, Math.floor(this.options.maxRecipientsPerTransaction ?? DEFAULT_RECIPIENTS_PER_TRANSACTION));
    const thisTurn = recipientsThisTurn(pending, previous, { listSize: message.recipients.length, perTurn: share * perTransaction });
    const batches = splitRecipients(thisTurn, perTransaction);
    const later: string[] = batches.splice(share).flat();
    return {
      message, previous, pending, thisTurn, batches, later,
      cutBecause: later.length > 0 ? 'its share of transactions for one turn was used' : undefined,
      replies: new Map(), entries: new Map(), head: undefined, failure: undefined, afterData: false, retries: 0,
    };
  }

  /** One transaction to `to`: undefined to go on with the pass, else how the message's delivery ended. */
  private async transaction(ctx: DeliveryContext, qm: QueuedMessage, pass: Pass, to: string[]): Promise<DeliveryEnd | undefined> {
    const { message, previous } = pass;
    const opener = new ContentOpener(this.deps, this.options, ctx, message, to, pass.head);
    let result: TransactionResult;
    try {
      const transport = await ctx.transport();
      result = await transport.send({ from: message.sender, to }, opener.open);
    } catch (error) {
      const reply: SmtpReply = { text: `connect: ${(error as Error).message}`, errorCode: (error as { code?: string }).code ?? 'ECONNECTION' };
      result = { connectionFailed: true, replies: to.map((recipient) => ({ recipient, reply })) };
    }
    pass.head = opener.head;
    if (opener.error !== undefined) throw opener.error; // the store failed: leave the message for retry
    if (result.notStarted || opener.declined !== undefined) return this.declined(ctx, qm, pass, to, opener.declined);
    const unanswered = pass.retries < MAX_ERROR_LIMIT_RETRIES ? unansweredAfterErrorLimit(result) : [];
    if (unanswered.length > 0) {
      // The primary's error limit, not an outage: those recipients go again on a new session.
      pass.retries += 1;
      this.deps.log.warn('primary ended the session after refusing recipients (its error limit); the rest go again on a new session', { route: ctx.route.name, messageId: message.messageId, unanswered: unanswered.length });
      pass.batches.unshift(unanswered);
    }
    const answered = result.replies.filter((r) => !unanswered.includes(r.recipient));
    let recorded: TransactionEntry[];
    try {
      recorded = await this.recorder.record(ctx.route, message, previous, { ...result, replies: answered });
    } catch (error) {
      return this.reenqueueUnrecorded(ctx, qm, pass, answered, error);
    }
    for (const entry of recorded) pass.entries.set(entry.recipient, entry);
    for (const { recipient, reply } of answered) pass.replies.set(recipient, reply);
    if (result.connectionFailed && !result.errorLimit) {
      pass.failure = result;
      pass.afterData ||= result.afterData === true;
    }
    return undefined;
  }

  /** The opener sent nothing: the message is dead-lettered, goes back untouched, or its pass is cut here. */
  private async declined(ctx: DeliveryContext, qm: QueuedMessage, pass: Pass, to: string[], declined: Declined | undefined): Promise<DeliveryEnd | undefined> {
    const { message } = pass;
    if (declined === 'missing' || (typeof declined === 'object' && declined !== null)) {
      if (pass.entries.size > 0) throw new Error(`object ${message.objectKey} changed while it was being delivered`);
      if (declined === 'missing') await this.deadLetterAll(ctx, qm, pass, 'object-missing', `no object at ${message.bucketName}/${message.objectKey}`);
      else await this.deadLetterAll(ctx, qm, pass, 'loop-detected', `${declined.loop} Received headers (limit ${declined.limit})`);
      return { connectionFailed: false };
    }
    if (pass.entries.size === 0) {
      // Nothing sent yet: the message goes back untouched, visible at once for the next drain.
      if ((await this.outcomes.postpone(ctx.queue, qm, 0, { route: ctx.route.name, messageId: message.messageId })) === 'reenqueued') ctx.summary.reenqueued += 1;
      else ctx.summary.released += 1;
      return { connectionFailed: false };
    }
    // Not tried, so not recorded: they keep their attempts and are the rest of this pass next time.
    pass.cutBecause = declined === 'held' ? 'the route is held (or its hold could not be read)' : declined === 'stopping' ? 'the drain was told to stop' : "the drain's time budget was spent";
    pass.later.push(...to, ...pass.batches.flat());
    pass.batches.length = 0;
    return undefined;
  }

  /**
   * The ledger keeps failing after the primary's reply. Recipients it accepted must not be sent
   * again: re-enqueue a copy for the others only (when the notification can be narrowed). The
   * copy carries the accepted ones with their replies, whose rows are written from it once the
   * ledger takes writes, and the whole copy's recipients, so it finishes this copy's index entry.
   */
  private async reenqueueUnrecorded(ctx: DeliveryContext, qm: QueuedMessage, pass: Pass, answered: TransactionResult['replies'], error: unknown): Promise<DeliveryEnd> {
    const { message, previous } = pass;
    const at = this.deps.clock.now();
    const unrecorded: AcceptedUnrecorded[] = answered
      .filter((a) => classifyReply(a.reply) === 'delivered')
      .map((a) => ({ recipient: a.recipient, reply: a.reply, at, attempts: (previous.get(a.recipient)?.attempts ?? 0) + 1 }));
    const accepted = new Set([...[...pass.entries.values()].filter((e) => e.state === 'delivered').map((e) => e.recipient), ...unrecorded.map((a) => a.recipient)]);
    const rest = message.recipients.filter((r) => !accepted.has(r) && !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
    if (!this.deps.narrow || unrecorded.length === 0) throw error;
    this.deps.log.error('ledger write failed after the primary accepted recipients: re-enqueued for the others only, carrying the accepted ones', { route: ctx.route.name, messageId: message.messageId, accepted: accepted.size, rest: rest.length, error: (error as Error).message });
    await ctx.queue.enqueue(this.deps.narrow(qm.body, rest, unrecorded), Math.min(this.retry.settings.minBackoffSeconds, 900));
    await ctx.queue.delete(qm.handle).catch(() => undefined);
    ctx.summary.delivered += accepted.size;
    ctx.summary.reenqueued += 1;
    return { connectionFailed: false };
  }

  /** The pass is over: untried recipients recorded as deferred, then the outcomes settled (settle-delivery.ts). */
  private async settlePass(ctx: DeliveryContext, qm: QueuedMessage, pass: Pass): Promise<DeliveryEnd> {
    const { message, previous, pending, thisTurn, later, replies, entries, failure } = pass;
    // Recipients a failed session left untried are recorded as deferred too: the pass ends there, with its back-off.
    const left = new Set(later);
    const untried = thisTurn.filter((r) => !entries.has(r) && !left.has(r));
    if (untried.length > 0) {
      const recorded = await this.recorder.record(ctx.route, message, previous, { connectionFailed: failure !== undefined, replies: untried.map((recipient) => ({ recipient, reply: replies.get(recipient) ?? notStartedReply('no transaction') })) });
      for (const entry of recorded) entries.set(entry.recipient, entry);
    }
    const tried = thisTurn.filter((r) => !left.has(r));
    const combined: TransactionResult = { connectionFailed: failure !== undefined, afterData: pass.afterData, replies: tried.map((recipient) => ({ recipient, reply: replies.get(recipient)! })) };
    if (later.length > 0) {
      // One line per message and turn, not one per recipient left.
      this.deps.log.info('message continues in a later turn', { route: ctx.route.name, messageId: message.messageId, tried: tried.length, later: later.length, why: pass.cutBecause });
    }
    const inTurn = new Set(thisTurn);
    const waiting = pending.filter((r) => !inTurn.has(r)).map((recipient) => ({ recipient, attempts: previous.get(recipient)?.attempts ?? 0 }));
    return this.settlement.settle(ctx, qm, message, previous, combined, pass.head?.head, entries, pass.head?.size, { later: later.length, waiting });
  }
}

/** What one message's pass gathers over its transactions. */
interface Pass {
  message: InboundMessage;
  previous: Map<string, RecipientOutcome>;
  /** Recipients not final yet. */
  pending: string[];
  /** Those this turn tries. */
  thisTurn: string[];
  /** Batches still to send, one transaction each. */
  batches: string[][];
  /** Recipients left for a later turn, and why. */
  later: string[];
  cutBecause: string | undefined;
  replies: Map<string, SmtpReply>;
  entries: Map<string, TransactionEntry>;
  head: OpenedHead | undefined;
  /** The session failure that ended the pass's sending. */
  failure: TransactionResult | undefined;
  afterData: boolean;
  /** New sessions taken after the primary's error limit. */
  retries: number;
}
