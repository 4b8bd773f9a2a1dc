// Primary health (with the AUTH backoff after a refusal), the drain lease, the operator's hold and the
// maintenance windows and the operator's redirect, one item each under `route#<name>`. The lease is a conditional write: it succeeds
// only when no lease exists, the lease has expired, or the caller already owns it; the windows are
// replaced only at the version read (two operators scheduling at once: one reads again).
// The controls (hold, windows, redirect, and health when asked) are read by one
// BatchGetItem of their known keys: exactly those items whatever else the
// partition holds (a Query's range would also read the lease, sweep and
// problems items and depend on sort-key order), a grant no wider than GetItem's,
// and the same read units as the separate reads. Each health transition is an
// item `health#<ISO time>` with a TTL; reads bound the range by the keep time,
// since TTL deletes expired items only up to two days later.
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PrimaryHealth } from '../../core/model.js';
import type { PrimaryRedirect } from '../../core/probe/effective-primary.js';
import { KEEP_HEALTH_HISTORY_SECONDS, type HealthTransition } from '../../core/probe/health-history.js';
import type { RouteWindows } from '../../core/probe/maintenance-windows.js';
import type { RouteControls, RouteState } from '../../core/probe/ports.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { untilProcessed } from './dynamo-batch-rounds.js';
import { key, PK, routeKey, SK, SORT, TTL } from './dynamo-keys.js';
import { conditionalPut, queryAll, type Item } from './dynamo-query.js';
import { parseHealth, parseHold, parseRedirect, parseTransition, parseWindows, REDIRECT_FIELDS, transitionSort } from './dynamo-route-items.js';

export { HEALTH_TRANSITION_ATTRIBUTES, REDIRECT_ATTRIBUTES } from './dynamo-route-items.js';

/** Further BatchGetItem rounds for keys DynamoDB leaves unprocessed (throttling) before the read counts as failed. */
const CONTROLS_RETRIES = 2;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));


export class DynamoRouteState implements RouteState {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async health(route: string): Promise<PrimaryHealth | undefined> {
    const item = await this.get(route, SORT.health);
    return item && parseHealth(route, item);
  }

  async controls(route: string, options?: { withHealth?: boolean }): Promise<RouteControls> {
    const sorts = [SORT.hold, SORT.windows, SORT.redirect, ...(options?.withHealth ? [SORT.health] : [])];
    const found = new Map<string, Item>();
    const left = await untilProcessed(
      sorts.map((sort) => key(routeKey(route), sort)),
      async (keys) => {
        const result = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(String(item[SK]), item);
        return (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, string>[];
      },
      { retries: CONTROLS_RETRIES, sleep: pause },
    );
    // A part is no answer: a missing hold would read as "not held".
    if (left.length > 0) throw new Error(`route state: ${left.length} of the route's controls still unread after ${CONTROLS_RETRIES + 1} rounds (throttled)`);
    const hold = found.get(SORT.hold);
    const windows = found.get(SORT.windows);
    const redirect = found.get(SORT.redirect) && parseRedirect(found.get(SORT.redirect)!);
    const health = found.get(SORT.health) && parseHealth(route, found.get(SORT.health)!);
    return {
      ...(hold ? { hold: parseHold(hold) } : {}),
      windows: windows ? parseWindows(windows) : { windows: [], version: 0 },
      ...(redirect ? { redirect } : {}),
      ...(health ? { health } : {}),
    };
  }

  async recordTransition(route: string, transition: HealthTransition): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(routeKey(route), transitionSort(transition.at)),
          route,
          at: transition.at.toISOString(),
          up: transition.up,
          ...(transition.error !== undefined ? { error: transition.error } : {}),
          [TTL]: Math.floor(transition.at.getTime() / 1000) + KEEP_HEALTH_HISTORY_SECONDS,
        },
      }),
    );
  }

  async healthTransitions(route: string, since: Date, now: Date): Promise<HealthTransition[]> {
    // Only the kept range: TTL typically deletes within two days of expiry and reads see the item until then (UpdateTimeToLive reference).
    const keptFrom = new Date(now.getTime() - KEEP_HEALTH_HISTORY_SECONDS * 1000 + 1);
    const from = since.getTime() > keptFrom.getTime() ? since : keptFrom;
    const range = (low: string, high: string, newestFirst: boolean, limit?: number) => ({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': routeKey(route), ':low': low, ':high': high },
      ConsistentRead: true,
      ...(newestFirst ? { ScanIndexForward: false } : {}),
      ...(limit ? { Limit: limit } : {}),
    });
    const beforeEnd = new Date(from.getTime() - 1);
    const [before, after] = await Promise.all([
      // The state the timeline begins in: the newest kept transition before `from`.
      beforeEnd.getTime() >= keptFrom.getTime()
        ? this.doc.send(new QueryCommand(range(transitionSort(keptFrom), transitionSort(beforeEnd), true, 1))).then((page) => (page.Items ?? []) as Item[])
        : Promise.resolve([] as Item[]),
      queryAll(this.doc, range(transitionSort(from), `${SORT.healthTransitionPrefix}~`, false)),
    ]);
    return [...before, ...after].flatMap(parseTransition);
  }

  async saveHealth(health: PrimaryHealth): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(routeKey(health.route), SORT.health),
          route: health.route,
          status: health.status,
          since: health.since.toISOString(),
          lastCheckAt: health.lastCheckAt.toISOString(),
          latencyMs: health.latencyMs,
          consecutiveFailures: health.consecutiveFailures,
          lastError: health.lastError,
          authRefusals: health.authRefusals,
          authRetryAt: health.authRetryAt?.toISOString(),
          refusedCredentials: health.refusedCredentials,
        },
      }),
    );
  }

  async acquireLease(route: string, owner: string, now: Date, until: Date): Promise<boolean> {
    return conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: { ...key(routeKey(route), SORT.lease), route, owner, leaseUntil: until.toISOString() },
      // ISO-8601 UTC strings of one width compare in time order.
      ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now OR #owner = :owner',
      ExpressionAttributeNames: { '#pk': PK, '#until': 'leaseUntil', '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': now.toISOString(), ':owner': owner },
    });
  }

  async releaseLease(route: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key(routeKey(route), SORT.lease),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      // Someone else holds it now (ours expired): theirs stays.
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
  }

  async hold(route: string): Promise<{ since: Date; reason?: string } | undefined> {
    const item = await this.get(route, SORT.hold);
    return item && parseHold(item);
  }

  async setHold(route: string, hold: { since: Date; reason?: string } | undefined): Promise<void> {
    await this.putOrDelete(route, SORT.hold, hold && { since: hold.since.toISOString(), reason: hold.reason });
  }

  async windows(route: string): Promise<RouteWindows & { version: number }> {
    const item = await this.get(route, SORT.windows);
    return item ? parseWindows(item) : { windows: [], version: 0 };
  }

  async saveWindows(route: string, stored: RouteWindows, version: number): Promise<boolean> {
    return conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: {
        ...key(routeKey(route), SORT.windows),
        route,
        version: version + 1,
        windows: stored.windows.map((w) => ({ id: w.id, from: w.from.toISOString(), until: w.until.toISOString(), ...(w.reason !== undefined ? { reason: w.reason } : {}) })),
        ...(stored.lastEnded ? { lastEnded: stored.lastEnded.toISOString() } : {}),
      },
      ConditionExpression: version === 0 ? 'attribute_not_exists(#pk)' : '#v = :v',
      ...(version === 0
        ? { ExpressionAttributeNames: { '#pk': PK } }
        : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': version } }),
    });
  }

  async redirect(route: string): Promise<PrimaryRedirect | undefined> {
    const item = await this.get(route, SORT.redirect);
    return item ? parseRedirect(item) : undefined;
  }

  async setRedirect(route: string, redirect: PrimaryRedirect | undefined): Promise<void> {
    await this.putOrDelete(route, SORT.redirect, redirect && REDIRECT_FIELDS(redirect));
  }

  async claimSweep(route: string, now: Date, intervalSeconds: number): Promise<boolean> {
    const cutoff = new Date(now.getTime() - intervalSeconds * 1000);
    return conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: { ...key(routeKey(route), SORT.sweep), route, lastSweepAt: now.toISOString() },
      // A Put replaces the item, so a claim also clears continueSweep's flag.
      ConditionExpression: 'attribute_not_exists(#pk) OR #last <= :cutoff OR #more = :yes',
      ExpressionAttributeNames: { '#pk': PK, '#last': 'lastSweepAt', '#more': 'moreWork' },
      ExpressionAttributeValues: { ':cutoff': cutoff.toISOString(), ':yes': true },
    });
  }

  async continueSweep(route: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(routeKey(route), SORT.sweep),
          UpdateExpression: 'SET #more = :yes',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK, '#more': 'moreWork' },
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error; // never claimed: the next claim succeeds anyway
    }
  }

  async lastSweep(route: string): Promise<Date | undefined> {
    const item = await this.get(route, SORT.sweep);
    return typeof item?.lastSweepAt === 'string' ? new Date(item.lastSweepAt) : undefined;
  }

  /** The route's item under `sort`: written whole with these fields, or deleted when there are none (a hold or a redirect lifted). */
  private async putOrDelete(route: string, sort: string, fields: Record<string, unknown> | undefined): Promise<void> {
    if (!fields) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(routeKey(route), sort) }));
      return;
    }
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(routeKey(route), sort), route, ...fields } }));
  }

  private async get(route: string, sort: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(routeKey(route), sort), ConsistentRead: true }),
    );
    return Item;
  }
}
