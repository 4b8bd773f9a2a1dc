// The recipient push's replay gate: `recipients#<route>` / `push-gate`, the
// signed timestamp of the route's last accepted push. A conditional update
// (the push function may only GetItem/UpdateItem under recipients#) takes a
// timestamp only when it is newer, so a captured push is worthless once used.
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PushGate } from '../../core/recipients/ports.js';
import { RECIPIENTS_KEY_PREFIX } from '../../config/table-layout.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { key } from './dynamo-keys.js';

export const PUSH_GATE_SORT = 'push-gate';

export class DynamoPushGate implements PushGate {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async claim(route: string, timestamp: number, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(`${RECIPIENTS_KEY_PREFIX}${route}`, PUSH_GATE_SORT),
          UpdateExpression: 'SET #ts = :ts, #at = :at',
          ConditionExpression: 'attribute_not_exists(#ts) OR #ts < :ts',
          ExpressionAttributeNames: { '#ts': 'timestamp', '#at': 'at' },
          ExpressionAttributeValues: { ':ts': timestamp, ':at': now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
  }
}
