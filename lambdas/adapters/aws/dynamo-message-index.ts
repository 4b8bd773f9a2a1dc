// MessageSummary items (`msg#<id>` / `meta#<route>#<copy>`: one per route, since
// SES gives a message matched by two routes the same id in both, and one per
// copy, since a route split over several receipt rules gets one per rule). While a message
// is queued its item carries the sparse index keys `queued#<route>` /
// receivedAt, so `mailq` lists a route's queue with one Query and no Scan.
// The operator's hold on a queued copy (`hold --message`) is two attributes of
// its item (heldSince, heldReason), which only setHold writes (dynamo-message-hold.ts).
import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { DoneFacts, MessageHold, MessageIndex, MessageSummary } from '../../core/accept/ports.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { DynamoBatchReader } from './dynamo-batch-reader.js';
import type { DynamoBatchWriter } from './dynamo-batch-writer.js';
import { doneIndexItem, summaryItem } from './dynamo-index-done.js';
import { expiresAtFor, GSI, key, messageKey, metaSort, PK, queuedIndexKey, routeKey, SK, SORT, TTL } from './dynamo-keys.js';
import { readHold, writeHold } from './dynamo-message-hold.js';
import { conditionalPut, optionalDate, queryAll, scanAll } from './dynamo-query.js';
import { matches, toSummary } from './dynamo-summary-read.js';

const QUEUED_PREFIX = 'queued#';
const LAST_DONE_RESOLUTION_MS = 10_000;
/** How long the list of a route's copy-less queued summaries is trusted before it is read again. */
const OLDER_SUMMARIES_TTL_MS = 5 * 60_000;

export class DynamoMessageIndex implements MessageIndex {
  /** Per route, the last `done` time this instance wrote. */
  private readonly lastDoneWritten = new Map<string, number>();

  /** Per route, the ids of queued summaries written before copies were kept, and when that was read. */
  private readonly olderQueued = new Map<string, { ids: Promise<Set<string>>; readAt: number }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The ledger's writer: with it, a markDone given the summary's facts is a put grouped with the ledger rows. */
    private readonly writer?: DynamoBatchWriter,
    private readonly now: () => number = Date.now,
    /** The ledger's reader (compose.ts): the drain's hold reads go in the BatchGetItem of its ledger rows. */
    reader?: DynamoBatchReader,
  ) {
    this.reader = reader ?? new DynamoBatchReader(doc, tableName);
  }

  private readonly reader: DynamoBatchReader;

  /** The hold reads and writes live in dynamo-message-hold.ts. */
  holdOf(messageId: string, route: string, copy: string): Promise<MessageHold | undefined> {
    return readHold(this.reader, messageId, route, copy);
  }

  setHold(messageId: string, route: string, copy: string, hold: MessageHold | undefined): Promise<boolean> {
    return writeHold(this.doc, this.tableName, messageId, route, copy, hold);
  }

  async add(summary: MessageSummary): Promise<boolean> {
    return conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: summaryItem(summary),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    });
  }

  async find(messageId: string): Promise<MessageSummary[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :meta)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId), ':meta': SORT.metaPrefix },
      ConsistentRead: true,
    });
    return items.map(toSummary);
  }

  async get(messageId: string, route?: string, copy?: string): Promise<MessageSummary | undefined> {
    if (route === undefined || copy === undefined) return (await this.find(messageId)).find((s) => matches(s, route, copy));
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(messageKey(messageId), metaSort(route, copy)), ConsistentRead: true }),
    );
    return Item ? toSummary(Item) : undefined;
  }

  /**
   * Marks the route's copy done and starts the 30-day countdown (TTL) on its
   * summary. A message never indexed (the accept step failed, or has not run
   * yet) gets a 'done' tombstone with the same TTL, so a late accept cannot
   * list it as queued. The ledger rows got their TTL when they were written
   * (DynamoLedger). Dead-letter records get no TTL: they stay until an
   * operator deals with them.
   */
  async markDone(messageId: string, route: string, at: Date, copy?: string, facts?: DoneFacts): Promise<void> {
    const expiresAt = expiresAtFor(at);
    if (facts && this.writer) {
      // A plain put of the whole done summary, in the ledger's grouped BatchWriteItem. A later
      // accept's conditional put finds the item and leaves it done (the tombstone markDone leaves).
      await this.writer.write([doneIndexItem({ messageId, route, ...facts, ...(copy ? { copy } : {}) }, at)]);
      if (copy && (await this.olderQueuedIds(route)).has(messageId)) await this.finishOlderSummary(messageId, route, at, expiresAt);
      await this.recordLastDone(route, at);
      return;
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(messageKey(messageId), metaSort(route, copy)),
        UpdateExpression:
          'SET #state = :done, #last = :at, #ttl = :ttl, #mid = if_not_exists(#mid, :mid), #route = if_not_exists(#route, :route), ' +
          `#recv = if_not_exists(#recv, :at), #rcpts = if_not_exists(#rcpts, :none)${copy ? ', #copy = if_not_exists(#copy, :copy)' : ''} REMOVE #gpk, #gsk`,
        ExpressionAttributeNames: {
          '#state': 'state',
          '#last': 'lastDeliveryAt',
          '#ttl': TTL,
          '#mid': 'messageId',
          '#route': 'route',
          '#recv': 'receivedAt',
          '#rcpts': 'recipients',
          '#gpk': GSI.partitionKey,
          '#gsk': GSI.sortKey,
          ...(copy ? { '#copy': 'copy' } : {}),
        },
        ExpressionAttributeValues: {
          ':done': 'done', ':at': at.toISOString(), ':ttl': expiresAt, ':mid': messageId, ':route': route, ':none': [],
          ...(copy ? { ':copy': copy } : {}),
        },
      }),
    );
    if (copy) await this.finishOlderSummary(messageId, route, at, expiresAt);
    await this.recordLastDone(route, at);
  }

  /**
   * A summary indexed before copies were kept (`meta#<route>`, no copy) is
   * finished by the first markDone of any copy, so `mailq` and the probe's
   * queued figures do not list it for good after an upgrade. One conditional
   * write, which changes nothing when there is no such queued item.
   */
  private async finishOlderSummary(messageId: string, route: string, at: Date, expiresAt: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(messageKey(messageId), metaSort(route)),
          UpdateExpression: 'SET #state = :done, #last = :at, #ttl = :ttl REMOVE #gpk, #gsk',
          ConditionExpression: 'attribute_exists(#pk) AND #state = :queued',
          ExpressionAttributeNames: { '#pk': PK, '#state': 'state', '#last': 'lastDeliveryAt', '#ttl': TTL, '#gpk': GSI.partitionKey, '#gsk': GSI.sortKey },
          ExpressionAttributeValues: { ':done': 'done', ':queued': 'queued', ':at': at.toISOString(), ':ttl': expiresAt },
        }),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
  }

  /**
   * The ids of the route's queued summaries without a copy (`meta#<route>`,
   * written before copies were kept; accept no longer writes them), read
   * from the sparse queued index once per OLDER_SUMMARIES_TTL_MS, so the
   * grouped markDone finishes them without a conditional write per message.
   */
  private olderQueuedIds(route: string): Promise<Set<string>> {
    const cached = this.olderQueued.get(route);
    if (cached && this.now() - cached.readAt < OLDER_SUMMARIES_TTL_MS) return cached.ids;
    const ids = queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: GSI.name,
      KeyConditionExpression: '#gpk = :route',
      FilterExpression: 'attribute_not_exists(#copy)',
      ProjectionExpression: '#mid',
      ExpressionAttributeNames: { '#gpk': GSI.partitionKey, '#copy': 'copy', '#mid': 'messageId' },
      ExpressionAttributeValues: { ':route': queuedIndexKey(route) },
    }).then((items) => new Set(items.map((item) => String(item.messageId))));
    this.olderQueued.set(route, { ids, readAt: this.now() });
    ids.catch(() => this.olderQueued.delete(route));
    return ids;
  }

  async lastDone(route: string): Promise<Date | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(routeKey(route), SORT.lastDone), ConsistentRead: true }),
    );
    return optionalDate(Item?.at);
  }

  /**
   * `route#<name>` / `done`: moves forward only, so concurrent drains never set it
   * back. Written at most every LAST_DONE_RESOLUTION_MS per route from one
   * instance: `status` needs minutes, not one write per message.
   */
  private async recordLastDone(route: string, at: Date): Promise<void> {
    const previous = this.lastDoneWritten.get(route);
    if (previous !== undefined && at.getTime() - previous < LAST_DONE_RESOLUTION_MS && at.getTime() >= previous) return;
    this.lastDoneWritten.set(route, at.getTime());
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(routeKey(route), SORT.lastDone),
          UpdateExpression: 'SET #at = :at',
          ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at.toISOString() },
        }),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
  }

  async listQueued(route?: string): Promise<MessageSummary[]> {
    // The index is sparse: only queued messages and dead letters carry its keys,
    // so scanning it for all routes reads no finished messages.
    const items =
      route === undefined
        ? await scanAll(this.doc, {
            TableName: this.tableName,
            IndexName: GSI.name,
            FilterExpression: 'begins_with(#gpk, :queued)',
            ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
            ExpressionAttributeValues: { ':queued': QUEUED_PREFIX },
          })
        : await queryAll(this.doc, {
            TableName: this.tableName,
            IndexName: GSI.name,
            KeyConditionExpression: '#gpk = :route',
            ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
            ExpressionAttributeValues: { ':route': queuedIndexKey(route) },
          });
    return items.map(toSummary).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  /**
   * A COUNT query over the route's part of the sparse index (no items read
   * back, paged per 1 MB) and one item for the oldest: the index sort key is
   * receivedAt, so the first item in ascending order is the oldest.
   */
  async queuedStats(route: string): Promise<{ queued: number; oldestReceivedAt?: Date }> {
    const base = {
      TableName: this.tableName,
      IndexName: GSI.name,
      KeyConditionExpression: '#gpk = :route',
      ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
      ExpressionAttributeValues: { ':route': queuedIndexKey(route) },
    };
    let queued = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...base, Select: 'COUNT', ExclusiveStartKey: start }));
      queued += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    if (queued === 0) return { queued };
    const first = await this.doc.send(new QueryCommand({ ...base, ScanIndexForward: true, Limit: 1 }));
    const oldest = optionalDate(first.Items?.[0]?.receivedAt);
    return oldest ? { queued, oldestReceivedAt: oldest } : { queued };
  }

  /** One Query of the route's part of the sparse index, oldest first, `Limit` items read. */
  async oldestQueued(route: string, limit: number): Promise<MessageSummary[]> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: GSI.name,
        KeyConditionExpression: '#gpk = :route',
        ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
        ExpressionAttributeValues: { ':route': queuedIndexKey(route) },
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map(toSummary);
  }

  async remove(messageId: string, route?: string, copy?: string): Promise<void> {
    const sorts = (await this.find(messageId)).filter((s) => matches(s, route, copy)).map((s) => metaSort(s.route, s.copy));
    for (const sort of sorts) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(messageKey(messageId), sort) }));
    }
  }
}

/** Re-exported: the data-ownership test checks accept's IAM against it. */
export { HOLD_ATTRIBUTES } from './dynamo-message-hold.js';
