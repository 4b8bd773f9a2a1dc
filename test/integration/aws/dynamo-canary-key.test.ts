import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCanaryKey } from '../../../lambdas/adapters/aws/dynamo-canary-key.js';
import { canaryKeyContract } from '../../contracts/canary-key.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoCanaryKey (dynalite)', () => {
  canaryKeyContract(async () => {
    const name = `k${env.unique()}`;
    const { doc } = env.clients;
    const table = env.resources.tableName;
    return { subject: { first: new DynamoCanaryKey(doc, table, name), second: new DynamoCanaryKey(doc, table, name) }, cleanup: async () => {} };
  });

  it('keeps the key under canary#<name> with only its attributes', async () => {
    const name = `k${env.unique()}`;
    const key = await new DynamoCanaryKey(env.clients.doc, env.resources.tableName, name).getOrCreate();
    const { Item } = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: { pk: `canary#${name}`, sk: 'key' } }));
    expect(Object.keys(Item!).sort()).toEqual(['createdAt', 'key', 'pk', 'sk']);
    expect(Buffer.from(Item!.key as string, 'base64')).toEqual(key);
  });

  it('refuses a damaged item rather than use a short key', async () => {
    const name = `k${env.unique()}`;
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { pk: `canary#${name}`, sk: 'key', key: 'c2hvcnQ=' } }));
    await expect(new DynamoCanaryKey(env.clients.doc, env.resources.tableName, name).get()).rejects.toThrow(/damaged \(5 bytes, expected 32\)/);
  });
});
