// The hold mark on a queued copy's index summary (`hold --message`), on the
// DynamoDB adapter (dynalite) and the fake alike: set and lifted only on a
// queued copy, listed with the summary, gone once the
// drain marks the copy done, and never taken from what accept writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchWriter } from '../../../lambdas/adapters/aws/dynamo-batch-writer.js';
import { DynamoMessageIndex } from '../../../lambdas/adapters/aws/dynamo-message-index.js';
import { InMemoryMessageIndex } from '../../../lambdas/adapters/fakes/index.js';
import type { MessageIndex, MessageSummary } from '../../../lambdas/core/accept/ports.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const at = new Date('2026-01-05T10:00:00.000Z');
const subjects: [string, () => MessageIndex][] = [
  ['DynamoMessageIndex', () => new DynamoMessageIndex(env.clients.doc, env.resources.tableName, new DynamoBatchWriter(env.clients.doc, env.resources.tableName))],
  ['InMemoryMessageIndex', () => new InMemoryMessageIndex()],
];

describe.each(subjects)('%s: hold marks', (_name, make) => {
  const summary = (messageId: string, route: string, copy = 'c1'): MessageSummary => ({ messageId, route, sender: 'a@sender.example', recipients: ['bob@example.com'], receivedAt: at, state: 'queued', copy });

  it('sets, reads, lists, counts and lifts the hold of one copy', async () => {
    const index = make();
    const route = `hold${env.unique()}`;
    const id = `m-${env.unique()}`;
    await index.add(summary(id, route));
    await index.add(summary(`other-${id}`, route));
    expect(await index.holdOf(id, route, 'c1')).toBeUndefined();

    expect(await index.setHold(id, route, 'c1', { since: at, reason: 'legal review' })).toBe(true);
    expect(await index.holdOf(id, route, 'c1')).toEqual({ since: at, reason: 'legal review' });
    expect((await index.listQueued(route)).map((s) => [s.messageId, s.held]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([[id, { since: at, reason: 'legal review' }], [`other-${id}`, undefined]]);

    expect(await index.setHold(id, route, 'c1', { since: at })).toBe(true); // a new hold without a reason drops the old reason
    expect(await index.holdOf(id, route, 'c1')).toEqual({ since: at });
    expect(await index.setHold(id, route, 'c1', undefined)).toBe(true);
    expect(await index.holdOf(id, route, 'c1')).toBeUndefined();
  });

  it('refuses a copy that is not indexed or done, and the done copy is not held', async () => {
    const index = make();
    const route = `hold${env.unique()}`;
    const id = `m-${env.unique()}`;
    expect(await index.setHold(id, route, 'c1', { since: at })).toBe(false);
    await index.add(summary(id, route));
    await index.setHold(id, route, 'c1', { since: at });
    await index.markDone(id, route, at, 'c1', { sender: 'a@sender.example', recipients: ['bob@example.com'], receivedAt: at });
    expect(await index.holdOf(id, route, 'c1')).toBeUndefined();
    expect(await index.setHold(id, route, 'c1', { since: at })).toBe(false);
  });

  it('a copy marked done without facts (the update path, which leaves the hold attributes) reads as not held', async () => {
    const index = make();
    const route = `hold${env.unique()}`;
    const id = `m-${env.unique()}`;
    await index.add(summary(id, route));
    await index.setHold(id, route, 'c1', { since: at, reason: 'kept' });
    await index.markDone(id, route, at, 'c1');
    expect(await index.holdOf(id, route, 'c1')).toBeUndefined();
    expect((await index.get(id, route, 'c1'))?.held).toBeUndefined();
  });

  it('accept cannot set a hold: add ignores one in the summary', async () => {
    const index = make();
    const route = `hold${env.unique()}`;
    const id = `m-${env.unique()}`;
    await index.add({ ...summary(id, route), held: { since: at, reason: 'from a sender' } });
    expect(await index.holdOf(id, route, 'c1')).toBeUndefined();
    expect((await index.get(id, route, 'c1'))?.held).toBeUndefined();
  });
});
