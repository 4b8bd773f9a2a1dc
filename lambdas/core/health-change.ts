// When the probe writes a route's health item. Writing every round (every
// minute, or every few seconds with a short probe interval) costs a write unit
// per round and route for nothing new; the item is rewritten only when its
// meaning changes (up ↔ down, a different error, the AUTH backoff) or when the stored check is
// older than HEALTH_REFRESH_SECONDS, so `status` still shows a recent check
// time and a stopped probe shows as a stale one. The PrimaryUp metric is still
// published every round.
import type { PrimaryHealth } from './model.js';

export const HEALTH_REFRESH_SECONDS = 900;

export function healthWorthWriting(previous: PrimaryHealth | undefined, next: PrimaryHealth, refreshSeconds = HEALTH_REFRESH_SECONDS): boolean {
  if (!previous) return true;
  if (previous.status !== next.status) return true;
  if ((previous.lastError ?? '') !== (next.lastError ?? '')) return true;
  if (previous.authRefusals !== next.authRefusals || previous.refusedCredentials !== next.refusedCredentials) return true;
  if (previous.authRetryAt?.getTime() !== next.authRetryAt?.getTime()) return true;
  return next.lastCheckAt.getTime() - previous.lastCheckAt.getTime() >= refreshSeconds * 1000;
}
