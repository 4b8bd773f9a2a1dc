// The recipients the primary accepted while the ledger refused the write ride
// along in the entry re-enqueued for the others (deliver-message.ts,
// InboundMessage.acceptedUnrecorded). Their rows are written from it once the
// ledger takes writes again: when the entry is next delivered, and at the
// latest before it is finished, so the done summary, `show` and `replay` know
// them. A recipient that already has a final row keeps it.
import type { EngineDeps } from './drain-deps.js';
import { FINAL_STATES, type InboundMessage, type Route } from '../model.js';
import { dsnStatus, formatReply } from '../policy/smtp-reply-classifier.js';

/** Writes the carried rows still missing (one grouped write), then logs and counts each as delivered. Throws when the ledger does. */
export async function recordAcceptedUnrecorded(deps: Pick<EngineDeps, 'ledger' | 'log' | 'metrics'>, route: Route, message: InboundMessage): Promise<void> {
  const carried = message.acceptedUnrecorded ?? [];
  if (carried.length === 0) return;
  const { ledger, log, metrics } = deps;
  const recipients = carried.map((a) => a.recipient);
  const rows = ledger.outcomesFor ? await ledger.outcomesFor(message.messageId, recipients) : await ledger.outcomes(message.messageId);
  const missing = carried.filter((a) => !FINAL_STATES.includes(rows.get(a.recipient)?.state ?? 'queued'));
  if (missing.length === 0) return;
  const relay = `${route.primary.host}:${route.primary.port}`;
  const entries = missing.map(({ recipient, reply, at, attempts }) => ({
    outcome: { recipient, state: 'delivered' as const, reply, attempts, updatedAt: at },
    attempt: { messageId: message.messageId, recipient, at, relay, state: 'delivered' as const, reply, delaySeconds: Math.max(0, Math.round((at.getTime() - message.receivedAt.getTime()) / 1000)) },
  }));
  if (ledger.recordAttempts) await ledger.recordAttempts(message.messageId, entries);
  else {
    for (const { outcome, attempt } of entries) {
      await ledger.record(message.messageId, outcome);
      await ledger.addAttempt(attempt);
    }
  }
  // The attempt lines and counts the failed write left out.
  for (const { attempt } of entries) {
    log.attempt({ messageId: message.messageId, recipient: attempt.recipient, relay, delaySeconds: attempt.delaySeconds, dsn: dsnStatus(attempt.reply), status: 'delivered', reply: formatReply(attempt.reply), route: route.name });
    metrics.count('Delivered', 1, route.name);
    metrics.delay(attempt.delaySeconds, route.name);
  }
}
