// RunOptions.signal: the local runner stopping, or Ctrl-C during a local
// flush. The delivery in progress finishes (and its ledger entry is written);
// the messages received but not started are made visible again at once, not
// left hidden until their visibility timeout; the lease is given back.
import { describe, expect, it } from 'vitest';
import { harness } from './engine-harness.js';

describe('DrainRoute interrupted by its signal', () => {
  it('finishes the delivery in progress, releases the rest, gives the lease back', async () => {
    const h = harness({ concurrency: 1 });
    for (let i = 0; i < 5; i++) await h.arrive({ messageId: `m${i}` });
    const controller = new AbortController();
    const open = h.transports.open.bind(h.transports);
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content) => {
          controller.abort(); // the signal arrives while this transaction is on the wire
          return transport.send(envelope, content);
        },
      };
    };

    const summary = await h.drain.run(h.route, { owner: 'local-1', budgetSeconds: 600, signal: controller.signal });

    expect(summary).toMatchObject({ stoppedBecause: 'interrupted', delivered: 1, released: 4 });
    expect(h.transports.transactions).toHaveLength(1);
    expect(h.ledger.stateOf('m0', 'bob@example.com')).toBe('delivered');
    expect(await h.queue.depth()).toMatchObject({ visible: 4, inFlight: 0 });
    expect(h.routeState.leases.size).toBe(0);
  });

  it('an already aborted signal delivers nothing and leaves the queue as it was', async () => {
    const h = harness({ concurrency: 4 });
    await h.arrive({ messageId: 'm0' });
    const summary = await h.drain.run(h.route, { owner: 'local-1', budgetSeconds: 600, signal: AbortSignal.abort() });
    expect(summary.stoppedBecause).toBe('interrupted');
    expect(h.transports.transactions).toHaveLength(0);
    expect(await h.queue.depth()).toMatchObject({ visible: 1, inFlight: 0 });
  });
});
