// Sends one notice the policy allows (a DSN or a delay warning, core/
// notice-policy.ts) within its route's hourly budget. Past the budget, or
// while SES sending is paused, the notice is held for the operator
// (`backup-mx notices`), never dropped: a flood of notices, even to senders
// who authenticated (an attacker's own domain, a replayed DKIM signature),
// then costs at most the budget's bounces an hour before a person decides.
import type { EngineDeps } from '../drain/drain-deps.js';
import type { Route } from '../model.js';
import type { HeldNoticeKind, HoldReason } from './notice-ports.js';
import { NoticeSendingPausedError } from './ports.js';
import { type Envelope } from '../drain/ports.js';

/** Notices a route may send in one UTC hour unless its configuration says otherwise (backupMx.dsnPerHour). */
export const DEFAULT_NOTICES_PER_HOUR = 100;

/**
 * A notice keeps at most this much of the original header block: the held
 * copy must fit a DynamoDB item (400 KB), and a DSN needs the headers only to
 * let the sender recognise the message.
 */
export const NOTICE_HEADERS_MAX_BYTES = 64 * 1024;

export interface OutgoingNotice {
  route: Route;
  messageId: string;
  copy: string;
  kind: HeldNoticeKind;
  raw: string;
  envelope: Envelope;
  recipients: string[];
}

export type NoticeSendResult = { kind: 'sent' } | { kind: 'held'; why: HoldReason };

export type NoticeSenderDeps = Pick<EngineDeps, 'bounces' | 'noticeBudget' | 'heldNotices' | 'metrics' | 'log' | 'clock'>;

/** The route's budget: its own, else the default. */
export function noticesPerHour(route: Route): number {
  return route.dsnPerHour ?? DEFAULT_NOTICES_PER_HOUR;
}

/**
 * Sends the notice, or holds it (budget spent, sending paused). Rejects when
 * it was neither sent nor held: the caller then dead-letters (a DSN) or gives
 * up quietly (a delay warning).
 */
export async function sendNotice(deps: NoticeSenderDeps, notice: OutgoingNotice): Promise<NoticeSendResult> {
  const { route } = notice;
  const now = deps.clock.now();
  if (deps.noticeBudget && !(await deps.noticeBudget.take(route.name, now, noticesPerHour(route)))) {
    return hold(deps, notice, 'budget');
  }
  try {
    await deps.bounces.send(notice.raw, notice.envelope);
  } catch (error) {
    if (error instanceof NoticeSendingPausedError) return hold(deps, notice, 'paused');
    throw error;
  }
  deps.metrics.count('NoticesSent', 1, route.name);
  return { kind: 'sent' };
}

async function hold(deps: NoticeSenderDeps, notice: OutgoingNotice, why: HoldReason): Promise<NoticeSendResult> {
  const { route } = notice;
  const what = why === 'budget' ? `the route's ${noticesPerHour(route)} notices of this hour are spent` : 'SES sending is paused';
  if (!deps.heldNotices) throw new Error(`${what}, and there is no store to hold the notice in`);
  await deps.heldNotices.hold({
    route: route.name,
    messageId: notice.messageId,
    copy: notice.copy,
    kind: notice.kind,
    at: deps.clock.now(),
    why,
    to: notice.envelope.to[0] ?? '',
    recipients: notice.recipients,
    raw: notice.raw,
  });
  deps.metrics.count('NoticesHeld', 1, route.name);
  deps.log.warn(`notice held for the operator: ${what} (backup-mx notices)`, { route: route.name, messageId: notice.messageId, kind: notice.kind, to: notice.envelope.to[0], why });
  return { kind: 'held', why };
}

/** The header block cut at a line end to at most `maxBytes` (the notice says it was cut). */
export function clipHeaders(headers: Buffer | undefined, maxBytes = NOTICE_HEADERS_MAX_BYTES): Buffer | undefined {
  if (!headers || headers.length <= maxBytes) return headers;
  const end = headers.lastIndexOf(0x0a, maxBytes - 1);
  const kept = headers.subarray(0, end > 0 ? end + 1 : maxBytes);
  return Buffer.concat([kept, Buffer.from(`X-Backup-MX-Note: headers cut at ${maxBytes} bytes\r\n`)]);
}
