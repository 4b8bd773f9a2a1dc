// The requeue use case on fakes: what it resets, the order of its writes
// (index before enqueue, record removed last and only if still the one read),
// its refusals, and the DLQ copies it removes.
import { describe, expect, it } from 'vitest';
import { RequeueDeadLetters, type RequeueResult } from '../../../../lambdas/core/operator/requeue-dead-letters.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

describe('RequeueDeadLetters', () => {
  it('resets the undelivered recipients, indexes and enqueues a fresh copy, removes the record and its DLQ copy', async () => {
    const { h, operator, deadLetterQueue, deadLettered } = operatorWorld();
    const record = await deadLettered({ recipients: ['a@example.com', 'b@example.com'], delivered: ['a@example.com'] });
    const seen: RequeueResult[] = [];
    const report = await operator.requeue.run([record], {}, (r) => seen.push(r));

    expect(report.results).toEqual([expect.objectContaining({ route: 'main', pending: 1, reset: 1, wasQueued: false, removal: { kind: 'removed' } })]);
    expect(seen).toEqual(report.results);
    expect(h.ledger.stateOf(record.messageId, 'a@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(record.messageId, 'b@example.com')).toBe('queued');
    expect(h.queue.enqueued.map((e) => e.body)).toEqual([record.notification]);
    expect(await h.index.get(record.messageId, 'main', record.copy)).toMatchObject({ state: 'queued', route: 'main', recipients: ['a@example.com', 'b@example.com'], copy: record.copy });
    expect(await h.deadLetters.find(record.messageId)).toEqual([]);
    expect(deadLetterQueue.copies).toEqual([]);
    expect('result' in report.copies && report.copies.result.removed).toEqual([1]);
    expect(report.deadAgain).toEqual([]);
  });

  // A drain may finish the fresh copy at once: its 'done' must land after this 'queued', or mailq lists it for good.
  it('writes the index before it enqueues', async () => {
    const { h, deps, deadLettered } = operatorWorld();
    const record = await deadLettered();
    const order: string[] = [];
    const index = Object.assign(Object.create(h.index) as typeof h.index, { add: async (...a: Parameters<typeof h.index.add>) => (order.push('index'), h.index.add(...a)) });
    const queue = Object.assign(Object.create(h.queue) as typeof h.queue, { enqueue: async (body: string) => (order.push('enqueue'), h.queue.enqueue(body)) });
    await new RequeueDeadLetters({ ...deps, index, queues: () => queue }).run([record], {});
    expect(order).toEqual(['index', 'enqueue']);
  });

  it('keeps a record a drain wrote again after the enqueue, and its DLQ copy, and says so', async () => {
    const { h, deps, deadLetterQueue, deadLettered } = operatorWorld();
    const record = await deadLettered();
    const again = { ...record, detail: 'quarantined again', at: new Date(record.at.getTime() + 60_000) };
    // The drain takes the fresh copy at once and quarantines it again.
    const queue = Object.assign(Object.create(h.queue) as typeof h.queue, {
      enqueue: async (body: string) => {
        await h.queue.enqueue(body);
        await h.deadLetters.put(again);
        deadLetterQueue.add({ messageId: again.messageId, route: 'main', copy: again.copy, at: again.at });
      },
    });
    const report = await new RequeueDeadLetters({ ...deps, queues: () => queue }).run([record], {});
    expect(report.results[0]).toMatchObject({ removal: { kind: 'dead-again', reason: 'virus' } });
    expect(await h.deadLetters.find(record.messageId)).toEqual([again]);
    // The first copy went, the one standing for the new record stays.
    expect(deadLetterQueue.copies).toEqual([{ messageId: again.messageId, route: 'main', copy: again.copy, at: again.at }]);
  });

  it('reports a record a drain wrote again after the removal (the new one stays)', async () => {
    const { h, deps, deadLettered } = operatorWorld();
    const record = await deadLettered();
    const again = { ...record, at: new Date(record.at.getTime() + 60_000), reason: 'loop-detected' as const };
    const deadLetters = Object.assign(Object.create(h.deadLetters) as typeof h.deadLetters, {
      remove: async (...a: Parameters<typeof h.deadLetters.remove>) => {
        const removed = await h.deadLetters.remove(...a);
        await h.deadLetters.put(again);
        return removed;
      },
    });
    const report = await new RequeueDeadLetters({ ...deps, deadLetters }).run([record], {});
    expect(report.results[0]).toMatchObject({ removal: { kind: 'removed' } });
    expect(report.deadAgain).toEqual([{ record, reason: 'loop-detected' }]);
  });

  it('only removes the record when every recipient was delivered', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const record = await deadLettered({ delivered: ['bob@example.com'] });
    const report = await operator.requeue.run([record], {});
    expect(report.results).toEqual([{ record, allDelivered: true, removal: { kind: 'removed' } }]);
    expect(h.queue.enqueued).toEqual([]);
    expect(await h.deadLetters.find(record.messageId)).toEqual([]);
  });

  it('refuses, changing nothing, what it cannot deliver: no envelope, no raw message, no route', async () => {
    const { h, operator, deadLetterQueue, deadLettered } = operatorWorld();
    const notQueued = { ...(await deadLettered()), reason: 'not-queued' as const };
    const gone = await deadLettered();
    h.store.objects.delete(`mail/main/${gone.messageId}`);
    const elsewhere = { ...(await deadLettered()), route: 'retired' };
    const report = await operator.requeue.run([notQueued, gone, elsewhere], {});
    expect(report.results.map((r) => ('refused' in r ? r.refused.why : 'done'))).toEqual(['envelope-unknown', 'raw-message-gone', 'route-not-configured']);
    expect(h.queue.enqueued).toEqual([]);
    expect(h.ledger.stateOf(gone.messageId, 'bob@example.com')).toBe('bounced');
    // Refused records keep their DLQ copies: the alarm stays up for them.
    expect(report.copies.wanted).toEqual([]);
    expect(deadLetterQueue.copies).toHaveLength(3);
  });

  it('refuses an expired message unless asked to renew its lifetime, then enqueues it with a fresh timestamp', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const record = await deadLettered({ minutesAgo: 6 * 24 * 60 });
    const refused = await operator.requeue.run([record], {});
    expect(refused.results[0]).toMatchObject({ refused: { why: 'expired', receivedAt: h.parse(record.notification).receivedAt } });
    expect(h.queue.enqueued).toEqual([]);

    await operator.requeue.run([record], { renewLifetime: true });
    const [entry] = h.queue.enqueued;
    expect(h.parse(entry!.body).receivedAt).toEqual(h.clock.now());
    expect((await h.index.get(record.messageId, 'main'))?.receivedAt).toEqual(h.clock.now());
  });

  // A live entry with the old timestamp would expire the reset recipients at once.
  it('refuses an expired message the index still lists as queued, even with a renewed lifetime', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const record = await deadLettered({ minutesAgo: 6 * 24 * 60 });
    const message = h.parse(record.notification);
    await h.index.add({ messageId: record.messageId, route: 'main', sender: message.sender, recipients: message.recipients, receivedAt: message.receivedAt, state: 'queued', copy: record.copy! });
    const report = await operator.requeue.run([record], { renewLifetime: true });
    expect(report.results[0]).toMatchObject({ refused: { why: 'live-expired-entry', route: 'main' } });
    expect(h.ledger.stateOf(record.messageId, 'bob@example.com')).toBe('bounced');
  });

  it('finds a message\'s records, or says it is queued, or unknown', async () => {
    const { h, operator, deadLettered } = operatorWorld();
    const record = await deadLettered();
    expect(await operator.requeue.find(record.messageId)).toEqual({ records: [record] });
    expect(await operator.requeue.find(record.messageId, 'other')).toEqual({ unknown: true });
    const { messageId } = await h.arrive();
    await h.index.add({ messageId, route: 'main', sender: 'a@b.example', recipients: ['bob@example.com'], receivedAt: h.clock.now(), state: 'queued' });
    expect(await operator.requeue.find(messageId)).toMatchObject({ queued: { messageId, state: 'queued' } });
    expect(await operator.requeue.all(['main'])).toEqual([record]);
  });
});
