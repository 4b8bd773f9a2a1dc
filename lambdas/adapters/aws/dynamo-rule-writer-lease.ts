// The rule writer's lease on DynamoDB: `rulewriter#<rule set>` / `lease`, one
// item per rule set, taken by a conditional update (free, expired, or already
// this owner's) and released by a conditional delete (only this owner's). Its
// own partition, not recipients#: the public push function may write that one,
// and must not be able to hold or break the writers' lease.
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeaseHolder, RuleWriterLease } from '../../core/recipients/ports.js';
import { RULE_WRITER_KEY_PREFIX, TABLE_LAYOUT } from '../../config/table-layout.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { key } from './dynamo-keys.js';

export const RULE_WRITER_LEASE_SORT = 'lease';
/** DynamoDB's TTL removes a lease left behind a day after it expired (the condition, not TTL, decides who holds it). */
const KEEP_EXPIRED_SECONDS = 86_400;

export class DynamoRuleWriterLease implements RuleWriterLease {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ruleSetName: string,
  ) {}

  async acquire(owner: string, now: Date, until: Date): Promise<{ taken: true } | { taken: false; holder: LeaseHolder }> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(),
          UpdateExpression: 'SET #owner = :owner, #until = :until, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :owner OR #until <= :now',
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until', '#ttl': TABLE_LAYOUT.ttlAttribute },
          ExpressionAttributeValues: { ':owner': owner, ':until': until.getTime(), ':now': now.getTime(), ':ttl': Math.floor(until.getTime() / 1000) + KEEP_EXPIRED_SECONDS },
        }),
      );
      return { taken: true };
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(), ConsistentRead: true }));
    const item = out.Item as { owner?: string; until?: number } | undefined;
    // Released between the two calls: free now, the next try takes it.
    return { taken: false, holder: { owner: item?.owner ?? 'none (released)', until: new Date(item?.until ?? now.getTime()) } };
  }

  async release(owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error; // expired and taken by another meanwhile: theirs now
    }
  }

  private key() {
    return key(`${RULE_WRITER_KEY_PREFIX}${this.ruleSetName}`, RULE_WRITER_LEASE_SORT);
  }
}
