// The ways a message leaves the queue, shared by the drain and the sweep.
// Each records the outcome before the queue entry is deleted (invariant 1).
import { createHash } from 'node:crypto';
import { buildDsn, type FailedRecipient } from './dsn.js';
import type { EngineDeps, EngineOptions } from '../drain/drain-deps.js';
import { readMessageHead } from '../message/message-head.js';
import { recordAcceptedUnrecorded } from '../drain/accepted-unrecorded.js';
import { copyOf } from '../message/message-copy.js';
import type { DeadLetterReason, InboundMessage, NoticeResult, RecipientOutcome, RecipientState, Route } from '../model.js';
import { noticeFor } from './notice-policy.js';
import { clipHeaders, sendNotice } from './notice-sender.js';
import type { MailQueue, QueuedMessage } from '../drain/ports.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { dsnStatus, formatReply } from '../policy/smtp-reply-classifier.js';
import { LEDGER_WRITE_RETRY_MS, withRetries } from '../drain/transaction-record.js';

const SQS_MAX_SEND_DELAY_SECONDS = 900;
/** A finished message whose index entry could not be marked done comes back this soon to try again. */
export const FINISH_RETRY_SECONDS = 60;
/**
 * Receives after which a queue entry is replaced by a fresh copy. The queues
 * redrive to the DLQ at maxReceiveCount 1000 (the SQS maximum), which would
 * take the message out of our hands with no dead-letter record, DSN or final
 * ledger state; a copy restarts the count well before that.
 */
export const REENQUEUE_AT_RECEIVE_COUNT = 900;
/** Dead-letter detail of virus-positive mail (drain and sweep alike). */
export const QUARANTINE_DETAIL = 'SES virus verdict FAIL: quarantined, never delivered';
/** Keeps a merged dead-letter detail well inside DynamoDB's 400 KB item limit. */
const MAX_DETAIL_CHARS = 16_384;

/** A stable id for a notification we could not parse. */
export function malformedId(body: string): string {
  return `malformed-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;
}

/** Recipients a log line names at most; a DSN for 2,000 makes one line, not a 60 KB one. */
export const LOGGED_RECIPIENTS_MAX = 20;

/** The first LOGGED_RECIPIENTS_MAX of a list, and how many more. */
export function loggedList(recipients: string[]): string[] {
  if (recipients.length <= LOGGED_RECIPIENTS_MAX) return recipients;
  return [...recipients.slice(0, LOGGED_RECIPIENTS_MAX), `(${recipients.length - LOGGED_RECIPIENTS_MAX} more)`];
}

export class MessageOutcomes {
  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
    private readonly retry: RetryPolicy,
  ) {}

  /**
   * Stores a dead letter for the whole message (raw bytes stay in S3). A
   * message can be dead-lettered twice on one route (some recipients bounce,
   * the others expire later): the store keeps one record per route, so the
   * earlier detail is carried into the new one instead of being overwritten.
   * The read of the earlier record is tried again like a ledger write; if it
   * keeps failing this throws, and the message stays for another attempt:
   * a record nobody could read is never overwritten.
   */
  async deadLetter(route: Route, qm: QueuedMessage, message: InboundMessage | undefined, reason: DeadLetterReason, detail: string): Promise<void> {
    const at = this.deps.clock.now();
    const messageId = message?.messageId ?? malformedId(qm.body);
    const earlier = await withRetries(this.options.ledgerWriteRetryMs ?? LEDGER_WRITE_RETRY_MS, () => this.deps.deadLetters.get(messageId, route.name, message ? copyOf(message) : ''));
    if (earlier && !earlier.detail.includes(detail)) detail = `${detail}; earlier ${earlier.reason}: ${earlier.detail}`.slice(0, MAX_DETAIL_CHARS);
    await this.deps.deadLetters.put({
      messageId,
      route: route.name,
      reason,
      detail,
      at,
      notification: qm.body,
      ...(message ? { objectKey: message.objectKey, copy: copyOf(message) } : {}),
    });
    this.deps.metrics.count('DeadLettered', 1, route.name);
    this.deps.log.warn('dead-lettered', { route: route.name, messageId: message?.messageId, reason, detail });
  }

  /** Writes the same final state for several recipients (with where their notice stands, for bounced and expired). */
  async recordAll(message: InboundMessage, recipients: { recipient: string; reply?: FailedRecipient['reply'] }[], state: RecipientState, previous: Map<string, RecipientOutcome>, countAttempt: boolean, notice?: RecipientOutcome['notice'], noticeResult?: NoticeResult): Promise<void> {
    const at = this.deps.clock.now();
    for (const { recipient, reply } of recipients) {
      const before = previous.get(recipient);
      await this.deps.ledger.record(message.messageId, {
        recipient,
        state,
        ...(reply ?? before?.reply ? { reply: reply ?? before?.reply } : {}),
        attempts: (before?.attempts ?? 0) + (countAttempt ? 1 : 0),
        updatedAt: at,
        ...(notice ? { notice } : {}),
        ...(noticeResult ? { noticeResult } : {}),
      });
    }
  }

  /**
   * Notices (DSN or dead letter) are sent once: the recipients are recorded
   * final with notice 'pending' first, the notice goes out, then 'done' with
   * what became of it. This writes 'done', trying twice; a 'pending' left
   * behind is harmless once the notice is out (confirmNotices reports it if
   * the message comes back).
   */
  async noticeDone(message: InboundMessage, recipients: { recipient: string; reply?: FailedRecipient['reply'] }[], state: RecipientState, previous: Map<string, RecipientOutcome>, countAttempt: boolean, result?: NoticeResult): Promise<void> {
    for (let tryNumber = 0; tryNumber < 2; tryNumber++) {
      try {
        return await this.recordAll(message, recipients, state, previous, countAttempt, 'done', result);
      } catch (error) {
        this.deps.log.warn('recording a sent notice failed', { messageId: message.messageId, try: tryNumber + 1, error: (error as Error).message });
      }
    }
  }

  /**
   * Recipients whose notice was started but never confirmed (the run ended
   * between the 'pending' write and the 'done' one): the sender may or may
   * not have been told, so no second DSN goes out; a dead-letter record keeps
   * the message and raises the alarm instead. Returns how many were found.
   */
  async confirmNotices(route: Route, qm: QueuedMessage, message: InboundMessage, previous: Map<string, RecipientOutcome>): Promise<number> {
    const unconfirmed = [...previous.values()].filter((o) => o.notice === 'pending' && (o.state === 'bounced' || o.state === 'expired'));
    if (unconfirmed.length === 0) return 0;
    const list = unconfirmed.map((o) => `<${o.recipient}> ${o.state}`).join('; ');
    const reason = unconfirmed.some((o) => o.state === 'expired') ? 'expired' : 'bounced';
    await this.deadLetter(route, qm, message, reason, `notice started but not confirmed (the sender may not have been told): ${list}`);
    for (const o of unconfirmed) await this.deps.ledger.record(message.messageId, { ...o, notice: 'done', updatedAt: this.deps.clock.now() });
    return unconfirmed.length;
  }

  /**
   * Tells the sender (a DSN through SES, or held for the operator when the
   * route's hourly budget is spent or SES sending is paused), suppresses the
   * notice (core/outcome/notice-policy.ts: the primary refused the recipient and the
   * return path did not authenticate), or dead-letters (the policy says so,
   * or the DSN could be neither sent nor held). Throws only if that fails too.
   */
  async notify(route: Route, qm: QueuedMessage, message: InboundMessage, failed: FailedRecipient[], reason: 'bounced' | 'expired', originalHeaders?: Buffer): Promise<NoticeResult> {
    const decision = noticeFor(message, route.bouncePolicy, reason);
    const recipients = failed.map((f) => f.recipient);
    if (decision.kind === 'suppressed') {
      // Recorded in the ledger (noticeDone) and counted: not a dead letter, nobody to tell.
      this.deps.metrics.count('NoticesSuppressed', 1, route.name);
      this.deps.log.info('notice suppressed', { route: route.name, messageId: message.messageId, sender: message.sender, recipients: loggedList(recipients), reason, why: decision.why });
      return { kind: 'suppressed', why: decision.why };
    }
    let why = decision.kind === 'dead-letter' ? decision.why : '';
    if (decision.kind === 'dsn') {
      try {
        const dsn = buildDsn({ hostname: this.options.hostname, message, recipients: failed, originalHeaders: clipHeaders(originalHeaders), remoteMta: route.primary.host, reason, now: this.deps.clock.now() });
        const sent = await sendNotice(this.deps, { route, messageId: message.messageId, copy: copyOf(message), kind: 'dsn', raw: dsn.raw, envelope: dsn.envelope, recipients });
        if (sent.kind === 'held') return { kind: 'held', why: sent.why === 'budget' ? 'the route\'s hourly notice budget was spent' : 'SES sending was paused' };
        this.deps.log.info('dsn sent', { route: route.name, messageId: message.messageId, to: message.sender, recipients: loggedList(recipients), reason });
        return { kind: 'dsn' };
      } catch (error) {
        why = `DSN could not be sent (${(error as Error).message})`;
      }
    }
    const list = failed.map((f) => `<${f.recipient}> ${f.status}${f.reply ? ` ${formatReply(f.reply)}` : ''}`).join('; ');
    await this.deadLetter(route, qm, message, reason, `${why}: ${list}`);
    return { kind: 'dead-letter', why };
  }

  /** Reports the pending recipients of an expired message and records them expired. */
  async expire(route: Route, qm: QueuedMessage, message: InboundMessage, pending: string[], previous: Map<string, RecipientOutcome>): Promise<void> {
    const headers = await this.readHeadQuietly(message.objectKey);
    const failed: FailedRecipient[] = pending.map((recipient) => {
      const last = previous.get(recipient)?.reply;
      const status = last ? dsnStatus(last) : undefined;
      return { recipient, status: status && status.startsWith('4.') && status !== '4.0.0' ? status : '4.4.7', ...(last ? { reply: last } : {}) };
    });
    // Recipients refused earlier in a pass that never ended (notice 'due', settle-delivery.ts)
    // are reported in the same notice: one DSN for the message.
    const due: FailedRecipient[] = [...previous.values()]
      .filter((o) => o.notice === 'due')
      .map((o) => ({ recipient: o.recipient, status: o.reply ? dsnStatus(o.reply) : '5.0.0', ...(o.reply ? { reply: o.reply } : {}) }));
    // Final before the notice, so a failed write after it cannot send a second one.
    await this.recordAll(message, failed, 'expired', previous, false, 'pending');
    await this.recordAll(message, due, 'bounced', previous, false, 'pending');
    const result = await this.notify(route, qm, message, [...due, ...failed], 'expired', headers);
    await this.noticeDone(message, failed, 'expired', previous, false, result);
    await this.noticeDone(message, due, 'bounced', previous, false, result);
    this.deps.metrics.count('Expired', pending.length, route.name);
  }

  /**
   * Every recipient is final: mark the index done, then delete the queue
   * entry. When the index cannot be marked (tried twice), the entry stays and
   * comes back in FINISH_RETRY_SECONDS to try again (its recipients are final,
   * so nothing is sent): deleting it would leave `mailq` listing a finished
   * message as queued for good. A re-enqueued entry first writes the rows of
   * the accepted recipients it carries, and finishes its whole copy.
   */
  async finish(route: Route, queue: MailQueue, qm: QueuedMessage, message: InboundMessage | undefined, size?: number): Promise<void> {
    if (message) {
      for (let tryNumber = 1; ; tryNumber++) {
        try {
          if (message.acceptedUnrecorded) await recordAcceptedUnrecorded(this.deps, route, message);
          const recipients = message.copyRecipients ?? message.recipients;
          const facts = { sender: message.sender, recipients, receivedAt: message.receivedAt, ...(message.subject !== undefined ? { subject: message.subject } : {}), ...(size !== undefined ? { size } : {}) };
          await this.deps.index.markDone(message.messageId, route.name, this.deps.clock.now(), copyOf(message), facts);
          break;
        } catch (error) {
          this.deps.log.warn('index markDone failed', { messageId: message.messageId, try: tryNumber, error: (error as Error).message });
          if (tryNumber >= 2) {
            await this.postpone(queue, qm, FINISH_RETRY_SECONDS, { route: route.name, messageId: message.messageId });
            return;
          }
        }
      }
    }
    await queue.delete(qm.handle);
  }

  /**
   * Try again after `delaySeconds`: hide this entry, or replace it by a fresh
   * copy when SQS retention or the DLQ redrive count is near.
   */
  async postpone(queue: MailQueue, qm: QueuedMessage, delaySeconds: number, logFields: Record<string, unknown> = {}): Promise<'deferred' | 'reenqueued'> {
    if (this.mustReenqueue(qm)) {
      await this.reenqueue(queue, qm, delaySeconds, logFields);
      return 'reenqueued';
    }
    await queue.defer(qm.handle, delaySeconds);
    return 'deferred';
  }

  /** True when this entry must be replaced by a fresh copy: old (SQS retention) or received often (DLQ redrive). */
  mustReenqueue(qm: QueuedMessage): boolean {
    return qm.receiveCount >= REENQUEUE_AT_RECEIVE_COUNT || this.retry.needsReenqueue(qm.enqueuedAt, this.deps.clock.now());
  }

  /** A fresh copy first, then the old entry goes (a failed delete leaves two copies, never none). */
  async reenqueue(queue: MailQueue, qm: QueuedMessage, delaySeconds: number, logFields: Record<string, unknown> = {}): Promise<void> {
    if (qm.receiveCount >= REENQUEUE_AT_RECEIVE_COUNT) {
      // Worth a look: something keeps failing this message without a verdict.
      this.deps.log.warn('queue entry received too often: replaced by a fresh copy before SQS redrives it to the DLQ', { ...logFields, receiveCount: qm.receiveCount });
    }
    await queue.enqueue(qm.body, Math.min(Math.max(0, delaySeconds), SQS_MAX_SEND_DELAY_SECONDS));
    await queue.delete(qm.handle);
  }

  /** The stored header block, or undefined when the object cannot be read. */
  async readHeadQuietly(objectKey: string): Promise<Buffer | undefined> {
    try {
      const { body } = await this.deps.store.open(objectKey);
      const head = await readMessageHead(body, this.options.maxHeadBytes);
      head.body.destroy();
      return head.head;
    } catch {
      return undefined;
    }
  }
}
