// Dead letters: a record in DynamoDB, listed per route by the byRoute index
// and keyed by route too (SES gives a message matched by two routes the same
// id in both) and by copy (a route split over several receipt rules gets one
// notification per rule), and the notification on the DLQ. Each record is
// two items of the message's partition:
//   msg#<id> / dead#<route>#<copy>      its summary (reason, when, object, copy),
//                                       with the index keys dead#<route> / at
//   msg#<id> / deadtext#<route>#<copy>  its notification and detail (up to ~400 KB)
// The probe counts each route's records every minute (Select COUNT on the
// index: the DeadLetters gauge and alarm, until a person requeues or deletes
// them). DynamoDB bills a Query by the size of every item it reads, COUNT or
// not, so the index holds only the summaries (the held notices' split, in
// dynamo-notice-stores.ts). Records written before the split keep everything
// in the summary item and are read as they are. The text is written first and
// the summary, which counts, last; removal goes the other way. If the DLQ
// send then fails, the error surfaces and the caller leaves the message on its
// queue to try again (the puts are idempotent overwrites).
// Both items and the DLQ copy (attribute deadLetteredAt) carry the record's
// `at`: removal deletes only items still written at the `at` it read, and the
// CLI removes only the DLQ copies of that put or older, so a drain that
// dead-letters the message again during a requeue or delete keeps its record
// and its copy (issue 19: the DLQ alarm went silent with a record left).
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeadLetterReason, DeadLetterRecord } from '../../core/model.js';
import { DEAD_LETTERS_COUNTED_AT_MOST, type DeadLetterStore } from '../../core/outcome/ports.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { deadIndexKey, deadSort, deadTextSort, GSI, key, messageKey, PK, SK, SORT } from './dynamo-keys.js';
import { optionalString, queryAll, scanAll, type Item } from './dynamo-query.js';

/** What a dead letter's summary item holds (the one the index lists and the probe counts). */
export const DEAD_SUMMARY_ATTRIBUTES = ['pk', 'sk', 'messageId', 'route', 'reason', 'at', 'objectKey', 'copy', GSI.partitionKey, GSI.sortKey] as const;
/** What its text item holds. */
export const DEAD_TEXT_ATTRIBUTES = ['pk', 'sk', 'messageId', 'route', 'copy', 'at', 'detail', 'notification'] as const;
/** The DLQ copy's message attribute holding its record's `at` (ISO 8601). */
export const DEAD_LETTERED_AT_ATTRIBUTE = 'deadLetteredAt';
/** Keys per BatchGetItem (DynamoDB's limit) and rounds for what it leaves unprocessed. */
const BATCH_GET_MAX = 100;
const BATCH_GET_ROUNDS = 5;

export class DynamoDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly sqs: SQSClient,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async put(record: DeadLetterRecord): Promise<void> {
    const pk = messageKey(record.messageId);
    const { messageId, route, copy } = record;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key(pk, deadTextSort(route, copy)), messageId, route, copy, at: record.at.toISOString(), detail: record.detail, notification: record.notification },
      }),
    );
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(pk, deadSort(route, copy)),
          messageId,
          route,
          reason: record.reason,
          at: record.at.toISOString(),
          objectKey: record.objectKey,
          copy,
          [GSI.partitionKey]: deadIndexKey(route),
          [GSI.sortKey]: record.at.toISOString(),
        },
      }),
    );
    await this.sendToQueue(record);
  }

  async list(route?: string): Promise<DeadLetterRecord[]> {
    const summaries =
      route === undefined
        ? await scanAll(this.doc, {
            TableName: this.tableName,
            IndexName: GSI.name,
            FilterExpression: 'begins_with(#gpk, :dead)',
            ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
            ExpressionAttributeValues: { ':dead': deadIndexKey(undefined) },
          })
        : await queryAll(this.doc, {
            TableName: this.tableName,
            IndexName: GSI.name,
            KeyConditionExpression: '#gpk = :route',
            ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
            ExpressionAttributeValues: { ':route': deadIndexKey(route) },
          });
    const texts = await this.texts(summaries);
    return summaries.map((s) => toRecord(s, texts.get(String(textKeyOf(s))))).sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  /**
   * The route's records, counted on the index (summaries only) up to
   * DEAD_LETTERS_COUNTED_AT_MOST: past that a round would read ever more for
   * the same alarm, so the figure stops there.
   */
  async count(route: string): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI.name,
          KeyConditionExpression: '#gpk = :route',
          ExpressionAttributeNames: { '#gpk': GSI.partitionKey },
          ExpressionAttributeValues: { ':route': deadIndexKey(route) },
          Select: 'COUNT',
          Limit: DEAD_LETTERS_COUNTED_AT_MOST - count,
          ExclusiveStartKey: start,
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start && count < DEAD_LETTERS_COUNTED_AT_MOST);
    return Math.min(count, DEAD_LETTERS_COUNTED_AT_MOST);
  }

  async find(messageId: string): Promise<DeadLetterRecord[]> {
    // Summaries (dead#) and texts (deadtext#) of the message, in one Query of its partition.
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :dead)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId), ':dead': SORT.deadItemsPrefix },
      ConsistentRead: true,
    });
    const texts = new Map(items.filter((i) => String(i[SK]).startsWith(SORT.deadTextPrefix)).map((i) => [String(i[SK]), i]));
    return items.filter((i) => String(i[SK]).startsWith(SORT.deadPrefix)).map((s) => toRecord(s, texts.get(textKeyOf(s).sk)));
  }

  async get(messageId: string, route?: string, copy?: string): Promise<DeadLetterRecord | undefined> {
    if (route === undefined || copy === undefined) return (await this.find(messageId)).find((r) => matches(r, route, copy));
    const read = async (sort: string) =>
      (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(messageKey(messageId), sort), ConsistentRead: true }))).Item;
    const [summary, text] = await Promise.all([read(deadSort(route, copy)), read(deadTextSort(route, copy))]);
    return summary ? toRecord(summary, text) : undefined;
  }

  /**
   * Forgets the record(s): summary first (it no longer counts), then text,
   * each only while it holds the `at` read (a text item written before `at`
   * was kept on it has none). The SQS dead-letter queue copy is removed by the
   * CLI (`requeue`, `delete`), not here.
   */
  async remove(messageId: string, route?: string, copy?: string, writtenAt?: Date): Promise<number> {
    const records = (await this.find(messageId)).filter((r) => matches(r, route, copy) && (writtenAt === undefined || r.at.getTime() === writtenAt.getTime()));
    let removed = 0;
    for (const r of records) {
      const at = r.at.toISOString();
      const summaryGone = await this.deleteIf(messageId, deadSort(r.route, r.copy), '#at = :at', at);
      // The summary changed since it was read: a drain dead-lettered the message again; its record stays whole.
      if (!summaryGone) continue;
      removed += 1;
      await this.deleteIf(messageId, deadTextSort(r.route, r.copy), 'attribute_not_exists(#at) OR #at = :at', at);
    }
    return removed;
  }

  /** Deletes the item if `condition` holds for `at`; false when it did not. */
  private async deleteIf(messageId: string, sort: string, condition: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key(messageKey(messageId), sort),
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
  }

  /** The text items of summaries written after the split (older ones hold their text), by text key. */
  private async texts(summaries: Item[]): Promise<Map<string, Item>> {
    const wanted = summaries.filter((s) => s.notification === undefined).map(textKeyOf);
    const found = new Map<string, Item>();
    for (let at = 0; at < wanted.length; at += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = wanted.slice(at, at + BATCH_GET_MAX).map((k) => ({ [PK]: k.pk, [SK]: k.sk }));
      for (let round = 0; keys.length > 0; round++) {
        if (round >= BATCH_GET_ROUNDS) throw new Error(`dead letters: ${keys.length} texts still unread after ${BATCH_GET_ROUNDS} rounds`);
        const result = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(String(item[SK]) + '\u0000' + String(item[PK]), item);
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  private async sendToQueue(record: DeadLetterRecord): Promise<void> {
    const attributes = {
      reason: { DataType: 'String', StringValue: record.reason },
      messageId: { DataType: 'String', StringValue: record.messageId },
      [DEAD_LETTERED_AT_ATTRIBUTE]: { DataType: 'String', StringValue: record.at.toISOString() },
      ...(record.route ? { route: { DataType: 'String', StringValue: record.route } } : {}),
    };
    const send = (body: string) =>
      this.sqs.send(
        new SendMessageCommand({ QueueUrl: this.deadLetterQueueUrl, MessageBody: body, MessageAttributes: attributes }),
      );
    // SQS refuses empty bodies and some control characters, which a malformed
    // notification may have: then send the record as JSON, which escapes them.
    if (record.notification === '') {
      await send(envelopeOf(record));
      return;
    }
    try {
      await send(record.notification);
    } catch (error) {
      if (!isAwsError(error, 'InvalidMessageContents')) throw error;
      await send(envelopeOf(record));
    }
  }
}

function envelopeOf(record: DeadLetterRecord): string {
  return JSON.stringify({ deadLetter: { ...record, at: record.at.toISOString() } });
}

function matches(record: DeadLetterRecord, route: string | undefined, copy: string | undefined): boolean {
  if (route !== undefined && (record.route ?? '') !== route) return false;
  return copy === undefined || (record.copy ?? '') === copy;
}

/** Where a summary's text item is: its sort key, and the map key texts() uses. */
function textKeyOf(summary: Item): { pk: string; sk: string; toString(): string } {
  const pk = String(summary[PK]);
  const sk = deadTextSort(optionalString(summary.route), optionalString(summary.copy));
  return { pk, sk, toString: () => `${sk}\u0000${pk}` };
}

/** A record from its summary and text items (an item written before the split holds both). */
function toRecord(summary: Item, text?: Item): DeadLetterRecord {
  const source = summary.notification !== undefined ? summary : (text ?? {});
  const record: DeadLetterRecord = {
    messageId: String(summary.messageId),
    reason: summary.reason as DeadLetterReason,
    detail: String(source.detail ?? ''),
    at: new Date(String(summary.at)),
    notification: String(source.notification ?? ''),
  };
  const route = optionalString(summary.route);
  if (route !== undefined) record.route = route;
  const objectKey = optionalString(summary.objectKey);
  if (objectKey !== undefined) record.objectKey = objectKey;
  const copy = optionalString(summary.copy);
  if (copy !== undefined) record.copy = copy;
  return record;
}
