// After the primary refuses our AUTH credentials the probe stops logging in on
// every round. Mail servers commonly run fail2ban with Postfix/Dovecot SASL
// jails (5 failures in 10 minutes → ban); a ban would hide the cause behind
// "connection refused" well after the password is fixed. AUTH is tried again
// after 2, 4, 8, 16, 32 minutes, then every 60: at most 3 failures in any 10
// minutes (t = 0, 2, 6), and the first retry is still soon enough for a typo
// fixed at once. Between tries the probe checks the primary without AUTH and
// the route stays down: nothing is delivered with credentials known bad.
import type { PrimaryHealth } from '../model.js';

/** The health error recorded when the primary answers but refuses our AUTH credentials. */
export const AUTH_REFUSED_PREFIX = 'primary refuses our credentials';

export const FIRST_AUTH_RETRY_SECONDS = 120;
export const MAX_AUTH_RETRY_SECONDS = 3600;
/** Scheduled runs drift by a second or two: a round this close to the due time already tries AUTH. */
export const AUTH_RETRY_SLACK_SECONDS = 5;

const NEXT_TRY = '; next AUTH try at ';
const NOW = '; now: ';

/** Seconds to wait after the `refusals`-th refusal in a row (1, 2, …). */
export function authRetryDelaySeconds(refusals: number): number {
  return Math.min(FIRST_AUTH_RETRY_SECONDS * 2 ** Math.max(0, refusals - 1), MAX_AUTH_RETRY_SECONDS);
}

/** True while the route waits out a refusal: its next check skips AUTH. */
export function authWaiting(previous: PrimaryHealth | undefined, now: Date): boolean {
  return previous?.authRetryAt !== undefined && previous.authRetryAt.getTime() - now.getTime() > AUTH_RETRY_SLACK_SECONDS * 1000;
}

/** True when the health records a refusal not yet followed by a successful AUTH. */
export function authRefusalPending(previous: PrimaryHealth | undefined): previous is PrimaryHealth & { authRefusals: number } {
  return (previous?.authRefusals ?? 0) > 0 && previous?.authRetryAt !== undefined;
}

/**
 * After the AUTH success that ends a wait, the count is kept for one round:
 * if the drain it starts is refused at once (the probe's login works, the
 * drain's does not), the wait grows instead of starting again at 2 minutes.
 */
export function afterAuthSuccess(previous: PrimaryHealth | undefined): Pick<PrimaryHealth, 'authRefusals'> {
  return authRefusalPending(previous) ? { authRefusals: previous.authRefusals } : {};
}

export type AuthBackoffFields = Pick<PrimaryHealth, 'lastError' | 'authRefusals' | 'authRetryAt' | 'refusedCredentials'>;

/**
 * One more refusal: the wait grows. `credentials` is the digest of what was
 * refused, when the caller knows it (the probe does, the drain does not).
 */
export function refusedFields(previous: PrimaryHealth | undefined, now: Date, reply: string, credentials?: string): AuthBackoffFields {
  const authRefusals = (previous?.authRefusals ?? 0) + 1;
  const authRetryAt = new Date(now.getTime() + authRetryDelaySeconds(authRefusals) * 1000);
  return {
    lastError: `${AUTH_REFUSED_PREFIX}: ${reply}${NEXT_TRY}${authRetryAt.toISOString()}`,
    authRefusals,
    authRetryAt,
    ...(credentials !== undefined ? { refusedCredentials: credentials } : {}),
  };
}

/**
 * Between AUTH tries: the refusal stays the error (with what a failed check
 * without AUTH met, when it failed), so `status` keeps showing the cause.
 */
export function waitingFields(previous: PrimaryHealth & { authRefusals: number }, problem?: string): AuthBackoffFields {
  const refusal = previous.lastError?.startsWith(AUTH_REFUSED_PREFIX) ? previous.lastError.split(NOW)[0]! : AUTH_REFUSED_PREFIX;
  return {
    lastError: problem ? `${refusal}${NOW}${problem}` : refusal,
    authRefusals: previous.authRefusals,
    ...(previous.authRetryAt ? { authRetryAt: previous.authRetryAt } : {}),
    ...(previous.refusedCredentials !== undefined ? { refusedCredentials: previous.refusedCredentials } : {}),
  };
}
