// The drain's side of two route conditions: after each run that did
// something, the route's delivery record moves on (delivery-record.ts) and is
// saved for the probe to read. A record that cannot be read or saved is an
// error line, never a failed run: the mail's own outcomes are already recorded.
import type { DrainSummary } from '../drain/drain-summary.js';
import type { DeliveryLog } from '../runtime/ports.js';
import { nextDeliveryRecord, type DrainRunCounts } from './delivery-record.js';
import type { DeliveryRecords } from './problem-ports.js';

/** What a run tells the record: recipients delivered, deferred and refused, and whether a session failure stopped it. */
export function drainRunCounts(summary: DrainSummary): DrainRunCounts {
  return { delivered: summary.delivered, deferred: summary.deferred, refused: summary.refused ?? 0, connectionFailed: summary.stoppedBecause === 'connection-failed' };
}

export async function recordDrainRun(deps: { deliveryRecords?: DeliveryRecords; log: DeliveryLog }, summary: DrainSummary, now: Date): Promise<void> {
  const records = deps.deliveryRecords;
  if (!records) return;
  const run = drainRunCounts(summary);
  // A run that changes nothing costs no read.
  if (nextDeliveryRecord(undefined, run, now) === undefined) return;
  try {
    const next = nextDeliveryRecord(await records.get(summary.route), run, now);
    if (next) await records.save(summary.route, next);
  } catch (error) {
    deps.log.error('could not update the route\'s delivery record (the probe\'s deliveries-failing and primary-refuses-all read it)', { route: summary.route, error: (error as Error).message });
  }
}
