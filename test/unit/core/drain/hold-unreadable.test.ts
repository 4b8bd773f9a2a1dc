// A hold that cannot be read is "maybe held": the drain delivers nothing more
// for that route in this run, says so, and leaves the mail for the next run,
// which reads the hold again. (Treating a failed read as "not held" would send
// mail an operator stopped.)
import { describe, expect, it } from 'vitest';
import { MessageDelivery } from '../../../../lambdas/core/drain/deliver-message.js';
import { emptySummary } from '../../../../lambdas/core/drain/drain-summary.js';
import { type EngineOptions } from '../../../../lambdas/core/drain/drain-deps.js';
import { MessageOutcomes } from '../../../../lambdas/core/outcome/message-outcomes.js';
import { RetryPolicy } from '../../../../lambdas/core/policy/retry-policy.js';
import { harness } from '../../../support/world/engine-harness.js';

const throttled = () => new Error('ProvisionedThroughputExceededException');

describe('a hold read that fails', () => {
  it('at the start of a drain: nothing is delivered, it is logged, and the next drain delivers', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    h.routeState.failNext.hold = throttled();

    const summary = await h.runDrain();

    expect(summary).toMatchObject({ stoppedBecause: 'hold-unknown', messages: 0, delivered: 0 });
    expect(h.transports.transactions).toEqual([]);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('hold check failed'), fields: expect.objectContaining({ route: 'main' }) }));
    expect(h.routeState.leases.size).toBe(0);
    expect(await h.queue.depth()).toEqual({ visible: 1, inFlight: 0, delayed: 0 });

    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ delivered: 1, stoppedBecause: 'queue-empty' });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
  });

  it('inside a run: no further transaction in that run, even when a later read would succeed', async () => {
    const h = harness({ maxRecipientsPerTransaction: 1 });
    const first = await h.arrive({ messageId: 'first', recipients: ['bob@example.com', 'carol@example.com'] });
    const second = await h.arrive({ messageId: 'second' });
    const open = h.transports.open.bind(h.transports);
    let sends = 0;
    h.transports.open = async (primary) => {
      const transport = await open(primary);
      return {
        ...transport,
        send: async (envelope, content) => {
          const result = await transport.send(envelope, content);
          // Past the hold cache after every transaction; only the read after the first one fails.
          if (++sends === 1) h.routeState.failNext.hold = throttled();
          h.clock.advance(6);
          return result;
        },
      };
    };

    const summary = await h.runDrain();

    expect(h.transports.envelopes.map((e) => e.to)).toEqual([['bob@example.com']]);
    expect(summary).toMatchObject({ stoppedBecause: 'hold-unknown', delivered: 1, deferred: 0 });
    // carol was never tried: no attempt recorded, her message back in the queue for the rest of its pass.
    expect(h.ledger.stateOf(first.messageId, 'carol@example.com')).toBeUndefined();
    expect(h.log.lines.find((l) => l.message === 'message continues in a later turn')?.fields).toMatchObject({ messageId: first.messageId, later: 1, why: 'the route is held (or its hold could not be read)' });
    expect(h.queue.all().find((e) => e.body === first.body)?.visibleAt).toEqual(h.clock.now());
    expect(h.ledger.stateOf(second.messageId, 'bob@example.com')).toBeUndefined();
    expect(h.log.lines.filter((l) => l.level === 'error' && l.message.startsWith('hold check failed'))).toHaveLength(1);
    // "second" was received but never started: visible again at once for the next run
    expect(h.queue.all().find((e) => e.body === second.body)?.visibleAt).toEqual(h.clock.now());

    // The next run delivers "second" and the rest of "first"'s pass (no back-off: carol was never tried).
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ delivered: 2 });
    expect(h.ledger.stateOf(second.messageId, 'bob@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(first.messageId, 'carol@example.com')).toBe('delivered');
  });

  it('when the delivery is asked with a hold check that rejects: no transaction starts, the message goes back', async () => {
    const h = harness();
    const { body } = await h.arrive();
    const options: EngineOptions = { hostname: 'mx2.example.com' };
    const retry = new RetryPolicy(options);
    const outcomes = new MessageOutcomes(h.deps, options, retry);
    const delivery = new MessageDelivery(h.deps, options, retry, outcomes);
    const [qm] = await h.queue.receive(1, 1);

    await delivery.deliver(
      { route: h.route, queue: h.queue, transport: () => h.transports.open(h.route.primary), summary: emptySummary('main', 'deliver'), isHeld: () => Promise.reject(throttled()) },
      qm!,
    );

    expect(h.transports.transactions).toEqual([]);
    expect(h.store.opened).toEqual([]);
    expect(h.queue.defers).toEqual([{ body, delaySeconds: 0 }]);
  });
});
