// The DynamoDB table's keys, shared by the stack (lib/), the adapters and the
// local runner so the three can never disagree. One table holds every item
// kind; the sort key prefix says which.
export const TABLE_LAYOUT = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes the item after it. */
  ttlAttribute: 'expiresAt',
  /** Lists items by route (queued messages, dead letters) without a scan. */
  routeIndex: { name: 'byRoute', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/**
 * Partition key prefixes of the item kinds. IAM can tell items apart only by
 * their partition key (dynamodb:LeadingKeys), never by sort key, so each
 * function's grants are drawn along these (lib/constructs/backup-mx-function.ts).
 */
/** A route's engine state (health, lease, hold, sweep, last done): `route#<name>`. */
export const ROUTE_KEY_PREFIX = 'route#';
/** A message's summary, ledger rows, dead letter and delay notice: `msg#<id>`. */
export const MESSAGE_KEY_PREFIX = 'msg#';
/** Archived envelopes of a route and day: `env#<route>#<YYYY-MM-DD>`. */
export const ENVELOPE_KEY_PREFIX = 'env#';
/** The "I'm back" trigger's gate of a route (rate limit, last timestamp): `trigger#<name>`, the only items the trigger writes. */
export const TRIGGER_KEY_PREFIX = 'trigger#';
/** A route's notice budget per UTC hour and the notices held for the operator: `notices#<name>`. */
export const NOTICE_KEY_PREFIX = 'notices#';
/** A route's synced recipient list (core/recipients): `recipients#<name>`, written by the push and the deploy's custom resource. */
export const RECIPIENTS_KEY_PREFIX = 'recipients#';
/**
 * The rule writer's lease of a rule set (core/recipients/rule-writer-lock.ts):
 * `rulewriter#<rule set>`, written only by the rule writer (the deploy's
 * recipient-sync function); not under recipients#, which the public push function may write.
 */
export const RULE_WRITER_KEY_PREFIX = 'rulewriter#';
/**
 * The stack's recipient push key (core/recipients/push-signature.ts derives
 * each synced route's key from it): `pushkey#recipients`, created by
 * `backup-mx recipients push-command` (the operator's credentials) and only
 * read by the push function. Its own prefix: not under trigger#, so the
 * trigger's holders and function never get it; not under recipients#, which
 * the push may update and where a route named "key" has its pointer.
 */
export const RECIPIENT_PUSH_KEY_PREFIX = 'pushkey#';
/** The canary's HMAC key (core/canary): `canary#key`, written only by the canary function. */
export const CANARY_KEY_PREFIX = 'canary#';
/**
 * Stack-wide records the probe reads for its stack conditions
 * (core/problems), one exact partition per writer so IAM can tell them apart:
 * the probe's own state, the hourly orphaned-queue watch's finding (drain),
 * the canary's last on-time arrival (accept).
 */
export const STACK_KEY_PREFIX = 'stack#';
export const STACK_PROBLEMS_KEY = `${STACK_KEY_PREFIX}problems`;
export const ORPHAN_WATCH_KEY = `${STACK_KEY_PREFIX}watch`;
export const CANARY_ARRIVAL_KEY = `${STACK_KEY_PREFIX}canary`;
