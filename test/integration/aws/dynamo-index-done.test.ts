// The index's "done" as a grouped plain put: the index reads it exactly as
// markDone leaves it (done, off the queued list, TTL started), and a late
// accept of the same message cannot bring it back as queued.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchWriter } from '../../../lambdas/adapters/aws/dynamo-batch-writer.js';
import { DynamoIndexDone } from '../../../lambdas/adapters/aws/dynamo-index-done.js';
import { expiresAtFor, key, messageKey, metaSort, TTL } from '../../../lambdas/adapters/aws/dynamo-keys.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import type { MessageSummary } from '../../../lambdas/core/ports.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const summary = (messageId: string): MessageSummary => ({
  messageId,
  route: 'main',
  sender: 'alice@sender.test',
  recipients: ['bob@example.com', 'carol@example.com'],
  receivedAt: new Date('2026-01-05T10:00:00.000Z'),
  size: 10_240,
  subject: 'hello',
  state: 'queued',
});

describe('DynamoIndexDone', () => {
  it('leaves the same item markDone leaves, for many messages in few calls', async () => {
    const index = new DynamoMessageIndex(env.clients.doc, env.resources.tableName);
    const done = new DynamoIndexDone(new DynamoBatchWriter(env.clients.doc, env.resources.tableName));
    const ids = Array.from({ length: 30 }, (_, i) => `done-put-${Date.now()}-${i}`);
    for (const id of ids) expect(await index.add(summary(id))).toBe(true);
    expect((await index.listQueued('main')).filter((s) => ids.includes(s.messageId))).toHaveLength(30);
    const at = new Date('2026-01-05T11:00:00.000Z');
    await Promise.all(ids.map((id) => done.put(summary(id), at)));
    expect((await index.listQueued('main')).filter((s) => ids.includes(s.messageId))).toEqual([]);
    const { state: _queued, ...rest } = summary(ids[0]!);
    expect(await index.get(ids[0]!, 'main')).toEqual({ ...rest, state: 'done', lastDeliveryAt: at });
    const { Item } = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: key(messageKey(ids[0]!), metaSort('main')) }));
    expect(Item?.[TTL]).toBe(expiresAtFor(at));
  });

  it('a late accept (SNS delivering the notification again) cannot make a done message queued', async () => {
    const index = new DynamoMessageIndex(env.clients.doc, env.resources.tableName);
    const done = new DynamoIndexDone(new DynamoBatchWriter(env.clients.doc, env.resources.tableName));
    const id = `late-accept-${Date.now()}`;
    await done.put(summary(id), new Date('2026-01-05T11:00:00.000Z')); // the accept step never ran before
    expect(await index.add(summary(id))).toBe(false);
    expect((await index.get(id, 'main'))?.state).toBe('done');
    expect((await index.listQueued('main')).map((s) => s.messageId)).not.toContain(id);
  });
});
