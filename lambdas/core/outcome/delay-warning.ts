// Whether a deferred message gets its delay warning now, and sending it. Like
// Postfix's delay_warning_time: off by default (0), at most one per message
// copy and route (a route split over several receipt rules has one copy per
// rule, each warned for its own recipients), only where a DSN would go (an
// authenticated return path on a route that sends DSNs: notice-policy.ts),
// within the route's hourly notice budget or else held for the operator
// (notice-sender.ts), and never allowed to disturb delivery: any failure here
// is logged and the message goes on as it would have.
import { buildDelayNotice, type DelayedRecipient } from './delay-dsn.js';
import type { EngineDeps, EngineOptions } from '../drain/drain-deps.js';
import { copyOf } from '../message/message-copy.js';
import { readMessageHead } from '../message/message-head.js';
import { FINAL_STATES, type InboundMessage, type Route, type SmtpReply } from '../model.js';
import { delayWarningAllowed } from './notice-policy.js';
import { clipHeaders, sendNotice } from './notice-sender.js';
import { dsnStatus } from '../policy/smtp-reply-classifier.js';

/** Seconds after arrival when the route's warning is due; 0 = never. The engine-wide override wins (tests). */
export function delayWarningAfterSeconds(route: Route, options: Pick<EngineOptions, 'delayWarningSeconds'>): number {
  return options.delayWarningSeconds ?? route.delayWarningSeconds ?? 0;
}

export type DelayWarningDecision = { warn: true } | { warn: false; why: string };

/** The pure part: is a warning due for this message now? */
export function delayWarningDue(route: Route, message: InboundMessage, now: Date, options: Pick<EngineOptions, 'delayWarningSeconds' | 'queueLifetimeSeconds'>): DelayWarningDecision {
  const after = delayWarningAfterSeconds(route, options);
  if (after <= 0) return { warn: false, why: 'delay warnings are off' };
  if (now.getTime() - message.receivedAt.getTime() < after * 1000) return { warn: false, why: 'not delayed long enough' };
  const allowed = delayWarningAllowed(message, route.bouncePolicy);
  if (!allowed.allowed) return { warn: false, why: allowed.why };
  return { warn: true };
}

/** A 4.x.x status for the notice: the reply's own, else "no answer from host". */
function delayedStatus(reply: SmtpReply | undefined): string {
  const status = reply ? dsnStatus(reply) : '4.4.1';
  return status.startsWith('4.') && status !== '4.0.0' ? status : '4.4.1';
}

/**
 * Called on a deferral (drain) or when a waiting message is looked at (sweep).
 * `waiting` are the recipients still pending with their last reply; omitted,
 * they are read from the ledger. Never throws.
 */
export async function warnIfDelayed(
  deps: EngineDeps,
  options: EngineOptions,
  route: Route,
  message: InboundMessage,
  waiting?: { recipient: string; reply?: SmtpReply }[],
  originalHeaders?: Buffer,
): Promise<boolean> {
  const notices = deps.delayNotices;
  if (!notices) return false;
  const now = deps.clock.now();
  if (!delayWarningDue(route, message, now, options).warn) return false;
  try {
    let pending = waiting;
    if (!pending) {
      const outcomes = await deps.ledger.outcomes(message.messageId);
      pending = message.recipients
        .filter((r) => !FINAL_STATES.includes(outcomes.get(r)?.state ?? 'queued'))
        .map((recipient) => ({ recipient, ...(outcomes.get(recipient)?.reply ? { reply: outcomes.get(recipient)!.reply! } : {}) }));
    }
    if (pending.length === 0) return false;
    const copy = copyOf(message);
    // A warning sent before copies were kept (no copy in its key) covers the whole message: no second one.
    if ((await notices.find(message.messageId, route.name)).some((r) => r.copy === undefined || r.copy === copy)) return false;
    if (!(await notices.claim({ messageId: message.messageId, route: route.name, copy, at: now, recipients: pending.map((p) => p.recipient) }))) return false;
    let held = false;
    try {
      const headers = originalHeaders ?? (await readHeadQuietly(deps, options, message.objectKey));
      const recipients: DelayedRecipient[] = pending.map((p) => ({ recipient: p.recipient, status: delayedStatus(p.reply), ...(p.reply ? { reply: p.reply } : {}) }));
      const lifetime = (options.queueLifetimeSeconds ?? 5 * 86_400) * 1000;
      const notice = buildDelayNotice({
        hostname: options.hostname,
        message,
        recipients,
        ...(headers ? { originalHeaders: clipHeaders(headers) } : {}),
        remoteMta: route.primary.host,
        retryUntil: new Date(message.receivedAt.getTime() + lifetime),
        now,
      });
      const sent = await sendNotice(deps, { route, messageId: message.messageId, copy, kind: 'delay', raw: notice.raw, envelope: notice.envelope, recipients: pending.map((p) => p.recipient) });
      held = sent.kind === 'held';
    } catch (error) {
      await notices.release(message.messageId, route.name, copy).catch(() => undefined);
      throw error;
    }
    // A held warning keeps its claim: the operator sends or discards it, no second one is built.
    if (!held) deps.log.info('delay warning sent', { route: route.name, messageId: message.messageId, to: message.sender, recipients: pending.map((p) => p.recipient) });
    return true;
  } catch (error) {
    deps.log.warn('delay warning not sent; delivery goes on', { route: route.name, messageId: message.messageId, error: (error as Error).message });
    return false;
  }
}

async function readHeadQuietly(deps: EngineDeps, options: EngineOptions, objectKey: string): Promise<Buffer | undefined> {
  try {
    const { body } = await deps.store.open(objectKey);
    const head = await readMessageHead(body, options.maxHeadBytes);
    head.body.destroy();
    return head.head;
  } catch {
    return undefined;
  }
}
