// The item keys of the one state table, as decided for every adapter (see
// shared-decisions): route items under `route#<name>`, message items under
// `msg#<messageId>`, with the sparse `byRoute` index listing queued messages
// and dead letters per route. SES gives one message the same id in every route
// whose rule matched some of its recipients, so the summary and the dead letter
// are keyed by route too (`meta#<route>`, `dead#<route>`); ledger rows need not
// be, since routes never share a recipient domain. A route split over several
// receipt rules gets one copy of the message per rule: those items are keyed by
// copy as well (`meta#<route>#<copy>`, `dead#<route>#<copy>`; core/message/message-copy;
// route names hold no '#'), and older items without a copy keep their key.
import { MESSAGE_KEY_PREFIX, ROUTE_KEY_PREFIX, TABLE_LAYOUT, TRIGGER_KEY_PREFIX } from '../../config/table-layout.js';

export const PK = TABLE_LAYOUT.partitionKey;
export const SK = TABLE_LAYOUT.sortKey;
export const TTL = TABLE_LAYOUT.ttlAttribute;
export const GSI = TABLE_LAYOUT.routeIndex;

/** Finished items stay this long for `show` and audits, then TTL deletes them. */
export const KEEP_FINISHED_SECONDS = 30 * 86_400;

export const routeKey = (route: string) => `${ROUTE_KEY_PREFIX}${route}`;
export const messageKey = (messageId: string) => `${MESSAGE_KEY_PREFIX}${messageId}`;
export const triggerKey = (route: string) => `${TRIGGER_KEY_PREFIX}${route}`;

export const SORT = {
  health: 'health',
  /** One item per up/down transition, `health#<ISO time>`, deleted by TTL (dynamo-route-state.ts). */
  healthTransitionPrefix: 'health#',
  lease: 'lease',
  hold: 'hold',
  /** The route's maintenance windows, one item (dynamo-route-state.ts). */
  windows: 'windows',
  /** The operator's redirect of the route's mail to another host (dynamo-route-state.ts). */
  redirect: 'redirect',
  sweep: 'sweep',
  /** When the route last finished a message (MessageIndex.markDone). */
  lastDone: 'done',
  metaPrefix: 'meta#',
  deadPrefix: 'dead#',
  /** A dead letter's notification and detail, apart from the summary the index lists (dynamo-dead-letter-store.ts). */
  deadTextPrefix: 'deadtext#',
  /** Both of a dead letter's items (`dead#…`, `deadtext#…`): one Query of the message's partition. */
  deadItemsPrefix: 'dead',
  recipientPrefix: 'rcpt#',
  attemptPrefix: 'attempt#',
  /** An operator's forward of the message (dynamo-forward-records.ts); no ledger or dead-letter prefix matches it. */
  forwardPrefix: 'forward#',
} as const;

const copySuffix = (copy: string | undefined) => (copy ? `#${copy}` : '');
export const metaSort = (route: string, copy?: string) => `${SORT.metaPrefix}${route}${copySuffix(copy)}`;
/** A dead letter whose notification could not be parsed has no route (nor copy): `dead#`. */
export const deadSort = (route: string | undefined, copy?: string) => `${SORT.deadPrefix}${route ?? ''}${copySuffix(copy)}`;
export const deadTextSort = (route: string | undefined, copy?: string) => `${SORT.deadTextPrefix}${route ?? ''}${copySuffix(copy)}`;
export const recipientSort = (address: string) => `${SORT.recipientPrefix}${address}`;
export const attemptSort = (at: Date, address: string) => `${SORT.attemptPrefix}${at.toISOString()}#${address}`;
export const forwardSort = (at: Date, route: string, to: string) => `${SORT.forwardPrefix}${at.toISOString()}#${route}#${to}`;

export const queuedIndexKey = (route: string) => `queued#${route}`;
export const deadIndexKey = (route: string | undefined) => `dead#${route ?? ''}`;

/**
 * Ledger rows (final outcomes and attempts) are kept this long after they are
 * written: the 30 days plus the longest queue lifetime (30 days), so a
 * delivered recipient's row outlives every retry of the message's others.
 */
export const KEEP_LEDGER_SECONDS = KEEP_FINISHED_SECONDS + 30 * 86_400;

/** TTL of a ledger row written at `at`. */
export const ledgerExpiresAt = (at: Date): number => Math.floor(at.getTime() / 1000) + KEEP_LEDGER_SECONDS;

/** TTL value (epoch seconds) for an item finished at `doneAt`. */
export function expiresAtFor(doneAt: Date): number {
  return Math.floor(doneAt.getTime() / 1000) + KEEP_FINISHED_SECONDS;
}

export function key(pk: string, sk: string): Record<string, string> {
  return { [PK]: pk, [SK]: sk };
}
