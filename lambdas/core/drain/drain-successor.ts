// A drain that ran out of time with mail still queued starts the next one
// itself, instead of leaving the backlog idle until the probe's next minute.
// The lease is released before the successor is started (DrainRoute gives it
// back when its run ends), so the two never overlap; should the successor
// still find the lease held (a release that failed), it stops at once and the
// probe starts a drain after the lease expires, as before.
import type { DrainSummary } from './drain-summary.js';
import type { DeliveryLog } from '../runtime/ports.js';
import type { DrainStarter } from './ports.js';

/** Only a delivering drain stopped by its budget leaves work it could not reach; any other stop has its own restart. */
export function needsSuccessor(summary: DrainSummary): boolean {
  return summary.mode === 'deliver' && summary.stoppedBecause === 'time-budget';
}

/**
 * Starts the successor when `summary` asks for one; returns whether it did. A
 * failed start is logged, not thrown: the probe starts a drain within a minute.
 */
export async function startSuccessor(summary: DrainSummary, drains: DrainStarter | undefined, log: DeliveryLog): Promise<boolean> {
  if (!drains || !needsSuccessor(summary)) return false;
  try {
    await drains.start(summary.route, 'deliver');
    log.info('time budget spent with mail left: successor drain started', { route: summary.route, messages: summary.messages });
    return true;
  } catch (error) {
    log.error('could not start the successor drain; the probe will start one', { route: summary.route, error: (error as Error).message });
    return false;
  }
}
