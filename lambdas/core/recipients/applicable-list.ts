// What of a stored list the rule writer may apply now. A list was checked when
// it was pushed, against the route as it was then; the writer applies it later
// (or at every deploy) against the route as it is NOW: a domain may have moved
// to another route, maxAddresses may have been lowered. Addresses outside the
// route's current domains are dropped (counted, warned), a list over the
// current budget is not applied at all (the rules stay as they are), and an
// unreadable body is never applied (store: missing, or not its SHA-256).
import { domainOf } from './recipient-list.js';
import type { StoredRecipientList } from './ports.js';
import type { SyncedRoute } from './synced-route.js';

export type ApplicableList =
  | { apply: true; addresses: string[]; dropped: number }
  | { apply: false; kept: 'unreadable' | 'over-budget'; why: string };

export function applicableList(route: SyncedRoute, list: StoredRecipientList): ApplicableList {
  if (list.unreadable) return { apply: false, kept: 'unreadable', why: list.unreadable.reason };
  const domains = new Set(route.domains.map((d) => d.toLowerCase()));
  const addresses = list.addresses.filter((a) => domains.has(domainOf(a)));
  if (addresses.length > route.maxAddresses) {
    return {
      apply: false,
      kept: 'over-budget',
      why: `list version ${list.version} holds ${addresses.length} addresses of the route's domains, over recipientSync.maxAddresses = ${route.maxAddresses} (lowered since the push?): raise it and deploy, or push a shorter list`,
    };
  }
  return { apply: true, addresses, dropped: list.addresses.length - addresses.length };
}
