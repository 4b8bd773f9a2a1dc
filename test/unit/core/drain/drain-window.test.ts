// A maintenance window holds the drain exactly as the operator's hold does:
// nothing is delivered inside it even though the primary answers, a window
// that begins during a run stops the next transaction on time (the cached
// read is judged against the clock), and after it ends the drain delivers.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

const at = (iso: string) => new Date(iso);

describe('the drain and a maintenance window', () => {
  it('delivers nothing inside a window with the primary up, says why, and delivers once it has ended', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    await h.routeState.saveWindows('main', { windows: [{ id: 'wkernel', from: at('2026-01-05T09:00:00Z'), until: at('2026-01-05T11:00:00Z') }] }, 0);

    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'held', messages: 0, delivered: 0 });
    expect(h.transports.transactions).toEqual([]);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'held: maintenance window until 2026-01-05T11:00:00.000Z', fields: expect.objectContaining({ route: 'main', window: 'wkernel' }) }));
    expect(await h.queue.depth()).toEqual({ visible: 1, inFlight: 0, delayed: 0 });

    h.clock.set('2026-01-05T11:00:00Z'); // the end is exclusive
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ stoppedBecause: 'queue-empty', delivered: 1 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
  });

  it('a window that begins during a run stops it before the next transaction, though the hold was read a moment before', async () => {
    const h = harness();
    await h.arrive({ messageId: 'first' });
    await h.arrive({ messageId: 'second' });
    // Begins 2 s in: well inside the drain's hold cache (5 s) of a read made at the start.
    await h.routeState.saveWindows('main', { windows: [{ id: 'wsoon', from: at('2026-01-05T10:00:02Z'), until: at('2026-01-05T12:00:00Z') }] }, 0);
    const open = h.transports.open.bind(h.transports);
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content) => {
          const result = await transport.send(envelope, content);
          h.clock.advance(3);
          return result;
        },
      };
    };

    const summary = await h.runDrain();

    expect(h.transports.transactions).toHaveLength(1);
    expect(summary).toMatchObject({ stoppedBecause: 'held', delivered: 1 });
    expect(await h.queue.depth()).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });

  it('a window that cannot be read is "maybe held": nothing is delivered this run', async () => {
    const h = harness();
    await h.arrive();
    h.routeState.failNext.windows = new Error('ProvisionedThroughputExceededException');
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'hold-unknown', delivered: 0 });
    expect(h.transports.transactions).toEqual([]);
  });
});
