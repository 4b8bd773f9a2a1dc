// The records of core/problems in the state table:
//   route#<name> / problems    the probe's state of a route's conditions (probe)
//   stack#problems / problems  the same for the stack's (probe)
//   route#<name> / deliveries  the drain's delivery record (drain)
//   stack#watch / orphans      what the hourly orphaned-queue watch found (drain)
//   stack#canary / arrival     the canary's last on-time arrival (accept)
// Each stack record has a partition of its own so IAM (which sees only
// partition keys) lets exactly its writer write it. A record that exists but
// cannot be understood is an error, never "none": the probe then reports the
// condition `unreadable` and does not overwrite what it could not read.
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  CanaryArrival,
  CanaryArrivals,
  ConditionState,
  DeliveryRecord,
  DeliveryRecords,
  OrphanWatchRecord,
  OrphanWatchRecords,
  ProblemScope,
  ProblemState,
  ProblemStates,
} from '../../core/problems/problem-ports.js';
import { STACK_SCOPE } from '../../core/problems/problem-ports.js';
import { CANARY_ARRIVAL_KEY, ORPHAN_WATCH_KEY, STACK_PROBLEMS_KEY } from '../../config/table-layout.js';
import { key, PK, routeKey, SK } from './dynamo-keys.js';
import { conditionalPut, type Item } from './dynamo-query.js';

export const PROBLEMS_SORT = 'problems';
export const DELIVERIES_SORT = 'deliveries';
export const ORPHAN_WATCH_SORT = 'orphans';
export const CANARY_ARRIVAL_SORT = 'arrival';

/** Every attribute of each record: all its writer may write there (IAM dynamodb:Attributes). */
export const PROBLEM_STATE_ATTRIBUTES = [PK, SK, 'conditions', 'firstRoundAt', 'updatedAt'] as const;
export const DELIVERY_RECORD_ATTRIBUTES = [PK, SK, 'lastDeliveredAt', 'failingSince', 'lastFailingAt', 'lastFailure', 'refusedSinceDelivery', 'lastRefusedAt'] as const;
export const ORPHAN_WATCH_ATTRIBUTES = [PK, SK, 'at', 'messages'] as const;
export const CANARY_ARRIVAL_ATTRIBUTES = [PK, SK, 'at', 'roundTripSeconds'] as const;

/** The item of a problems scope: a route's partition, or the stack's. */
export const problemsKey = (scope: ProblemScope, stackPartition = STACK_PROBLEMS_KEY) => key(scope === STACK_SCOPE ? stackPartition : routeKey(scope), PROBLEMS_SORT);

class DamagedRecord extends Error {
  constructor(what: string, field: string) {
    super(`${what} is damaged (${field}); the probe reports it as unreadable until it is rewritten or deleted`);
    this.name = 'DamagedRecord';
  }
}

/** An ISO time of the item; undefined when absent, an error when present and not a time. */
function time(item: Item, field: string, what: string): Date | undefined {
  const value = item[field];
  if (value === undefined || value === null) return undefined;
  const at = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new DamagedRecord(what, field);
  return at;
}

function requiredTime(item: Item, field: string, what: string): Date {
  const at = time(item, field, what);
  if (!at) throw new DamagedRecord(what, field);
  return at;
}

function count(item: Item, field: string, what: string): number {
  const value = item[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new DamagedRecord(what, field);
  return value;
}

abstract class TableRecord {
  constructor(
    protected readonly doc: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  protected async read(itemKey: Record<string, string>): Promise<Item | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }));
    return Item as Item | undefined;
  }

  /** A put of the whole item; attributes left undefined are not written (removeUndefinedValues). */
  protected async write(item: Item): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }
}

export class DynamoProblemStates extends TableRecord implements ProblemStates {
  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    /** The stack's partition (tests give each their own). */
    private readonly stackPartition = STACK_PROBLEMS_KEY,
  ) {
    super(doc, tableName);
  }

  async get(scope: ProblemScope): Promise<ProblemState | undefined> {
    const what = `the problems record of ${scope === STACK_SCOPE ? 'the stack' : `route ${scope}`}`;
    const item = await this.read(problemsKey(scope, this.stackPartition));
    if (!item) return undefined;
    const stored = item.conditions;
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) throw new DamagedRecord(what, 'conditions');
    const conditions: Record<string, ConditionState> = {};
    for (const [name, value] of Object.entries(stored as Record<string, unknown>)) {
      const entry = (value ?? {}) as Item;
      if (typeof entry.announced !== 'boolean') throw new DamagedRecord(what, `conditions.${name}.announced`);
      conditions[name] = { since: requiredTime(entry, 'since', what), announced: entry.announced };
    }
    const firstRoundAt = time(item, 'firstRoundAt', what);
    return { conditions: conditions as ProblemState['conditions'], ...(firstRoundAt ? { firstRoundAt } : {}) };
  }

  async save(scope: ProblemScope, state: ProblemState): Promise<void> {
    const conditions = Object.fromEntries(
      Object.entries(state.conditions).map(([name, c]) => [name, { since: c!.since.toISOString(), announced: c!.announced }]),
    );
    await this.write({ ...problemsKey(scope, this.stackPartition), conditions, firstRoundAt: state.firstRoundAt?.toISOString(), updatedAt: new Date().toISOString() });
  }
}

export class DynamoDeliveryRecords extends TableRecord implements DeliveryRecords {
  async get(route: string): Promise<DeliveryRecord | undefined> {
    const what = `the delivery record of route ${route}`;
    const item = await this.read(key(routeKey(route), DELIVERIES_SORT));
    if (!item) return undefined;
    const record: DeliveryRecord = { refusedSinceDelivery: count(item, 'refusedSinceDelivery', what) };
    for (const field of ['lastDeliveredAt', 'failingSince', 'lastFailingAt', 'lastRefusedAt'] as const) {
      const at = time(item, field, what);
      if (at) record[field] = at;
    }
    if (typeof item.lastFailure === 'string') record.lastFailure = item.lastFailure;
    return record;
  }

  async save(route: string, record: DeliveryRecord): Promise<void> {
    await this.write({
      ...key(routeKey(route), DELIVERIES_SORT),
      lastDeliveredAt: record.lastDeliveredAt?.toISOString(),
      failingSince: record.failingSince?.toISOString(),
      lastFailingAt: record.lastFailingAt?.toISOString(),
      lastFailure: record.lastFailure,
      refusedSinceDelivery: record.refusedSinceDelivery,
      lastRefusedAt: record.lastRefusedAt?.toISOString(),
    });
  }
}

export class DynamoOrphanWatchRecords extends TableRecord implements OrphanWatchRecords {
  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    private readonly partition = ORPHAN_WATCH_KEY,
  ) {
    super(doc, tableName);
  }

  async last(): Promise<OrphanWatchRecord | undefined> {
    const what = 'the orphaned-queue watch\'s record';
    const item = await this.read(key(this.partition, ORPHAN_WATCH_SORT));
    return item && { at: requiredTime(item, 'at', what), messages: count(item, 'messages', what) };
  }

  async record(found: OrphanWatchRecord): Promise<void> {
    await this.write({ ...key(this.partition, ORPHAN_WATCH_SORT), at: found.at.toISOString(), messages: found.messages });
  }
}

export class DynamoCanaryArrivals extends TableRecord implements CanaryArrivals {
  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    private readonly partition = CANARY_ARRIVAL_KEY,
  ) {
    super(doc, tableName);
  }

  async last(): Promise<CanaryArrival | undefined> {
    const what = 'the canary\'s arrival record';
    const item = await this.read(key(this.partition, CANARY_ARRIVAL_SORT));
    return item && { at: requiredTime(item, 'at', what), roundTripSeconds: count(item, 'roundTripSeconds', what) };
  }

  /** Only ever forward: an arrival older than the one kept (two accepts out of order) changes nothing. */
  async record(arrival: CanaryArrival): Promise<void> {
    await conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: { ...key(this.partition, CANARY_ARRIVAL_SORT), at: arrival.at.toISOString(), roundTripSeconds: arrival.roundTripSeconds },
      // ISO-8601 UTC strings of one width compare in time order.
      ConditionExpression: 'attribute_not_exists(#pk) OR #at < :at',
      ExpressionAttributeNames: { '#pk': PK, '#at': 'at' },
      ExpressionAttributeValues: { ':at': arrival.at.toISOString() },
    });
  }
}
