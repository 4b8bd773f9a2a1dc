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

/** Partition key prefix of a route's own items (health, lease, hold, trigger rate limit): `route#<name>`. */
export const ROUTE_KEY_PREFIX = 'route#';
