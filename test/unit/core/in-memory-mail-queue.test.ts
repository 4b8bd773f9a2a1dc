import { describe, expect, it } from 'vitest';
import { InMemoryMailQueue, ManualClock } from '../../../lambdas/adapters/fakes/index.js';

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
});
