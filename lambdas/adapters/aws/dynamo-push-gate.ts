// The recipient push's gate: `recipients#<route>` / `push-gate`, the signed
// timestamp of the route's last push let through and when (our clock). One
// conditional update (the push function may only GetItem/UpdateItem under
// recipients#) takes a push only when its timestamp is newer, so a captured
// push is worthless once used, and when the last one was let through at least
// the interval ago, so one route's key cannot keep the account's SES rule API
// busy (each stored list makes the rule writer call SES).
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PushGate, PushGateAnswer } from '../../core/recipients/ports.js';
import { RECIPIENTS_KEY_PREFIX } from '../../config/table-layout.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { key } from './dynamo-keys.js';

export const PUSH_GATE_SORT = 'push-gate';

export class DynamoPushGate implements PushGate {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async claim(route: string, timestamp: number, now: Date, minIntervalSeconds: number): Promise<PushGateAnswer> {
    const before = new Date(now.getTime() - minIntervalSeconds * 1000).toISOString();
    const itemKey = key(`${RECIPIENTS_KEY_PREFIX}${route}`, PUSH_GATE_SORT);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey,
          UpdateExpression: 'SET #ts = :ts, #at = :at',
          // ISO-8601 UTC strings of one width compare in time order.
          ConditionExpression: 'attribute_not_exists(#ts) OR (#ts < :ts AND (attribute_not_exists(#at) OR #at <= :before))',
          ExpressionAttributeNames: { '#ts': 'timestamp', '#at': 'at' },
          ExpressionAttributeValues: { ':ts': timestamp, ':at': now.toISOString(), ':before': before },
        }),
      );
      return { passed: true };
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
    // Refused: read the item only to say why (only an authenticated call gets here).
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }));
    if (typeof Item?.timestamp !== 'number' || Item.timestamp >= timestamp) return { passed: false, why: 'replay' };
    const at = typeof Item.at === 'string' ? Date.parse(Item.at) : Number.NaN;
    return { passed: false, why: 'too-soon', retryAfterSeconds: Math.max(1, Math.ceil(((Number.isNaN(at) ? now.getTime() : at) + minIntervalSeconds * 1000 - now.getTime()) / 1000)) };
  }
}
