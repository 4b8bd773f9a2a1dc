// The canary's HMAC key in the state table: `canary#key` / `key`, 32 random
// bytes (base64), created by the first canary the stack sends and never
// changed. Only the canary function may write the `canary#` partition; accept
// and the drain read it (lib/constructs/table-access.ts). Not in the template
// nor the environment: whoever can read those cannot forge a canary.
import { randomBytes } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CanaryKeys } from '../../core/canary/canary-ports.js';
import { CANARY_KEY_PREFIX } from '../../config/table-layout.js';
import { key, PK, SK } from './dynamo-keys.js';
import { conditionalPut } from './dynamo-query.js';

export const CANARY_KEY_BYTES = 32;
/** Every attribute of the key item: all the canary function may write (IAM dynamodb:Attributes). */
export const CANARY_KEY_ATTRIBUTES = [PK, SK, 'key', 'createdAt'] as const;
const SORT = 'key';

export class DynamoCanaryKey implements CanaryKeys {
  private readonly itemKey: Record<string, string>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The item's name under `canary#` (tests give each their own). */
    name = 'key',
    private readonly random: () => Buffer = () => randomBytes(CANARY_KEY_BYTES),
  ) {
    this.itemKey = key(`${CANARY_KEY_PREFIX}${name}`, SORT);
  }

  async get(): Promise<Buffer | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.itemKey, ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const value = typeof Item.key === 'string' ? Buffer.from(Item.key, 'base64') : Buffer.alloc(0);
    // A damaged item must not become a short (guessable) key.
    if (value.length !== CANARY_KEY_BYTES) throw new Error(`the canary key item ${this.itemKey.pk} is damaged (${value.length} bytes, expected ${CANARY_KEY_BYTES}); delete it and the next canary creates a new one`);
    return value;
  }

  async getOrCreate(): Promise<Buffer> {
    const existing = await this.get();
    if (existing) return existing;
    const fresh = this.random();
    const created = await conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: { ...this.itemKey, key: fresh.toString('base64'), createdAt: new Date().toISOString() },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    });
    if (created) return fresh;
    // Another sender created it first: use theirs.
    const theirs = await this.get();
    if (!theirs) throw new Error(`the canary key item ${this.itemKey.pk} vanished while it was being created`);
    return theirs;
  }
}
