// DrainRoute when it cannot go on: store, ledger or queue failures, the lease, a hold, the time budget,
// and entries re-enqueued before SQS retention or the redrive count would take them.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

const reply451 = { code: 451, enhanced: '4.3.0', text: 'Temporary lookup failure' };

describe('DrainRoute', () => {
  it('leaves the message on the queue when the store, ledger or queue fails', async () => {
    const h = harness();
    await h.arrive();
    h.store.failNext = new Error('S3 SlowDown');
    let summary = await h.runDrain();
    expect(summary).toMatchObject({ errors: 1, delivered: 0 });
    expect(h.queue.all()).toHaveLength(1);

    h.clock.advance(300);
    // The ledger unreadable for the whole run: the receive's early read and the delivery's own read both fail.
    const read = h.ledger.outcomesFor.bind(h.ledger);
    h.ledger.outcomesFor = async () => {
      throw new Error('ProvisionedThroughputExceeded');
    };
    summary = await h.runDrain();
    h.ledger.outcomesFor = read;
    expect(summary.errors).toBe(1);
    expect(h.transports.transactions).toHaveLength(0);

    h.clock.advance(300);
    h.queue.failNext.delete = new Error('SQS unavailable');
    summary = await h.runDrain();
    expect(summary).toMatchObject({ delivered: 1, errors: 1 });
    expect(h.queue.all()).toHaveLength(1); // delivered, ledger says so, but not deleted

    h.clock.advance(300);
    summary = await h.runDrain();
    expect(h.transports.transactions).toHaveLength(1); // no second delivery
    expect(h.queue.all()).toHaveLength(0);
  });

  it('stops with queue-error when receive fails', async () => {
    const h = harness();
    h.queue.failNext.receive = new Error('SQS down');
    expect((await h.runDrain()).stoppedBecause).toBe('queue-error');
  });

  it('does no work when another drain holds the lease', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.acquireLease('main', 'other-drain', h.clock.now(), new Date(h.clock.now().getTime() + 600_000));
    const summary = await h.runDrain();
    expect(summary.stoppedBecause).toBe('lease-held');
    expect(h.transports.transactions).toHaveLength(0);
    expect(h.routeState.leases.get('main')!.owner).toBe('other-drain');
  });

  it('does not deliver on a held route', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.setHold('main', { since: h.clock.now(), reason: 'migration' });
    expect((await h.runDrain()).stoppedBecause).toBe('held');
    expect(h.transports.transactions).toHaveLength(0);
  });

  it('stops taking messages when the time budget is spent', async () => {
    const h = harness();
    await h.arrive();
    const summary = await h.runDrain(0);
    expect(summary.stoppedBecause).toBe('time-budget');
    expect(h.queue.all()).toHaveLength(1);
  });

  it('re-enqueues an entry near SQS retention before any I/O, then tries the fresh copy', async () => {
    const h = harness({ queueLifetimeSeconds: 20 * 86_400 });
    h.transports.reply('bob@example.com', reply451);
    const { body } = await h.arrive();
    h.clock.advance(12 * 86_400);
    const summary = await h.runDrain();
    expect(summary.reenqueued).toBe(1);
    expect(h.queue.enqueued.slice(1)).toEqual([{ body, delaySeconds: 0 }]); // [0] is the arrival
    expect(h.transports.transactions).toHaveLength(1); // the copy, in the same drain
    expect(h.queue.defers.at(-1)).toEqual({ body, delaySeconds: 300 });
    const entries = h.queue.all();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.enqueuedAt).toEqual(h.clock.now());
  });

  it('re-enqueues an old entry whatever would fail next: the ledger, the store or the session', async () => {
    for (const fault of ['ledger', 'store', 'session'] as const) {
      const h = harness({ queueLifetimeSeconds: 30 * 86_400 });
      const { body } = await h.arrive();
      h.clock.advance(12 * 86_400 + 1);
      if (fault === 'ledger') {
        h.ledger.outcomesFor = async () => {
          throw new Error('ThrottlingException');
        };
      }
      if (fault === 'store') h.store.failNext = new Error('SlowDown');
      if (fault === 'session') h.transports.failNextSession();
      await h.runDrain();
      expect(h.queue.enqueued.slice(1), fault).toEqual([{ body, delaySeconds: 0 }]);
      expect(h.queue.all().every((e) => e.enqueuedAt.getTime() === h.clock.now().getTime()), fault).toBe(true);
    }
  });

  it('a message received but not started is released as a fresh copy when its entry is near the redrive count', async () => {
    const h = harness({ concurrency: 1 });
    h.queue.maxReceiveCount = 1000;
    const { body } = await h.arrive({ messageId: 'b' });
    const entry = () => h.queue.all().find((e) => e.body === body)!;
    // "b" was received 899 times already (visible again 5 s after the last one)
    for (let i = 0; i < 899; i++) await h.queue.receive(10, 0, i === 898 ? 5 : 0);
    await h.arrive({ messageId: 'a' }); // first in line; a hold set while it is delivered leaves "b" unstarted
    h.clock.advance(5);
    expect(entry().receiveCount).toBe(899);
    const send = h.transports.open.bind(h.transports);
    h.transports.open = async (p) => {
      await h.routeState.setHold('main', { since: h.clock.now() });
      h.clock.advance(10); // past the hold cache
      return send(p);
    };
    const summary = await h.runDrain();
    expect(summary.stoppedBecause).toBe('held');
    expect(h.queue.enqueued.slice(2).map((e) => e.body)).toEqual([body]); // [0], [1]: the arrivals
    expect(entry().receiveCount).toBe(0);
  });
});
