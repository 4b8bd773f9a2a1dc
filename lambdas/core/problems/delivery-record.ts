// How a drain run changes the route's delivery record, which the probe reads
// for two conditions that need the drain's view (they were alarms over the
// drain's per-run counts):
//   deliveries-failing: runs keep failing (a session failure: AUTH refused,
//     TLS, 421 every session; or messages deferred and none delivered), each
//     at most FAILING_GAP_SECONDS after the one before, for
//     DELIVERIES_FAILING_MINUTES, while the probe finds the primary up;
//   primary-refuses-all: REFUSED_WITHOUT_DELIVERY recipients or more refused
//     with a 5xx since the primary last accepted one, the latest within
//     REFUSALS_RECENT_SECONDS (a primary back misconfigured; the refusals of
//     senders who did not authenticate get no DSN, so nobody else is told).
// A delivery ends both. A run that did nothing changes nothing.
import type { DeliveryRecord } from './problem-ports.js';

/** Failing runs further apart than this start a new streak (a run every minute while mail waits). */
export const FAILING_GAP_SECONDS = 300;
/** A streak of failing runs this long, with the primary up, is the condition. */
export const DELIVERIES_FAILING_MINUTES = 15;
/**
 * Recipients refused with none delivered at which primary-refuses-all is on.
 * A healthy primary refuses spam to unknown users every day but accepts other
 * mail in between; twenty refusals and not one acceptance is a primary
 * refusing everything (or a dictionary attack on a route without a recipient
 * list, which a recipient list stops too).
 */
export const REFUSED_WITHOUT_DELIVERY = 20;
/** The refusals must be this recent: an hour without one ends the condition. */
export const REFUSALS_RECENT_SECONDS = 3_600;

export interface DrainRunCounts {
  /** Recipients the primary accepted, deferred (4xx, or the session failed) and refused (5xx). */
  delivered: number;
  deferred: number;
  refused: number;
  /** The run stopped on a session failure. */
  connectionFailed: boolean;
}

/** The record after a run; undefined when the run changes nothing (nothing to write). */
export function nextDeliveryRecord(previous: DeliveryRecord | undefined, run: DrainRunCounts, now: Date): DeliveryRecord | undefined {
  const failing = run.connectionFailed || (run.deferred > 0 && run.delivered === 0);
  if (run.delivered === 0 && run.refused === 0 && !failing) return undefined;
  if (run.delivered > 0) return { lastDeliveredAt: now, refusedSinceDelivery: 0 };
  const next: DeliveryRecord = { ...(previous ?? { refusedSinceDelivery: 0 }) };
  if (failing) {
    const streakGoesOn = previous?.lastFailingAt !== undefined && previous.failingSince !== undefined && now.getTime() - previous.lastFailingAt.getTime() <= FAILING_GAP_SECONDS * 1000;
    next.failingSince = streakGoesOn ? previous!.failingSince! : now;
    next.lastFailingAt = now;
    next.lastFailure = run.connectionFailed ? 'connection-failed' : 'all-deferred';
  }
  if (run.refused > 0) {
    next.refusedSinceDelivery += run.refused;
    next.lastRefusedAt = now;
  }
  return next;
}

/** deliveries-failing, as the probe reads the record: the streak is long and still going. */
export function deliveriesFailing(record: DeliveryRecord | undefined, now: Date): boolean {
  if (!record?.failingSince || !record.lastFailingAt) return false;
  const recent = now.getTime() - record.lastFailingAt.getTime() <= FAILING_GAP_SECONDS * 1000;
  return recent && now.getTime() - record.failingSince.getTime() >= DELIVERIES_FAILING_MINUTES * 60_000;
}

/** primary-refuses-all, as the probe reads the record. */
export function refusesAll(record: DeliveryRecord | undefined, now: Date): boolean {
  if (!record?.lastRefusedAt || record.refusedSinceDelivery < REFUSED_WITHOUT_DELIVERY) return false;
  return now.getTime() - record.lastRefusedAt.getTime() <= REFUSALS_RECENT_SECONDS * 1000;
}
