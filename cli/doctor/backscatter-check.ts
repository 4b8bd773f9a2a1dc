// doctor's backscatter check, from the deployed route table: a route that
// sends DSNs while SES accepts any address in some of its domains passes
// every unknown user on to the primary, and each refusal is a notice to the
// sender the envelope claims. The engine tells only authenticated senders,
// at most dsnPerHour an hour, but the recipient list is the fix (synth warns
// the same: lib/config/backscatter-check.ts).
import type { Route } from '../../lambdas/core/model.js';
import { ok, warn, type CheckResult } from './check.js';

export function checkBackscatter(route: Route): CheckResult {
  const name = `backscatter ${route.name}`;
  if (route.bouncePolicy !== 'dsn') return ok(name, 'the route dead-letters instead of sending DSNs');
  if (route.dsnPerHour === undefined) {
    return warn(name, 'the deployed route table predates the backscatter guards (no hourly DSN budget)', 'deploy this version of backup-mx');
  }
  if (!route.anyRecipient) return ok(name, `SES accepts only the listed recipients; at most ${route.dsnPerHour} DSNs an hour`);
  return warn(
    name,
    `SES accepts any address in some of ${route.domains.slice(0, 3).join(', ')}${route.domains.length > 3 ? ', ...' : ''} and the route sends DSNs: unknown users are refused by the primary after we accepted them, and forged senders would be told (only authenticated senders are, at most ${route.dsnPerHour} an hour; bounced DSNs still count against your SES account)`,
    `list the addresses in the route's "recipients" or "recipientsFile" (SES then refuses unknown users during SMTP), or set "bouncePolicy": "dead-letter"; lower "dsnPerHour" to send fewer (README: Bounces and backscatter)`,
  );
}
