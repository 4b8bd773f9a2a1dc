import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeadLetterStore } from '../../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { KEEP_FINISHED_SECONDS, KEEP_LEDGER_SECONDS } from '../../../lambdas/adapters/aws/dynamo-keys.js';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import { messageIndexContract } from '../../contracts/message-index.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const index = () => new DynamoMessageIndex(env.clients.doc, env.resources.tableName);

describe('DynamoMessageIndex', () => {
  messageIndexContract(async () => ({ subject: index(), cleanup: async () => {} }));

  async function itemsOf(messageId: string) {
    const { Items = [] } = await env.clients.doc.send(
      new QueryCommand({
        TableName: env.resources.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `msg#${messageId}` },
      }),
    );
    return Items;
  }

  it('indexes a queued message under queued#<route> and drops the index keys when done', async () => {
    const messageId = env.unique();
    const receivedAt = new Date('2026-01-05T10:00:00.000Z');
    await index().add({ messageId, route: 'main', sender: 'a@b.c', recipients: ['d@e.f'], receivedAt, state: 'queued' });
    const [meta] = await itemsOf(messageId);
    expect(meta).toMatchObject({ sk: 'meta#main', gsi1pk: 'queued#main', gsi1sk: receivedAt.toISOString() });
    expect(meta?.expiresAt).toBeUndefined();

    await index().markDone(messageId, 'main', new Date('2026-01-05T11:00:00.000Z'));
    const [done] = await itemsOf(messageId);
    expect(done?.gsi1pk).toBeUndefined();
    expect(done?.gsi1sk).toBeUndefined();
  });

  it('puts a 30-day TTL on the finished summary, a longer one on final ledger rows, none on pending rows or dead letters', async () => {
    const messageId = env.unique();
    const at = new Date('2026-01-05T10:00:00.000Z');
    await index().add({ messageId, route: 'main', sender: '', recipients: ['a@x.y', 'b@x.y'], receivedAt: at, state: 'queued' });
    const ledger = new DynamoLedger(env.clients.doc, env.resources.tableName);
    await ledger.record(messageId, { recipient: 'a@x.y', state: 'bounced', attempts: 1, updatedAt: at, reply: { code: 550, text: 'no' } });
    await ledger.addAttempt({ messageId, recipient: 'a@x.y', at, relay: 'mx', state: 'bounced', reply: { code: 550, text: 'no' }, delaySeconds: 1 });
    await ledger.record(messageId, { recipient: 'b@x.y', state: 'deferred', attempts: 1, updatedAt: at, reply: { code: 451, text: 'later' } });
    const dead = new DynamoDeadLetterStore(
      env.clients.doc,
      env.resources.tableName,
      env.clients.sqs,
      env.resources.deadLetterQueue.url,
    );
    await dead.put({ messageId, route: 'main', reason: 'bounced', detail: '550', at, notification: '{}' });

    const ledgerTtl = at.getTime() / 1000 + KEEP_LEDGER_SECONDS;
    const before = new Map((await itemsOf(messageId)).map((item) => [String(item.sk), item]));
    expect(before.get('rcpt#a@x.y')?.expiresAt).toBe(ledgerTtl);
    expect([...before.keys()].filter((sk) => sk.startsWith('attempt#')).map((sk) => before.get(sk)?.expiresAt)).toEqual([ledgerTtl]);
    expect(before.get('rcpt#b@x.y')?.expiresAt).toBeUndefined(); // still pending: kept
    expect(before.get('meta#main')?.expiresAt).toBeUndefined(); // still queued

    // The longer ledger TTL outlives any queue lifetime (30 days at most) after the summary's.
    expect(KEEP_LEDGER_SECONDS).toBeGreaterThanOrEqual(KEEP_FINISHED_SECONDS + 30 * 86_400);

    const doneAt = new Date('2026-01-05T12:00:00.000Z');
    await ledger.record(messageId, { recipient: 'b@x.y', state: 'delivered', attempts: 2, updatedAt: doneAt, reply: { code: 250, text: 'ok' } });
    await index().markDone(messageId, 'main', doneAt);
    const after = new Map((await itemsOf(messageId)).map((item) => [String(item.sk), item]));
    expect(after.get('meta#main')?.expiresAt).toBe(doneAt.getTime() / 1000 + KEEP_FINISHED_SECONDS);
    expect(after.get('rcpt#b@x.y')?.expiresAt).toBe(doneAt.getTime() / 1000 + KEEP_LEDGER_SECONDS);
    expect(after.get('dead#main')?.expiresAt).toBeUndefined();
    expect((await ledger.outcomes(messageId)).get('a@x.y')?.state).toBe('bounced');
  });

  it('drops the TTL when a final row is rewritten as pending (requeue)', async () => {
    const messageId = env.unique();
    const at = new Date('2026-01-05T10:00:00.000Z');
    const ledger = new DynamoLedger(env.clients.doc, env.resources.tableName);
    await ledger.record(messageId, { recipient: 'a@x.y', state: 'dead-lettered', attempts: 1, updatedAt: at });
    await ledger.record(messageId, { recipient: 'a@x.y', state: 'queued', attempts: 1, updatedAt: at });
    const [row] = await itemsOf(messageId);
    expect(row).toMatchObject({ sk: 'rcpt#a@x.y', state: 'queued' });
    expect(row?.expiresAt).toBeUndefined();
  });

  it('leaves the other route’s copy of the same id queued when one route finishes', async () => {
    const messageId = env.unique();
    const at = new Date('2026-01-05T10:00:00.000Z');
    await index().add({ messageId, route: 'main', sender: '', recipients: ['a@x.y'], receivedAt: at, state: 'queued' });
    await index().add({ messageId, route: 'other', sender: '', recipients: ['b@z.w'], receivedAt: at, state: 'queued' });
    await index().markDone(messageId, 'main', new Date('2026-01-05T12:00:00.000Z'));
    const bySort = new Map((await itemsOf(messageId)).map((item) => [String(item.sk), item]));
    expect(bySort.get('meta#main')).toMatchObject({ state: 'done' });
    expect(bySort.get('meta#other')).toMatchObject({ state: 'queued', gsi1pk: 'queued#other' });
    expect(bySort.get('meta#other')?.expiresAt).toBeUndefined();
  });

  it('pages through more queued messages than one response holds', async () => {
    const route = `big-${env.unique()}`;
    const filler = 'x'.repeat(20_000);
    const count = 70; // ~1.4 MB of items: more than one 1 MB page
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        index().add({
          messageId: `${route}-${i}`,
          route,
          sender: 'a@b.c',
          recipients: ['d@e.f'],
          receivedAt: new Date(Date.UTC(2026, 0, 5, 10, 0, i)),
          subject: filler,
          state: 'queued',
        }),
      ),
    );
    const listed = await index().listQueued(route);
    expect(listed).toHaveLength(count);
    expect(listed[count - 1]?.messageId).toBe(`${route}-${count - 1}`);
  });
});
