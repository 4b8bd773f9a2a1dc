import { describe, expect, it } from 'vitest';
import { FaultInjector, InMemoryMailQueue, InMemoryLedger, ManualClock, SQS_MAX_RETENTION_SECONDS } from '../../../../lambdas/adapters/fakes/index.js';
import { SeededRandom } from '../../../support/chaos/seeded-random.js';

// The fake must behave like SQS where the use cases rely on it.
describe('InMemoryMailQueue', () => {
  it('hides received messages for the visibility timeout and counts receives', async () => {
    const clock = new ManualClock();
    const queue = new InMemoryMailQueue(clock);
    await queue.enqueue('a');
    const [first] = await queue.receive(10, 0, 30);
    expect(first).toMatchObject({ body: 'a', receiveCount: 1, enqueuedAt: clock.now() });
    expect(await queue.receive(10, 0)).toEqual([]);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    clock.advance(30);
    const [second] = await queue.receive(10, 0);
    expect(second!.receiveCount).toBe(2);
    await expect(queue.defer(first!.handle, 10)).rejects.toThrow(/MessageNotInflight/); // stale handle
    await queue.defer(second!.handle, 99_999);
    expect(queue.defers.at(-1)!.delaySeconds).toBe(43_200);
  });

  it('short polls miss at the configured rate while a receive that waits never does', async () => {
    const queue = new InMemoryMailQueue(new ManualClock());
    const random = new SeededRandom(7);
    queue.shortPollMissRate = 0.5;
    queue.random = () => random.next();
    await queue.enqueue('waiting');
    let empty = 0;
    for (let i = 0; i < 200; i++) if ((await queue.receive(10, 0, 0)).length === 0) empty += 1;
    expect(empty).toBe(queue.shortPollMisses);
    expect(empty).toBeGreaterThan(60);
    expect(empty).toBeLessThan(140);
    for (let i = 0; i < 50; i++) expect(await queue.receive(10, 1, 0)).toHaveLength(1);
    expect(queue.shortPollMisses).toBe(empty);
  });

  it('a delete with an older receipt handle succeeds and keeps the message (it was received again)', async () => {
    const clock = new ManualClock();
    const queue = new InMemoryMailQueue(clock);
    await queue.enqueue('twice');
    const [first] = await queue.receive(10, 1, 30);
    clock.advance(30);
    const [second] = await queue.receive(10, 1, 30);
    await queue.delete(first!.handle);
    expect(queue.staleDeletes).toBe(1);
    expect(queue.deleted).toEqual([]);
    expect(queue.all()).toHaveLength(1);
    await queue.delete(second!.handle);
    expect(queue.deleted).toEqual(['twice']);
  });

  it('delays new messages (at most 15 min) and deletes idempotently', async () => {
    const clock = new ManualClock();
    const queue = new InMemoryMailQueue(clock);
    await queue.enqueue('later', 5000);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    clock.advance(900);
    const [m] = await queue.receive(1, 0);
    await queue.delete(m!.handle);
    await queue.delete(m!.handle);
    expect(queue.all()).toEqual([]);
    await expect(queue.delete('bogus')).rejects.toThrow(/ReceiptHandleIsInvalid/);
  });

  it('redrives to its DLQ, like SQS, a message received maxReceiveCount times', async () => {
    const clock = new ManualClock();
    const queue = new InMemoryMailQueue(clock);
    queue.maxReceiveCount = 3;
    await queue.enqueue('poison');
    for (let i = 1; i <= 3; i++) {
      const [m] = await queue.receive(1, 0);
      expect(m!.receiveCount).toBe(i);
      await queue.defer(m!.handle, 0);
    }
    expect(await queue.receive(10, 0)).toEqual([]);
    expect(queue.redriven).toEqual(['poison']);
    expect(queue.all()).toEqual([]);
  });

  it('drops a message 14 days after its first enqueue, hidden or not, and says so (SQS retention)', async () => {
    const clock = new ManualClock();
    const queue = new InMemoryMailQueue(clock);
    expect(queue.retentionSeconds).toBe(14 * 86_400);
    await queue.enqueue('old');
    await queue.enqueue('hidden');
    const [m] = await queue.receive(1, 0);
    clock.advance(SQS_MAX_RETENTION_SECONDS - 1);
    const hidden = (await queue.receive(10, 0)).find((x) => x.body === 'hidden')!;
    await queue.defer(hidden.handle, 43_200);
    expect(m!.body).toBe('old');
    clock.advance(1);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(queue.droppedByRetention.sort()).toEqual(['hidden', 'old']);
  });

  it('a re-enqueued copy gets a new retention window; the DLQ keeps the original one', async () => {
    const clock = new ManualClock();
    const dlq = new InMemoryMailQueue(clock);
    const queue = new InMemoryMailQueue(clock);
    queue.maxReceiveCount = 1;
    queue.deadLetterQueue = dlq;
    await queue.enqueue('copied');
    await queue.enqueue('redriven');
    clock.advance(10 * 86_400);
    const got = await queue.receive(10, 0, 0);
    const copied = got.find((x) => x.body === 'copied')!;
    await queue.enqueue(copied.body);
    await queue.delete(copied.handle);
    expect(await queue.receive(10, 0)).toMatchObject([{ body: 'copied', receiveCount: 1 }]); // 'redriven' went to the DLQ
    expect(queue.redriven).toEqual(['redriven']);
    clock.advance(4 * 86_400);
    expect(await dlq.receive(10, 0)).toEqual([]);
    expect(dlq.droppedByRetention).toEqual(['redriven']);
    expect(queue.all().map((e) => e.body)).toEqual(['copied']);
  });

  it('fails calls at the seeded rate of its fault injector, and only while enabled', async () => {
    const clock = new ManualClock();
    const seeded = new SeededRandom(7);
    const faults = new FaultInjector({ random: () => seeded.next(), rates: { 'ledger.record': 0.5 } });
    const ledger = new InMemoryLedger();
    ledger.faults = faults;
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      await ledger.record('m', { recipient: `r${i}`, state: 'queued', attempts: 0, updatedAt: clock.now() }).catch((e: Error) => {
        expect(e.name).toBe('ThrottlingException');
        failed += 1;
      });
    }
    expect(failed).toBeGreaterThan(70);
    expect(failed).toBeLessThan(130);
    expect(faults.failures.get('ledger.record')).toBe(failed);
    faults.enabled = false;
    await ledger.record('m', { recipient: 'x', state: 'queued', attempts: 0, updatedAt: clock.now() });
    expect(await ledger.outcomes('m')).toHaveLength(200 - failed + 1);
  });
});
