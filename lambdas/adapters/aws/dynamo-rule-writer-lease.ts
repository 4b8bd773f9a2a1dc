// The rule writer's lease on DynamoDB: `rulewriter#<rule set>` / `lease`, one
// item per rule set, taken by a conditional update (free, expired, or already
// this owner's) and released by a conditional update removing the holder (only
// this owner's). Its own partition, not recipients#: the public push function
// may write that one, and must not be able to hold or break the writers' lease.
//
// The item also carries what the deploy leaves for push writers: a mark while
// it waits (`deployWaitingUntil`: no push's writer takes the lease before it
// passes) and the route table's digest it was deployed with
// (`routeTableDigest`, recorded when it takes the lease). Both outlive a
// release, so the item is kept (one small item per rule set, no TTL).
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeaseAnswer, LeaseClaim, RuleWriterLease } from '../../core/recipients/ports.js';
import { RULE_WRITER_KEY_PREFIX, TABLE_LAYOUT } from '../../config/table-layout.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import { key } from './dynamo-keys.js';

export const RULE_WRITER_LEASE_SORT = 'lease';

interface LeaseItem {
  owner?: string;
  until?: number;
  deployWaitingUntil?: number;
  routeTableDigest?: string;
}

const WAITING = 'deployWaitingUntil';
const DIGEST = 'routeTableDigest';

export class DynamoRuleWriterLease implements RuleWriterLease {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ruleSetName: string,
  ) {}

  async acquire(owner: string, now: Date, until: Date, claim: LeaseClaim): Promise<LeaseAnswer> {
    const free = '(attribute_not_exists(#owner) OR #owner = :owner OR #until <= :now)';
    const deploy = claim.as === 'deploy';
    // The deploy records its route table (or removes a record it cannot replace) and ends its mark;
    // a push's writer takes the lease only while no deploy's mark lives. A TTL left by an older version is removed.
    const set = ['#owner = :owner', '#until = :until', ...(deploy && claim.routeTableDigest ? ['#digest = :digest'] : [])];
    const remove = ['#ttl', ...(deploy ? ['#waiting'] : []), ...(deploy && !claim.routeTableDigest ? ['#digest'] : [])];
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(),
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          ConditionExpression: deploy ? free : `${free} AND (attribute_not_exists(#waiting) OR #waiting <= :now)`,
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until', '#ttl': TABLE_LAYOUT.ttlAttribute, '#waiting': WAITING, ...(deploy ? { '#digest': DIGEST } : {}) },
          ExpressionAttributeValues: { ':owner': owner, ':until': until.getTime(), ':now': now.getTime(), ...(deploy && claim.routeTableDigest ? { ':digest': claim.routeTableDigest } : {}) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const digest = (out.Attributes as LeaseItem | undefined)?.routeTableDigest;
      return { taken: true, ...(digest ? { routeTableDigest: digest } : {}) };
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
    }
    if (deploy) await this.markDeployWaiting(claim.waitUntil);
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key(), ConsistentRead: true }));
    const item = out.Item as LeaseItem | undefined;
    const holder = item?.owner !== undefined && item.until !== undefined ? { owner: item.owner, until: new Date(item.until) } : { owner: 'none (released)', until: now };
    // Released between the two calls: free now, the next try takes it (unless a deploy waits).
    const waiting = !deploy && item?.deployWaitingUntil !== undefined && item.deployWaitingUntil > now.getTime() ? { deployWaitingUntil: new Date(item.deployWaitingUntil) } : {};
    return { taken: false, holder, ...waiting };
  }

  async release(owner: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(),
          UpdateExpression: 'REMOVE #owner, #until',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner', '#until': 'until' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error; // expired and taken by another meanwhile: theirs now
    }
  }

  /** The deploy found the lease taken: push writers leave it alone until `until` (the end of the deploy's wait). */
  private async markDeployWaiting(until: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(),
        UpdateExpression: 'SET #waiting = :waiting',
        ExpressionAttributeNames: { '#waiting': WAITING },
        ExpressionAttributeValues: { ':waiting': until.getTime() },
      }),
    );
  }

  private key() {
    return key(`${RULE_WRITER_KEY_PREFIX}${this.ruleSetName}`, RULE_WRITER_LEASE_SORT);
  }
}
