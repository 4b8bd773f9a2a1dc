// MessageSummary items (`msg#<id>` / `meta#<route>`: one per route, since SES
// gives a message matched by two routes the same id in both). While a message
// is queued its item carries the sparse index keys `queued#<route>` /
// receivedAt, so `mailq` lists a route's queue with one Query and no Scan.
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { MessageIndex, MessageSummary } from '../../core/ports.js';
import { isAwsError } from './aws-errors.js';
import { expiresAtFor, GSI, key, messageKey, metaSort, PK, queuedIndexKey, routeKey, SK, SORT, TTL } from './dynamo-keys.js';
import { optionalDate, optionalNumber, optionalString, queryAll, scanAll, type Item } from './dynamo-query.js';

const CONDITION_FAILED = 'ConditionalCheckFailedException';
const QUEUED_PREFIX = 'queued#';

export class DynamoMessageIndex implements MessageIndex {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(summary: MessageSummary): Promise<boolean> {
    const queued = summary.state === 'queued';
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(messageKey(summary.messageId), metaSort(summary.route)),
            messageId: summary.messageId,
            route: summary.route,
            sender: summary.sender,
            recipients: summary.recipients,
            receivedAt: summary.receivedAt.toISOString(),
            size: summary.size,
            subject: summary.subject,
            state: summary.state,
            lastDeliveryAt: summary.lastDeliveryAt?.toISOString(),
            [GSI.partitionKey]: queued ? queuedIndexKey(summary.route) : undefined,
            [GSI.sortKey]: queued ? summary.receivedAt.toISOString() : undefined,
            [TTL]: queued ? undefined : expiresAtFor(summary.lastDeliveryAt ?? summary.receivedAt),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
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

  async get(messageId: string, route?: string): Promise<MessageSummary | undefined> {
    if (route === undefined) return (await this.find(messageId))[0];
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(messageKey(messageId), metaSort(route)), ConsistentRead: true }),
    );
    return Item ? toSummary(Item) : undefined;
  }

  /**
   * Marks the route's copy done and starts the 30-day countdown (TTL) on its
   * items: summary, and the ledger rows and attempts of its recipients (all of
   * them when it was never indexed). Dead-letter records get no TTL: they stay
   * until an operator deals with them.
   */
  async markDone(messageId: string, route: string, at: Date): Promise<void> {
    const expiresAt = expiresAtFor(at);
    let recipients: string[] | undefined;
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(messageKey(messageId), metaSort(route)),
          UpdateExpression: 'SET #state = :done, #last = :at, #ttl = :ttl REMOVE #gpk, #gsk',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#pk': PK,
            '#state': 'state',
            '#last': 'lastDeliveryAt',
            '#ttl': TTL,
            '#gpk': GSI.partitionKey,
            '#gsk': GSI.sortKey,
          },
          ExpressionAttributeValues: { ':done': 'done', ':at': at.toISOString(), ':ttl': expiresAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      recipients = Array.isArray(Attributes?.recipients) ? Attributes.recipients.map(String) : undefined;
    } catch (error) {
      // Never indexed (the accept step failed): the ledger rows still get their TTL below.
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
    await this.recordLastDone(route, at);
    await this.expireMessageItems(messageId, expiresAt, recipients);
  }

  async lastDone(route: string): Promise<Date | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(routeKey(route), SORT.lastDone), ConsistentRead: true }),
    );
    return optionalDate(Item?.at);
  }

  /** `route#<name>` / `done`: moves forward only, so concurrent drains never set it back. */
  private async recordLastDone(route: string, at: Date): Promise<void> {
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

  async remove(messageId: string, route?: string): Promise<void> {
    const routes = route === undefined ? (await this.find(messageId)).map((s) => s.route) : [route];
    for (const name of routes) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(messageKey(messageId), metaSort(name)) }));
    }
  }

  /**
   * Rewrites the message's ledger and attempt items with a TTL, 25 per batch:
   * only those of `recipients` when given (another route's copy of the same
   * message may still be queued).
   */
  private async expireMessageItems(messageId: string, expiresAt: number, recipients?: string[]): Promise<void> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId) },
      ConsistentRead: true,
    });
    const ours = (item: Item) => recipients === undefined || recipients.includes(String(item.recipient));
    const toExpire = items.filter((item) => {
      const sk = String(item[SK]);
      const ledgerRow = sk.startsWith(SORT.recipientPrefix) || sk.startsWith(SORT.attemptPrefix);
      return ledgerRow && ours(item) && item[TTL] !== expiresAt;
    });
    for (let start = 0; start < toExpire.length; start += 25) {
      let requests = toExpire.slice(start, start + 25).map((item) => ({ PutRequest: { Item: { ...item, [TTL]: expiresAt } } }));
      for (let tries = 0; requests.length > 0; tries++) {
        if (tries === 5) throw new Error(`could not set TTL on ${requests.length} items of ${messageId}`);
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** tries));
        const result = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }
}

function toSummary(item: Item): MessageSummary {
  const summary: MessageSummary = {
    messageId: String(item.messageId),
    route: String(item.route),
    sender: String(item.sender ?? ''),
    recipients: Array.isArray(item.recipients) ? item.recipients.map(String) : [],
    receivedAt: new Date(String(item.receivedAt)),
    state: item.state === 'done' ? 'done' : 'queued',
  };
  const size = optionalNumber(item.size);
  if (size !== undefined) summary.size = size;
  const subject = optionalString(item.subject);
  if (subject !== undefined) summary.subject = subject;
  const lastDeliveryAt = optionalDate(item.lastDeliveryAt);
  if (lastDeliveryAt !== undefined) summary.lastDeliveryAt = lastDeliveryAt;
  return summary;
}
