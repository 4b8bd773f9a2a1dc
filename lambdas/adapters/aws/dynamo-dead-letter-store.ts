// Dead letters: a record in DynamoDB (`msg#<id>` / `dead#<route>#<copy>`, listed
// per route by the byRoute index; keyed by route too because SES gives a message
// matched by two routes the same id in both, and by copy because a route split
// over several receipt rules gets one notification per rule) and the notification on the DLQ, whose depth alarm tells
// a person. The record is written first; if the DLQ send then fails, the error
// surfaces and the caller leaves the message on its queue to try again (the
// put is an idempotent overwrite).
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeadLetterReason, DeadLetterRecord } from '../../core/model.js';
import type { DeadLetterStore } from '../../core/ports.js';
import { isAwsError } from './aws-errors.js';
import { deadIndexKey, deadSort, GSI, key, messageKey, PK, SK, SORT } from './dynamo-keys.js';
import { optionalString, queryAll, scanAll, type Item } from './dynamo-query.js';

export class DynamoDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly sqs: SQSClient,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async put(record: DeadLetterRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(messageKey(record.messageId), deadSort(record.route, record.copy)),
          messageId: record.messageId,
          route: record.route,
          reason: record.reason,
          detail: record.detail,
          at: record.at.toISOString(),
          notification: record.notification,
          objectKey: record.objectKey,
          copy: record.copy,
          [GSI.partitionKey]: deadIndexKey(record.route),
          [GSI.sortKey]: record.at.toISOString(),
        },
      }),
    );
    await this.sendToQueue(record);
  }

  async list(route?: string): Promise<DeadLetterRecord[]> {
    const items =
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
    return items.map(toRecord).sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  async find(messageId: string): Promise<DeadLetterRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :dead)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId), ':dead': SORT.deadPrefix },
      ConsistentRead: true,
    });
    return items.map(toRecord);
  }

  async get(messageId: string, route?: string, copy?: string): Promise<DeadLetterRecord | undefined> {
    if (route === undefined || copy === undefined) return (await this.find(messageId)).find((r) => matches(r, route, copy));
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(messageKey(messageId), deadSort(route, copy)), ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /** Forgets the record(s). The SQS dead-letter queue copy is removed by the CLI (`requeue`, `delete`), not here. */
  async remove(messageId: string, route?: string, copy?: string): Promise<void> {
    const sorts = (await this.find(messageId)).filter((r) => matches(r, route, copy)).map((r) => deadSort(r.route, r.copy));
    for (const sort of sorts) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(messageKey(messageId), sort) }));
    }
  }

  private async sendToQueue(record: DeadLetterRecord): Promise<void> {
    const attributes = {
      reason: { DataType: 'String', StringValue: record.reason },
      messageId: { DataType: 'String', StringValue: record.messageId },
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

function toRecord(item: Item): DeadLetterRecord {
  const record: DeadLetterRecord = {
    messageId: String(item.messageId),
    reason: item.reason as DeadLetterReason,
    detail: String(item.detail ?? ''),
    at: new Date(String(item.at)),
    notification: String(item.notification ?? ''),
  };
  const route = optionalString(item.route);
  if (route !== undefined) record.route = route;
  const objectKey = optionalString(item.objectKey);
  if (objectKey !== undefined) record.objectKey = objectKey;
  const copy = optionalString(item.copy);
  if (copy !== undefined) record.copy = copy;
  return record;
}
