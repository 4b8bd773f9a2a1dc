// The trigger's HMAC key in the state table (dynalite): created once by
// `trigger-url`, or imported from the key a primary already holds (an earlier
// version's secret); read by the trigger with a cache, a missing key asked
// again only after a minute (a flood of well-formed calls costs one read a
// minute), a damaged one refused without echoing it.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoTriggerKey,
  TRIGGER_KEY_ABSENT_CACHE_MS,
  TRIGGER_KEY_CACHE_MS,
  TRIGGER_KEY_ITEM,
  TriggerKeyMissingError,
} from '../../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});
beforeEach(async () => {
  await env.clients.doc.send(new DeleteCommand({ TableName: env.resources.tableName, Key: TRIGGER_KEY_ITEM }));
});

const stored = async () => (await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: TRIGGER_KEY_ITEM }))).Item;

describe('DynamoTriggerKey (dynalite)', () => {
  it('getOrCreate makes one 64-hex key under trigger#key / hmac with only its attributes, and gives the same one after', async () => {
    const keys = new DynamoTriggerKey(env.clients.doc, env.resources.tableName);
    const first = await keys.getOrCreate();
    expect(first.created).toBe(true);
    expect(first.key).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys((await stored())!).sort()).toEqual(['createdAt', 'key', 'pk', 'sk']);
    const again = await new DynamoTriggerKey(env.clients.doc, env.resources.tableName).getOrCreate();
    expect(again).toEqual({ key: first.key, created: false });
  });

  it('imports the key a primary holds when none exists, and never overwrites another', async () => {
    const keys = new DynamoTriggerKey(env.clients.doc, env.resources.tableName);
    const old = 'OldSecretsManagerKey0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH';
    expect(await keys.importKey(`${old}\n`)).toBe('stored');
    expect((await stored())!.key).toBe(old);
    expect(await keys.importKey(old)).toBe('same');
    expect(await keys.importKey('another-key-of-enough-length')).toBe('different');
    expect((await stored())!.key).toBe(old);
    await expect(keys.importKey('short')).rejects.toThrow(/cannot be imported/);
  });

  it('secret(): a missing key rejects with the fix, and is asked again only after a minute; then the key is kept five minutes', async () => {
    let now = Date.parse('2026-01-05T10:00:00Z');
    const keys = new DynamoTriggerKey(env.clients.doc, env.resources.tableName, () => now);
    await expect(keys.secret()).rejects.toThrow(TriggerKeyMissingError);
    await expect(keys.secret()).rejects.toThrow(/run `npx backup-mx trigger-url`/);
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...TRIGGER_KEY_ITEM, key: 'k'.repeat(64) } }));
    now += TRIGGER_KEY_ABSENT_CACHE_MS - 1_000;
    await expect(keys.secret()).rejects.toThrow(TriggerKeyMissingError); // still the cached answer
    now += 2_000;
    await expect(keys.secret()).resolves.toBe('k'.repeat(64));
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...TRIGGER_KEY_ITEM, key: 'n'.repeat(64) } }));
    now += TRIGGER_KEY_CACHE_MS - 1_000;
    await expect(keys.secret()).resolves.toBe('k'.repeat(64));
    now += 2_000;
    await expect(keys.secret()).resolves.toBe('n'.repeat(64)); // a changed key is picked up
  });

  it('a damaged item is refused without echoing its text', async () => {
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...TRIGGER_KEY_ITEM, key: 'tiny-key' } }));
    const error = await new DynamoTriggerKey(env.clients.doc, env.resources.tableName).secret().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/damaged/);
    expect((error as Error).message).not.toContain('tiny-key');
  });
});
