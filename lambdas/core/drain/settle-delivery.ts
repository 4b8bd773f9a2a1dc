// The end of one message's turn, once every transaction's replies are
// recorded: one notice (DSN, dead letter, suppressed or held) for all the
// recipients bounced in the pass, then the message finished, back in the queue
// for the rest of its pass, or hidden until its next pass (with a delay
// warning when it has waited long), and what the turn means for the route.
//
// One DSN per pass, as Postfix's bounce service sends one per queue run of a
// message: recipients refused in a turn that did not end the pass (its share
// of transactions used, the drain's time spent, a stop) are recorded bounced
// with notice 'due' and reported with the pass's last turn. Waiting for the
// recipients that are deferred for days instead (one DSN per message, ever)
// would tell the sender of a refused address days late, or only at expiry;
// the pass bounds that wait to the time the drain needs for the list, and a
// message whose pass never ends (primary down mid-pass) reports its due
// recipients in its expiry DSN (message-outcomes.ts expire).
import { warnIfDelayed } from '../outcome/delay-warning.js';
import { finishDelivered, type DeliveryContext, type DeliveryEnd } from './delivery-context.js';
import type { EngineDeps, EngineOptions } from './drain-deps.js';
import type { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { InboundMessage, NoticeResult, RecipientOutcome, SmtpReply } from '../model.js';
import type { QueuedMessage, TransactionResult } from './ports.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { AUTH_WITHHELD, dsnStatus, formatReply, isClientMisconfiguration } from '../policy/smtp-reply-classifier.js';
import type { TransactionEntry } from './transaction-record.js';

export class DeliverySettlement {
  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
    private readonly retry: RetryPolicy,
    private readonly outcomes: MessageOutcomes,
  ) {}

  /** With every transaction's replies recorded: one notice for all bounces, then delete or defer. */
  async settle(
    ctx: DeliveryContext,
    qm: QueuedMessage,
    message: InboundMessage,
    previous: Map<string, RecipientOutcome>,
    result: TransactionResult,
    originalHeaders: Buffer | undefined,
    entries: Map<string, TransactionEntry>,
    /** The stored object's size, when it was opened: kept in the done summary. */
    objectSize?: number,
    /**
     * `later`: recipients left for a later turn of this pass (its share used, the time budget spent, a stop).
     * `waiting`: recipients deferred in an earlier turn of this pass, not tried in this one.
     */
    turn: { later: number; waiting: { recipient: string; attempts: number }[] } = { later: 0, waiting: [] },
  ): Promise<DeliveryEnd> {
    const { later } = turn;
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
    if (misconfigured?.reply.errorCode === AUTH_WITHHELD) {
      // We did not log in: the primary's certificate was neither verified nor pinned
      // (a route set up for that, or someone in the middle). Same handling: defer, stop the route.
      log.error("AUTH WITHHELD: the session to the primary is not TLS-verified, so the password was not sent; set the route's primary.tls to \"verify\" or \"fingerprint\". Mail is deferred, not bounced.", {
        route: route.name, relay, messageId: message.messageId, reply: formatReply(misconfigured.reply), tls: route.primary.tls,
      });
    } else if (misconfigured) {
      // The primary wants STARTTLS or AUTH the route does not give: every message
      // would get the same answer, so defer this one and stop the route until an operator fixes it.
      log.error("PRIMARY REFUSES US: it requires TLS or AUTH that this route is not configured for; check the route's primary.tls and authSecretName. Mail is deferred, not bounced.", {
        route: route.name, relay, messageId: message.messageId, reply: formatReply(misconfigured.reply), tls: route.primary.tls, auth: route.primary.authSecretName !== undefined,
      });
    }
    if (result.connectionFailed && result.afterData) {
      log.warn('connection lost after the final dot: the primary may have kept the message (possible duplicate)', { messageId: message.messageId, route: route.name });
    }

    if (bounced.length > 0) summary.refused = (summary.refused ?? 0) + bounced.length;
    if (later > 0) {
      // The pass goes on in a later turn: these wait for its one DSN.
      if (bounced.length > 0) await this.outcomes.recordAll(message, bounced, 'bounced', previous, true, 'due');
    } else {
      const { unsent } = await this.report(ctx, qm, message, previous, bounced, originalHeaders);
      deferred.push(...unsent);
    }

    // Deferred in an earlier turn of the pass: the message waits for them too (not counted again in the summary).
    deferred.push(...turn.waiting);
    if (later > 0) {
      // Visible again at once, behind what is already waiting: no back-off, no attempt counted for those left.
      if ((await this.outcomes.postpone(queue, qm, 0, { route: route.name, messageId: message.messageId })) === 'reenqueued') summary.reenqueued += 1;
    } else if (deferred.length === 0) {
      await finishDelivered(this.outcomes, ctx, qm, message, objectSize);
    } else {
      const delay = this.retryDelay(result, Math.max(...deferred.map((d) => d.attempts)), message.receivedAt, at);
      const replies = new Map([...previous.values()].filter((o) => o.reply).map((o) => [o.recipient, o.reply!]));
      for (const r of result.replies) replies.set(r.recipient, r.reply);
      await warnIfDelayed(this.deps, this.options, route, message, deferred.map((d) => ({ recipient: d.recipient, ...(replies.has(d.recipient) ? { reply: replies.get(d.recipient)! } : {}) })), originalHeaders);
      if ((await this.outcomes.postpone(queue, qm, delay, { route: route.name, messageId: message.messageId })) === 'reenqueued') summary.reenqueued += 1;
    }
    // EAUTH: we logged in and the primary refused (nodemailer's code for a 5xx to AUTH; a 4xx keeps its code).
    if (misconfigured?.reply.errorCode === 'EAUTH' && route.primary.authSecretName) return { connectionFailed: true, error: formatReply(misconfigured.reply), authRefused: true };
    if (misconfigured?.reply.errorCode === AUTH_WITHHELD) return { connectionFailed: true, error: formatReply(misconfigured.reply) };
    if (misconfigured) return { connectionFailed: true, error: `primary requires TLS/AUTH: ${formatReply(misconfigured.reply)}` };
    if (!result.connectionFailed) return { connectionFailed: false };
    return { connectionFailed: true, error: formatReply(result.replies[0]?.reply ?? { text: 'session failed' }) };
  }

  /**
   * The pass is over: one notice for the recipients bounced in this turn and
   * those of earlier turns of the pass ('due'). Returns the recipients of this
   * turn that stay deferred because the notice could be neither sent nor held
   * (`failed`: the notice failed; the earlier ones are due again).
   */
  private async report(
    ctx: DeliveryContext,
    qm: QueuedMessage,
    message: InboundMessage,
    previous: Map<string, RecipientOutcome>,
    bounced: { recipient: string; reply: SmtpReply }[],
    originalHeaders: Buffer | undefined,
  ): Promise<{ unsent: { recipient: string; attempts: number }[]; failed: boolean }> {
    const { route, summary } = ctx;
    const { clock, ledger, log } = this.deps;
    const due = dueRecipients(previous);
    if (bounced.length === 0 && due.length === 0) return { unsent: [], failed: false };
    const failed = [...due, ...bounced].map((b) => ({ ...b, status: dsnStatus(b.reply ?? { text: '' }) }));
    // Final before the notice, so a failed write after it cannot send a second one.
    await this.outcomes.recordAll(message, bounced, 'bounced', previous, true, 'pending');
    await this.outcomes.recordAll(message, due, 'bounced', previous, false, 'pending');
    let notice: NoticeResult | undefined;
    const unsent: { recipient: string; attempts: number }[] = [];
    try {
      notice = await this.outcomes.notify(route, qm, message, failed, 'bounced', originalHeaders);
      if (notice.kind === 'dead-letter') {
        // Kept as a dead letter, not bounced to the sender: count them where they went.
        summary.bounced -= bounced.length;
        summary.deadLettered += bounced.length;
      }
    } catch (error) {
      // Neither DSN nor dead letter: this turn's bounces stay deferred (tried again), earlier ones due again.
      log.error('bounce notice failed; recipients stay deferred', { messageId: message.messageId, error: (error as Error).message });
      const at = clock.now();
      for (const b of bounced) {
        const attempts = (previous.get(b.recipient)?.attempts ?? 0) + 1;
        await ledger.record(message.messageId, { recipient: b.recipient, state: 'deferred', reply: b.reply, attempts, updatedAt: at });
        unsent.push({ recipient: b.recipient, attempts });
      }
      await this.outcomes.recordAll(message, due, 'bounced', previous, false, 'due');
    }
    if (notice) {
      await this.outcomes.noticeDone(message, bounced, 'bounced', previous, true, notice);
      await this.outcomes.noticeDone(message, due, 'bounced', previous, false, notice);
    }
    return { unsent, failed: notice === undefined };
  }

  /** Every recipient is final: a DSN still due for bounces of the message's last pass goes out now. */
  async reportDue(ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, previous: Map<string, RecipientOutcome>): Promise<void> {
    if (dueRecipients(previous).length === 0) return;
    const headers = await this.outcomes.readHeadQuietly(message.objectKey);
    const { failed } = await this.report(ctx, qm, message, previous, [], headers);
    if (failed) throw new Error('bounce notice failed; the message stays for another try');
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

/** Bounced recipients whose notice waits for the end of their pass. */
export function dueRecipients(previous: Map<string, RecipientOutcome>): { recipient: string; reply?: SmtpReply }[] {
  return [...previous.values()].filter((o) => o.notice === 'due').map((o) => ({ recipient: o.recipient, ...(o.reply ? { reply: o.reply } : {}) }));
}
