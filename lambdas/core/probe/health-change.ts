// When the probe writes a route's health item. Writing every round (every few
// seconds with a short probe interval) costs a write unit per round and route
// for nothing new; the item is rewritten when its meaning changes (up ↔ down,
// a different error, the AUTH backoff), and otherwise once its stored check is
// HEALTH_REFRESH_SECONDS old: about one write per route a minute, the
// scheduler's period, so `status` shows the last probe to within a minute and
// can tell a probe that stopped. The PrimaryUp metric is published every round.
import type { PrimaryHealth } from '../model.js';

/** The stored check is refreshed at least this often while nothing changes (one write a minute per route). */
export const HEALTH_REFRESH_SECONDS = 60;
/** Scheduled runs drift by a second or two: a round this close to the refresh already writes (else it slips a whole minute). */
const REFRESH_SLACK_SECONDS = 5;

export function healthWorthWriting(previous: PrimaryHealth | undefined, next: PrimaryHealth, refreshSeconds = HEALTH_REFRESH_SECONDS): boolean {
  if (!previous) return true;
  if (previous.status !== next.status) return true;
  if ((previous.lastError ?? '') !== (next.lastError ?? '')) return true;
  if (previous.authRefusals !== next.authRefusals || previous.refusedCredentials !== next.refusedCredentials) return true;
  if (previous.authRetryAt?.getTime() !== next.authRetryAt?.getTime()) return true;
  return next.lastCheckAt.getTime() - previous.lastCheckAt.getTime() >= (refreshSeconds - REFRESH_SLACK_SECONDS) * 1000;
}

/**
 * Age past which a stored check means the probe stopped: the refresh plus
 * three missed rounds. A running probe keeps its routes' checks younger than
 * the refresh plus one interval.
 */
export function probeStaleAfterSeconds(probeIntervalSeconds: number): number {
  return HEALTH_REFRESH_SECONDS + 3 * probeIntervalSeconds;
}
