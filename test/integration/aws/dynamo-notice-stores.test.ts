import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoHeldNotices, DynamoNoticeBudget } from '../../../lambdas/adapters/aws/dynamo-notice-stores.js';
import { noticeStoresContract } from '../../contracts/notice-stores.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

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

describe('DynamoHeldNotices items', () => {
  it('keeps the summary under held# and the text under raw#, so a count never reads the text', async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    const route = `r${env.unique()}`.toLowerCase();
    await new DynamoHeldNotices(doc, table).hold({ route, messageId: 'm1', copy: 'c1', kind: 'dsn', at: new Date('2026-01-05T10:00:00Z'), why: 'budget', to: 'a@sender.example', recipients: ['b@example.com'], raw: 'Subject: x\r\n\r\nbody' });
    const get = async (sk: string) => (await doc.send(new GetCommand({ TableName: table, Key: { pk: `notices#${route}`, sk } }))).Item;
    const summary = await get('held#m1#c1#dsn');
    expect(summary).toMatchObject({ messageId: 'm1', to: 'a@sender.example' });
    expect(summary!.raw).toBeUndefined();
    expect((await get('raw#m1#c1#dsn'))!.raw).toBe('Subject: x\r\n\r\nbody');
  });

  it('reads a notice held by a version that kept the text in the summary item, and removes it whole', async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    const route = `r${env.unique()}`.toLowerCase();
    await doc.send(new PutCommand({ TableName: table, Item: { pk: `notices#${route}`, sk: 'held#old#c1#dsn', route, messageId: 'old', copy: 'c1', kind: 'dsn', at: '2026-01-05T10:00:00.000Z', why: 'paused', to: 'a@sender.example', recipients: ['b@example.com'], raw: 'Subject: old\r\n\r\n' } }));
    const held = new DynamoHeldNotices(doc, table);
    expect(await held.count(route)).toBe(1);
    expect(await held.list(route)).toEqual([{ route, messageId: 'old', copy: 'c1', kind: 'dsn', at: new Date('2026-01-05T10:00:00.000Z'), why: 'paused', to: 'a@sender.example', recipients: ['b@example.com'] }]);
    expect(await held.text(route, 'old', 'c1', 'dsn')).toBe('Subject: old\r\n\r\n');
    await held.remove(route, 'old', 'c1', 'dsn');
    expect(await held.count(route)).toBe(0);
  });
});
