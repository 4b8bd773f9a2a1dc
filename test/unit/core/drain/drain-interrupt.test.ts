// RunOptions.signal: the local runner stopping, or Ctrl-C during a local
// flush. The delivery in progress finishes (and its ledger entry is written);
// the messages received but not started are made visible again at once, not
// left hidden until their visibility timeout; the lease is given back.
import { describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../../lambdas/core/drain/ports.js';
import { harness } from '../../../support/world/engine-harness.js';

/** The content as the drain passes it (opened when the session is free), aborting `controller` once opened. */
const abortingOnceOpened = (content: MessageContent, controller: AbortController): MessageContent => {
  if (typeof content !== 'function') throw new Error('the drain passes its content to open when a session is free');
  return async () => {
    const opened = await content();
    controller.abort();
    return opened;
  };
};

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
        // The signal arrives while this transaction is on the wire (its content opened).
        send: async (envelope, content) =>
          transport.send(envelope, abortingOnceOpened(content, controller)),
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

  it('workers that took a message before the stop but waited for a session start no transaction after it: their messages go back at once', async () => {
    const h = harness({ concurrency: 4 });
    for (let i = 0; i < 6; i++) await h.arrive({ messageId: `m${i}` });
    const controller = new AbortController();
    const stopped = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve()));
    const open = h.transports.open.bind(h.transports);
    let sends = 0;
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content) => {
          // One session: the first transaction is on the wire when the stop comes; the
          // other workers hold a message each and get the session only after it.
          if ((sends += 1) > 1) {
            await stopped;
            return transport.send(envelope, content);
          }
          return transport.send(envelope, abortingOnceOpened(content, controller));
        },
      };
    };

    const summary = await h.drain.run(h.route, { owner: 'local-1', budgetSeconds: 600, signal: controller.signal });

    expect(sends).toBeGreaterThan(1); // the waiting workers did reach the session
    expect(h.transports.transactions).toHaveLength(1);
    expect(summary).toMatchObject({ stoppedBecause: 'interrupted', delivered: 1, released: 5 });
    expect(await h.queue.depth()).toMatchObject({ visible: 5, inFlight: 0 });
    expect(h.ledger.stateOf('m1', 'bob@example.com')).not.toBe('deferred');
  });
});
