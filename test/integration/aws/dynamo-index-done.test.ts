// The index's "done" as a grouped plain put: the index reads it exactly as
// markDone leaves it (done, off the queued list, TTL started), and a late
// accept of the same message cannot bring it back as queued.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchWriter } from '../../../lambdas/adapters/aws/dynamo-batch-writer.js';
import { doneIndexItem } from '../../../lambdas/adapters/aws/dynamo-index-done.js';
import { expiresAtFor, key, messageKey, metaSort, TTL } from '../../../lambdas/adapters/aws/dynamo-keys.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import { copyKeyOf } from '../../../lambdas/core/message/message-copy.js';
import type { MessageSummary } from '../../../lambdas/core/accept/ports.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

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

describe('the done summary as a plain put (doneIndexItem)', () => {
  it('leaves the same item markDone leaves, for many messages in few calls', async () => {
    const index = new DynamoMessageIndex(env.clients.doc, env.resources.tableName);
    const writer = new DynamoBatchWriter(env.clients.doc, env.resources.tableName);
    const ids = Array.from({ length: 30 }, (_, i) => `done-put-${Date.now()}-${i}`);
    for (const id of ids) expect(await index.add(summary(id))).toBe(true);
    expect((await index.listQueued('main')).filter((s) => ids.includes(s.messageId))).toHaveLength(30);
    const at = new Date('2026-01-05T11:00:00.000Z');
    await Promise.all(ids.map((id) => writer.write([doneIndexItem(summary(id), at)])));
    expect((await index.listQueued('main')).filter((s) => ids.includes(s.messageId))).toEqual([]);
    const { state: _queued, ...rest } = summary(ids[0]!);
    expect(await index.get(ids[0]!, 'main')).toEqual({ ...rest, state: 'done', lastDeliveryAt: at });
    const { Item } = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: key(messageKey(ids[0]!), metaSort('main')) }));
    expect(Item?.[TTL]).toBe(expiresAtFor(at));
  });

  it('a late accept (SNS delivering the notification again) cannot make a done message queued', async () => {
    const index = new DynamoMessageIndex(env.clients.doc, env.resources.tableName);
    const writer = new DynamoBatchWriter(env.clients.doc, env.resources.tableName);
    const id = `late-accept-${Date.now()}`;
    await writer.write([doneIndexItem(summary(id), new Date('2026-01-05T11:00:00.000Z'))]); // the accept step never ran before
    expect(await index.add(summary(id))).toBe(false);
    expect((await index.get(id, 'main'))?.state).toBe('done');
    expect((await index.listQueued('main')).map((s) => s.messageId)).not.toContain(id);
  });
});

/** The document client, counting the commands sent through it. */
function counting(doc: DynamoDBDocumentClient): { doc: DynamoDBDocumentClient; sent: string[] } {
  const sent: string[] = [];
  const proxy = new Proxy(doc, {
    get(target, prop, receiver) {
      if (prop === 'send') return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        sent.push(command.constructor.name);
        return (target.send as (...args: unknown[]) => Promise<unknown>).call(target, command, ...rest);
      };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { doc: proxy, sent };
}

describe('DynamoMessageIndex.markDone with the summary facts (grouped with the ledger writes)', () => {
  const copyOf = copyKeyOf(['bob@example.com', 'carol@example.com']);
  const facts = { sender: 'alice@sender.test', recipients: ['bob@example.com', 'carol@example.com'], receivedAt: new Date('2026-01-05T10:00:00.000Z'), subject: 'hello' };

  it("puts each copy's done summary under its copy key in few BatchWriteItem calls, and a late accept leaves it done", async () => {
    const { doc, sent } = counting(env.clients.doc);
    const index = new DynamoMessageIndex(doc, env.resources.tableName, new DynamoBatchWriter(doc, env.resources.tableName));
    const ids = Array.from({ length: 30 }, (_, i) => `grouped-${Date.now()}-${i}`);
    for (const id of ids) expect(await index.add({ ...summary(id), copy: copyOf })).toBe(true);
    sent.length = 0;
    const at = new Date('2026-01-05T11:00:00.000Z');
    await Promise.all(ids.map((id) => index.markDone(id, 'main', at, copyOf, facts)));
    expect(sent.filter((c) => c === 'BatchWriteItemCommand').length).toBeLessThanOrEqual(2); // 30 items asked in one turn: 25 + 5
    // No per-message write beyond the grouped put: one read of the older summaries, one last-done update.
    expect(sent.filter((c) => c !== 'BatchWriteItemCommand').sort()).toEqual(['QueryCommand', 'UpdateCommand']);
    expect((await index.listQueued('main')).filter((s) => ids.includes(s.messageId))).toEqual([]);
    const { size: _size, state: _queued, ...rest } = summary(ids[0]!);
    expect(await index.get(ids[0]!, 'main', copyOf)).toEqual({ ...rest, copy: copyOf, state: 'done', lastDeliveryAt: at });
    const { Item } = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: key(messageKey(ids[0]!), metaSort('main', copyOf)) }));
    expect(Item?.[TTL]).toBe(expiresAtFor(at));
    expect(await index.add({ ...summary(ids[0]!), copy: copyOf })).toBe(false);
    expect((await index.get(ids[0]!, 'main', copyOf))?.state).toBe('done');
  });

  it('a message never indexed gets a done tombstone a late accept cannot overwrite', async () => {
    const index = new DynamoMessageIndex(env.clients.doc, env.resources.tableName, new DynamoBatchWriter(env.clients.doc, env.resources.tableName));
    const id = `grouped-never-${Date.now()}`;
    await index.markDone(id, 'main', new Date('2026-01-05T11:00:00.000Z'), copyOf, facts);
    expect(await index.add({ ...summary(id), copy: copyOf })).toBe(false);
    expect((await index.get(id, 'main', copyOf))?.state).toBe('done');
    expect((await index.listQueued('main')).map((s) => s.messageId)).not.toContain(id);
  });

  it('finishes a queued summary written before copies were kept (meta#<route>), and only that one', async () => {
    const index = new DynamoMessageIndex(env.clients.doc, env.resources.tableName, new DynamoBatchWriter(env.clients.doc, env.resources.tableName));
    const older = `grouped-older-${Date.now()}`;
    const other = `grouped-other-${Date.now()}`;
    expect(await index.add(summary(older))).toBe(true); // no copy: an item from before the upgrade
    expect(await index.add(summary(other))).toBe(true);
    const at = new Date('2026-01-05T11:00:00.000Z');
    await index.markDone(older, 'main', at, copyOf, facts);
    expect((await index.get(older, 'main', ''))?.state).toBe('done');
    expect((await index.get(older, 'main', copyOf))?.state).toBe('done');
    const queued = (await index.listQueued('main')).map((s) => s.messageId);
    expect(queued).not.toContain(older);
    expect(queued).toContain(other);
  });
});
