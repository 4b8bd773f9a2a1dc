import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDelayNotices, DynamoEnvelopeArchive, DynamoTriggerGate } from '../../../lambdas/adapters/aws/dynamo-feature-stores.js';
import { featureStoresContract } from '../../contracts/feature-stores.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoDB feature stores (dynalite)', () => {
  featureStoresContract(async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    return { subject: { gate: new DynamoTriggerGate(doc, table), archive: new DynamoEnvelopeArchive(doc, table), notices: new DynamoDelayNotices(doc, table) }, cleanup: async () => {} };
  });
});

describe('DynamoEnvelopeArchive limits', () => {
  it('stores a notification as large as SNS delivers (256 KB), well inside DynamoDB\'s 400 KB item limit, with its TTL', async () => {
    const { doc } = env.clients;
    const archive = new DynamoEnvelopeArchive(doc, env.resources.tableName);
    const route = `r${env.unique()}`.toLowerCase();
    const notification = JSON.stringify({ pad: 'x'.repeat(256 * 1024 - 20) });
    expect(Buffer.byteLength(notification)).toBeLessThanOrEqual(256 * 1024);
    const receivedAt = new Date('2026-01-05T09:00:00Z');
    await archive.keep({ messageId: 'big', route, receivedAt, notification }, new Date('2026-02-09T09:00:00Z'));
    const [got] = await archive.list(route, new Date('2026-01-05T00:00:00Z'), new Date('2026-01-06T00:00:00Z'));
    expect(got?.notification).toBe(notification);
    const { Item } = await doc.send(new GetCommand({ TableName: env.resources.tableName, Key: { pk: `env#${route}#2026-01-05`, sk: `${receivedAt.toISOString()}#big` } }));
    expect(Item?.expiresAt).toBe(Date.parse('2026-02-09T09:00:00Z') / 1000);
  });
});
