// doctor's backscatter check, from the deployed route table: a route that
// sends DSNs while SES accepts any address in some of its domains passes
// every unknown user on to the primary, and each refusal is a notice to the
// sender the envelope claims. The engine tells only authenticated senders,
// at most dsnPerHour an hour, but the recipient list is the fix (synth warns
// the same: lib/config/backscatter-check.ts).
//
// A synced route (recipientSync): the route table's anyRecipient comes from
// the seed, which is what SES takes only until the first list's rules are
// written. From then SES takes the stored list, which narrows every domain it
// names: the check judges the route by that list.
import { openDomains } from '../../lib/config/backscatter-check.js';
import type { Route } from '../../lambdas/core/model.js';
import type { StoredRecipientList } from '../../lambdas/core/recipients/ports.js';
import { ok, warn, type CheckResult } from './check.js';

/** `list`: a synced route's stored list (undefined before the first push, or for a route that does not sync). */
export function checkBackscatter(route: Route, list?: StoredRecipientList): CheckResult {
  const name = `backscatter ${route.name}`;
  if (route.bouncePolicy !== 'dsn') return ok(name, 'the route dead-letters instead of sending DSNs');
  if (route.dsnPerHour === undefined) {
    return warn(name, 'the deployed route table predates the backscatter guards (no hourly DSN budget)', 'deploy this version of backup-mx');
  }
  // Only a list whose rules were written decides what SES takes; before that the deploy's (the seed's) rules do.
  const pushed = route.recipientSync && list && list.appliedVersion > 0 ? list : undefined;
  const open = pushed ? openDomains({ domains: route.domains, recipients: pushed.addresses }) : route.anyRecipient ? route.domains : [];
  if (open.length === 0) {
    const which = pushed ? `the synced list (version ${pushed.appliedVersion} in place)` : 'the listed recipients';
    return ok(name, `SES accepts only ${which}; at most ${route.dsnPerHour} DSNs an hour`);
  }
  const some = pushed ? 'any address in' : 'any address in some of';
  const fix = route.recipientSync
    ? `push the route's list (\`backup-mx recipients push-command ${route.name}\` prints the primary's command; SES then refuses unknown users in every domain the list names), or set "bouncePolicy": "dead-letter"; lower "dsnPerHour" to send fewer (README: Bounces and backscatter)`
    : `list the addresses in the route's "recipients" or "recipientsFile" (SES then refuses unknown users during SMTP), or set "bouncePolicy": "dead-letter"; lower "dsnPerHour" to send fewer (README: Bounces and backscatter)`;
  return warn(
    name,
    `SES accepts ${some} ${open.slice(0, 3).join(', ')}${open.length > 3 ? ', ...' : ''} and the route sends DSNs: unknown users are refused by the primary after we accepted them, and forged senders would be told (only authenticated senders are, at most ${route.dsnPerHour} an hour; bounced DSNs still count against your SES account)`,
    fix,
  );
}
