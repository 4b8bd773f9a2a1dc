import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHeldNotices, DynamoNoticeBudget } from '../../../lambdas/adapters/aws/dynamo-notice-stores.js';
import { noticeStoresContract } from '../../contracts/notice-stores.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoDB notice stores (dynalite)', () => {
  noticeStoresContract(async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    return { subject: { budget: new DynamoNoticeBudget(doc, table), held: new DynamoHeldNotices(doc, table) }, cleanup: async () => {} };
  });
});

describe('DynamoNoticeBudget items', () => {
  it('keeps its counter under notices#<route>, apart from the route# items the trigger may write, and lets TTL remove it two days after its hour', async () => {
    const { doc } = env.clients;
    const route = `r${env.unique()}`.toLowerCase();
    await new DynamoNoticeBudget(doc, env.resources.tableName).take(route, new Date('2026-01-05T10:20:00Z'), 5);
    const { Item } = await doc.send(new GetCommand({ TableName: env.resources.tableName, Key: { pk: `notices#${route}`, sk: 'budget#2026-01-05T10' } }));
    expect(Item).toMatchObject({ used: 1, expiresAt: Date.parse('2026-01-07T11:00:00Z') / 1000 });
  });
});
