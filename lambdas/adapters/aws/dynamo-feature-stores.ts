// DynamoDB adapters of the feature ports (core/accept, outcome, operator and sweep ports.ts), in the one
// state table:
//   trigger#<name> / gate           last accepted "I'm back" call: when, and its signed timestamp
//                                   (its own partition: the trigger may write nothing else)
//   env#<route>#<YYYY-MM-DD> / <ISO receivedAt>#<id>#<copy>   archived envelope, TTL = bucket retention
//   msg#<id> / delay#<route>#<copy> the delay warning of one copy of the message
//                                   (delay#<route>: one sent before copies were kept)
// Envelopes are partitioned per route and UTC day, so a time window is a few
// Queries and no Scan, and no partition holds more than one day of one route.
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ArchivedEnvelope, EnvelopeArchive } from '../../core/accept/ports.js';
import type { DelayNoticeRecord, DelayNotices } from '../../core/outcome/ports.js';
import type { GateAnswer, TriggerGate } from '../../core/operator/ports.js';
import { ENVELOPE_KEY_PREFIX } from '../../config/table-layout.js';
import { expiresAtFor, key, messageKey, PK, SK, triggerKey, TTL } from './dynamo-keys.js';
import { conditionalPut, queryAll } from './dynamo-query.js';

const DAY_MS = 86_400_000;

export const envelopePartition = (route: string, day: Date) => `${ENVELOPE_KEY_PREFIX}${route}#${day.toISOString().slice(0, 10)}`;
const delaySort = (route: string, copy?: string) => (copy ? `delay#${route}#${copy}` : `delay#${route}`);

const GATE_SORT = 'gate';

export class DynamoTriggerGate implements TriggerGate {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async claim(route: string, timestamp: number, now: Date, minIntervalSeconds: number): Promise<GateAnswer> {
    const before = new Date(now.getTime() - minIntervalSeconds * 1000).toISOString();
    const passed = await conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: { ...key(triggerKey(route), GATE_SORT), route, at: now.toISOString(), timestamp },
      // ISO-8601 UTC strings of one width compare in time order.
      ConditionExpression: 'attribute_not_exists(#pk) OR (#at <= :before AND #ts < :ts)',
      ExpressionAttributeNames: { '#pk': PK, '#at': 'at', '#ts': 'timestamp' },
      ExpressionAttributeValues: { ':before': before, ':ts': timestamp },
    });
    if (passed) return { passed: true };
    // Refused: read the item only to say why (only an authenticated call gets here).
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(triggerKey(route), GATE_SORT), ConsistentRead: true }));
    const at = typeof Item?.at === 'string' ? Date.parse(Item.at) : Number.NaN;
    if (at > Date.parse(before)) return { passed: false, why: 'too-soon', retryAfterSeconds: Math.max(1, Math.ceil((at + minIntervalSeconds * 1000 - now.getTime()) / 1000)) };
    return { passed: false, why: 'not-newer' };
  }
}

/** Every attribute of an archived envelope: all accept may write under `env#` (IAM dynamodb:Attributes). */
export const ENVELOPE_ATTRIBUTES = [PK, SK, 'messageId', 'route', 'receivedAt', 'notification', 'copy', TTL] as const;

export class DynamoEnvelopeArchive implements EnvelopeArchive {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async keep(envelope: ArchivedEnvelope, expiresAt: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(envelopePartition(envelope.route, envelope.receivedAt), `${envelope.receivedAt.toISOString()}#${envelope.messageId}${envelope.copy ? `#${envelope.copy}` : ''}`),
          messageId: envelope.messageId,
          route: envelope.route,
          receivedAt: envelope.receivedAt.toISOString(),
          notification: envelope.notification,
          copy: envelope.copy,
          [TTL]: Math.floor(expiresAt.getTime() / 1000),
        },
      }),
    );
  }

  async list(route: string, since: Date, until: Date): Promise<ArchivedEnvelope[]> {
    const found: ArchivedEnvelope[] = [];
    if (since >= until) return found; // DynamoDB refuses BETWEEN with bounds the wrong way round
    const firstDay = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
    for (let day = firstDay; day < until.getTime(); day += DAY_MS) {
      const items = await queryAll(this.doc, {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': envelopePartition(route, new Date(day)), ':from': since.toISOString(), ':to': `${until.toISOString()}` },
        ConsistentRead: true,
      });
      for (const item of items) {
        const receivedAt = new Date(String(item.receivedAt));
        if (receivedAt < since || receivedAt >= until) continue;
        found.push({ messageId: String(item.messageId), route, receivedAt, notification: String(item.notification), ...(typeof item.copy === 'string' ? { copy: item.copy } : {}) });
      }
    }
    return found;
  }
}

export class DynamoDelayNotices implements DelayNotices {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async claim(record: DelayNoticeRecord): Promise<boolean> {
    return conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: {
        ...key(messageKey(record.messageId), delaySort(record.route, record.copy)),
        messageId: record.messageId,
        route: record.route,
        ...(record.copy ? { copy: record.copy } : {}),
        at: record.at.toISOString(),
        recipients: record.recipients,
        [TTL]: expiresAtFor(record.at) + 30 * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    });
  }

  async release(messageId: string, route: string, copy?: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(messageKey(messageId), delaySort(route, copy)) }));
  }

  async get(messageId: string, route: string, copy?: string): Promise<DelayNoticeRecord | undefined> {
    if (!copy) {
      const all = await this.find(messageId, route);
      return all.find((r) => r.copy === undefined) ?? all[0];
    }
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(messageKey(messageId), delaySort(route, copy)), ConsistentRead: true }));
    return Item ? toDelayNotice(Item) : undefined;
  }

  /** One Query of the message's partition; the route attribute tells "a" from "ab" (both sort under delay#a). */
  async find(messageId: string, route: string): Promise<DelayNoticeRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId), ':prefix': delaySort(route) },
      ConsistentRead: true,
    });
    return items.filter((item) => item.route === route).map(toDelayNotice);
  }
}

function toDelayNotice(item: Record<string, unknown>): DelayNoticeRecord {
  return {
    messageId: String(item.messageId),
    route: String(item.route),
    ...(typeof item.copy === 'string' && item.copy ? { copy: item.copy } : {}),
    at: new Date(String(item.at)),
    recipients: Array.isArray(item.recipients) ? item.recipients.map(String) : [],
  };
}
