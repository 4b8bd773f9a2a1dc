// The recipient push's stack key in the state table (dynalite): an item of
// its own (pushkey#recipients / hmac), created once by `recipients
// push-command`, never the trigger's key nor derived from it, and read as
// the trigger's is (cached; a missing one asked again after a minute; a
// damaged one refused without echoing it), each error naming its own fix.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoPushKey, PushKeyDamagedError, PushKeyMissingError, RECIPIENT_PUSH_KEY_ITEM } from '../../../lambdas/adapters/aws/dynamo-push-key.js';
import { DynamoTriggerKey, TRIGGER_KEY_ABSENT_CACHE_MS, TRIGGER_KEY_ITEM } from '../../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { RECIPIENTS_KEY_PREFIX, TRIGGER_KEY_PREFIX } from '../../../lambdas/config/table-layout.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(async () => {
  for (const Key of [RECIPIENT_PUSH_KEY_ITEM, TRIGGER_KEY_ITEM]) await env.clients.doc.send(new DeleteCommand({ TableName: env.resources.tableName, Key }));
});

const item = async (Key: Record<string, string>) => (await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key }))).Item;

describe('DynamoPushKey (dynalite)', () => {
  it('lives in a partition of its own: neither trigger# (the trigger reads it) nor recipients# (the push writes there; a route may be named "key")', () => {
    expect(RECIPIENT_PUSH_KEY_ITEM.pk.startsWith(TRIGGER_KEY_PREFIX)).toBe(false);
    expect(RECIPIENT_PUSH_KEY_ITEM.pk.startsWith(RECIPIENTS_KEY_PREFIX)).toBe(false);
  });

  it('getOrCreate makes its own 64-hex key with only the key attributes, another than the trigger key, and touches no trigger item', async () => {
    const trigger = await new DynamoTriggerKey(env.clients.doc, env.resources.tableName).getOrCreate();
    const push = await new DynamoPushKey(env.clients.doc, env.resources.tableName).getOrCreate();
    expect(push.created).toBe(true);
    expect(push.key).toMatch(/^[0-9a-f]{64}$/);
    expect(push.key).not.toBe(trigger.key);
    expect(Object.keys((await item(RECIPIENT_PUSH_KEY_ITEM))!).sort()).toEqual(['createdAt', 'key', 'pk', 'sk']);
    expect((await item(TRIGGER_KEY_ITEM))!.key).toBe(trigger.key);
    expect(await new DynamoPushKey(env.clients.doc, env.resources.tableName).getOrCreate()).toEqual({ key: push.key, created: false });
    await expect(new DynamoPushKey(env.clients.doc, env.resources.tableName).secret()).resolves.toBe(push.key);
  });

  it('with only the trigger key stored, secret() rejects naming push-command, and asks again only after a minute', async () => {
    await new DynamoTriggerKey(env.clients.doc, env.resources.tableName).getOrCreate();
    let now = Date.parse('2026-01-05T10:00:00Z');
    const keys = new DynamoPushKey(env.clients.doc, env.resources.tableName, () => now);
    const error = await keys.secret().catch((e: Error) => e);
    expect(error).toBeInstanceOf(PushKeyMissingError);
    expect((error as Error).message).toMatch(/pushkey#recipients.*`npx backup-mx recipients push-command`/);
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...RECIPIENT_PUSH_KEY_ITEM, key: 'p'.repeat(64) } }));
    now += TRIGGER_KEY_ABSENT_CACHE_MS - 1_000;
    await expect(keys.secret()).rejects.toThrow(PushKeyMissingError); // the cached answer
    now += 2_000;
    await expect(keys.secret()).resolves.toBe('p'.repeat(64));
  });

  it('a damaged item is refused with its own fix, without echoing its text', async () => {
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...RECIPIENT_PUSH_KEY_ITEM, key: 'tiny-key' } }));
    const error = await new DynamoPushKey(env.clients.doc, env.resources.tableName).secret().catch((e: Error) => e);
    expect(error).toBeInstanceOf(PushKeyDamagedError);
    expect((error as Error).message).toMatch(/pushkey#recipients is damaged.*recipients push-command/);
    expect((error as Error).message).not.toContain('tiny-key');
  });
});
