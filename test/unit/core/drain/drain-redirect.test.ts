// A redirect set or cleared while a drain runs stops the run before its next
// transaction (the hold reader's cached read, at most HOLD_CACHE_SECONDS old):
// nothing more goes to the previous host; the next run delivers to the new one.
import { describe, expect, it } from 'vitest';
import type { PrimaryRedirect } from '../../../../lambdas/core/probe/effective-primary.js';
import { harness } from '../../../support/world/engine-harness.js';

const target: PrimaryRedirect = { host: 'mx-new.example.net', port: 25, tls: 'verify', auth: false, since: new Date('2026-01-05T10:00:01Z'), replaces: 'mail.example.com:2525' };

/** Each transaction takes 6 s of the fake clock (longer than the hold cache); `during` runs after the first. */
function slowTransactions(h: ReturnType<typeof harness>, during: () => Promise<void>) {
  const open = h.transports.open.bind(h.transports);
  let first = true;
  h.transports.open = async (primary) => {
    const transport = await open(primary);
    return {
      ...transport,
      send: async (envelope, content) => {
        const result = await transport.send(envelope, content);
        h.clock.advance(6);
        if (first) await during();
        first = false;
        return result;
      },
    };
  };
}

describe('the drain and a redirect changed during its run', () => {
  it('a redirect set during the run stops it before the next transaction to the old host; the next run goes to the target', async () => {
    const h = harness();
    await h.arrive({ messageId: 'first' });
    await h.arrive({ messageId: 'second' });
    slowTransactions(h, () => h.routeState.setRedirect('main', target));

    const summary = await h.runDrain();

    expect(summary).toMatchObject({ stoppedBecause: 'redirected', delivered: 1 });
    expect(h.transports.transactions).toHaveLength(1);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ message: expect.stringContaining('redirect changed during the run') }));
    expect(await h.queue.depth()).toEqual({ visible: 1, inFlight: 0, delayed: 0 });

    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ stoppedBecause: 'queue-empty', delivered: 1 });
    expect(h.transports.opened.map((p) => p.host)).toEqual(['mail.example.com', 'mx-new.example.net']);
  });

  it('a redirect cleared during the run stops it too; an unchanged one does not', async () => {
    const h = harness();
    await h.routeState.setRedirect('main', target);
    for (const id of ['a', 'b', 'c']) await h.arrive({ messageId: id });
    let reads = 0;
    slowTransactions(h, async () => {
      reads += 1; // the first transaction: the redirect stays as it was
    });
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'queue-empty', delivered: 3 });
    expect(reads).toBe(1);

    for (const id of ['d', 'e']) await h.arrive({ messageId: id });
    slowTransactions(h, () => h.routeState.setRedirect('main', undefined));
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ stoppedBecause: 'redirected', delivered: 1 });
  });
});
