// The sweep's reconcile: finds a route's index entries whose every recipient
// is final in the ledger and marks them done. Such an entry is left by a
// finish that never ran (an older version's re-enqueue under another copy
// key, a run that ended between the last ledger write and the index): it
// would list the message in `mailq` for good and keep the age and backlog
// alarms in ALARM, so the next real problem sends no mail. Bounded: the
// route's RECONCILE_PER_RUN oldest entries a run (one index Query and their
// ledger rows), which is where such entries end up once the mail around them
// is delivered.
import type { EngineDeps } from '../drain/drain-deps.js';
import { FINAL_STATES, type Route } from '../model.js';
import type { MessageSummary } from '../accept/ports.js';

/** Index entries looked at per sweep run. */
export const RECONCILE_PER_RUN = 50;

/** Marks done the entries among the route's oldest whose recipients are all final; returns how many. Throws when the index cannot be listed. */
export async function reconcileIndex(deps: Pick<EngineDeps, 'index' | 'ledger' | 'clock' | 'log'>, route: Route, limit = RECONCILE_PER_RUN): Promise<number> {
  const { index, log } = deps;
  const oldest = index.oldestQueued ? await index.oldestQueued(route.name, limit) : (await index.listQueued(route.name)).slice(0, limit);
  const finished = await Promise.all(oldest.map((entry) => allFinal(deps, entry).catch(() => false)));
  let reconciled = 0;
  for (const [i, entry] of oldest.entries()) {
    if (!finished[i]) continue;
    const { messageId, sender, recipients, receivedAt, subject, size, copy } = entry;
    await index.markDone(messageId, route.name, deps.clock.now(), copy, { sender, recipients, receivedAt, ...(subject !== undefined ? { subject } : {}), ...(size !== undefined ? { size } : {}) });
    reconciled += 1;
    log.info('index entry finished by the sweep: every recipient was final in the ledger', { route: route.name, messageId, copy, recipients: recipients.length });
  }
  return reconciled;
}

/** True when the entry lists recipients and each has a final ledger row. */
async function allFinal(deps: Pick<EngineDeps, 'ledger'>, entry: MessageSummary): Promise<boolean> {
  if (entry.recipients.length === 0) return false;
  const { ledger } = deps;
  const rows = ledger.outcomesFor ? await ledger.outcomesFor(entry.messageId, entry.recipients) : await ledger.outcomes(entry.messageId);
  return entry.recipients.every((r) => FINAL_STATES.includes(rows.get(r)?.state ?? 'queued'));
}
