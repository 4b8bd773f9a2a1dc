// The "I'm back" trigger's HMAC key in the state table: `trigger#key` /
// `hmac`, 64 hex characters (what the primary's hook passes to `openssl
// -hmac`). Created once, by `backup-mx trigger-url` (the operator's
// credentials: getOrCreate or importKey, both conditional puts), and read by
// the trigger function, which owns the `trigger#` partition. Kept with the
// table (RetainExceptOnCreate), so a redeploy does not change it; no Secrets
// Manager secret ($0.40 a month) unless trigger.keySecretName names one.
import { randomBytes } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TriggerKey } from '../../core/operator/ports.js';
import { TRIGGER_KEY_PREFIX } from '../../config/table-layout.js';
import { key, PK, SK } from './dynamo-keys.js';
import { conditionalPut } from './dynamo-query.js';

/** The key item (a route named "key" has its gate at `trigger#key` / `gate`: another sort key). */
export const TRIGGER_KEY_ITEM = { [PK]: `${TRIGGER_KEY_PREFIX}key`, [SK]: 'hmac' } as const;
/** Every attribute of the key item. */
export const TRIGGER_KEY_ATTRIBUTES = [PK, SK, 'key', 'createdAt'] as const;
/** The shortest key the trigger accepts (as for a key in Secrets Manager). */
export const TRIGGER_KEY_MIN_LENGTH = 16;
/** A read key is kept this long (a changed key is picked up within it; a burst of calls costs one read). */
export const TRIGGER_KEY_CACHE_MS = 300_000;
/** No key yet: asked again after this long, so a flood of well-formed calls costs one read a minute. */
export const TRIGGER_KEY_ABSENT_CACHE_MS = 60_000;

export class TriggerKeyMissingError extends Error {
  constructor() {
    super('the trigger has no key yet (state table item trigger#key): run `npx backup-mx trigger-url`, which creates it, and put the key on the primary (README: "I\'m back" trigger, Upgrading)');
    this.name = 'TriggerKeyMissingError';
  }
}

export class TriggerKeyDamagedError extends Error {
  constructor(problem: string) {
    super(`the trigger key item trigger#key ${problem}`);
    this.name = 'TriggerKeyDamagedError';
  }
}

/** A fresh key: 32 random bytes as 64 hex characters (safe in a shell, a file and `openssl -hmac`). */
export function newTriggerKey(random: () => Buffer = () => randomBytes(32)): string {
  return random().toString('hex');
}

export class DynamoTriggerKey implements TriggerKey {
  private cached?: { at: number; value: Promise<string> };
  /** The item read and created; the recipient push key (dynamo-push-key.ts) names its own, and its own errors. */
  protected readonly item: { readonly [PK]: string; readonly [SK]: string } = TRIGGER_KEY_ITEM;
  protected missing(): Error {
    return new TriggerKeyMissingError();
  }
  protected damaged(problem: string): Error {
    return new TriggerKeyDamagedError(problem);
  }
  /** The command that makes a new key, for the damaged key's message. */
  protected readonly remedy: string = 'npx backup-mx trigger-url';

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now = () => Date.now(),
  ) {}

  /** The key, cached; rejects with TriggerKeyMissingError while none exists (that answer is kept a minute). */
  secret(): Promise<string> {
    const cached = this.cached;
    if (cached) {
      const age = this.now() - cached.at;
      if (age <= TRIGGER_KEY_CACHE_MS) return cached.value;
    }
    let absent = false;
    const value = this.read().then((found) => {
      if (found === undefined) {
        absent = true;
        throw this.missing();
      }
      return found;
    });
    const entry = { at: this.now(), value };
    value.catch((error: unknown) => {
      if (this.cached !== entry) return;
      // A missing key is asked again after a minute; any other failure at the next call.
      if (absent) this.cached = { at: entry.at - TRIGGER_KEY_CACHE_MS + TRIGGER_KEY_ABSENT_CACHE_MS, value };
      else this.cached = undefined;
    });
    this.cached = entry;
    return value;
  }

  /** The stored key, or undefined when none exists. Never echoes a damaged key's text. */
  async read(): Promise<string | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.item, ConsistentRead: true }));
    if (Item === undefined) return undefined;
    const text = typeof Item.key === 'string' ? Item.key : '';
    if (text.length < TRIGGER_KEY_MIN_LENGTH) throw this.damaged(`is damaged (shorter than ${TRIGGER_KEY_MIN_LENGTH} characters): delete it and run \`${this.remedy}\` for a new one`);
    return text;
  }

  /** The stored key, creating a fresh one first when none exists. `created` says which. */
  async getOrCreate(random?: () => Buffer): Promise<{ key: string; created: boolean }> {
    const existing = await this.read();
    if (existing !== undefined) return { key: existing, created: false };
    const fresh = newTriggerKey(random);
    if (await this.put(fresh)) return { key: fresh, created: true };
    const theirs = await this.read();
    if (theirs === undefined) throw this.damaged('vanished while it was being created: run the command again');
    return { key: theirs, created: false };
  }

  /**
   * Stores `value` (the key a primary already holds: an earlier version's
   * Secrets Manager secret) unless a key exists: 'stored', 'same' (that key is
   * already there) or 'different' (another key is there; nothing changed).
   */
  async importKey(value: string): Promise<'stored' | 'same' | 'different'> {
    const text = value.trim();
    if (text.length < TRIGGER_KEY_MIN_LENGTH || /\s/.test(text)) throw this.damaged(`cannot be imported: the key given is shorter than ${TRIGGER_KEY_MIN_LENGTH} characters or holds white space`);
    if (await this.put(text)) return 'stored';
    return (await this.read()) === text ? 'same' : 'different';
  }

  private put(text: string): Promise<boolean> {
    return conditionalPut(this.doc, {
      TableName: this.tableName,
      Item: { ...key(this.item[PK], this.item[SK]), key: text, createdAt: new Date(this.now()).toISOString() },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    });
  }
}
