// Orderings that keep mail when a run stops half-way, each shown without
// random faults: a re-enqueued copy is sent before the old entry is deleted
// (a failure between leaves a duplicate, never a loss), and the sweep, like
// the drain, confirms a notice a crashed run left 'pending' instead of
// forgetting it or telling the sender twice.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

const DAY = 86_400;

describe('enqueue before delete', () => {
  it('a re-enqueue whose send fails keeps the old entry', async () => {
    const h = harness({ queueLifetimeSeconds: 30 * DAY });
    const { body } = await h.arrive();
    const arrivedAt = h.clock.now();
    h.clock.advance(12 * DAY + 1); // near SQS's 14 days: the drain copies the entry before anything else
    h.queue.failNext.enqueue = new Error('ServiceUnavailable');

    const summary = await h.runDrain();

    expect(summary).toMatchObject({ errors: 1, reenqueued: 0, delivered: 0 });
    expect(h.queue.all()).toMatchObject([{ body, enqueuedAt: arrivedAt }]);
    expect(h.queue.deleted).toEqual([]);
  });

  it('a re-enqueue whose delete fails leaves two copies, and the mail is still delivered once', async () => {
    const h = harness({ queueLifetimeSeconds: 30 * DAY });
    const { messageId, body } = await h.arrive();
    h.clock.advance(12 * DAY + 1);
    h.queue.failNext.delete = new Error('ServiceUnavailable');

    await h.runDrain();

    expect(h.queue.enqueued.slice(1)).toEqual([{ body, delaySeconds: 0 }]); // [0] is the arrival
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered'); // from the fresh copy
    expect(h.queue.all().map((e) => e.body)).toEqual([body]); // the old entry, back after its visibility timeout

    h.clock.advance(301);
    await h.runDrain(600, 'drain-2'); // copied again (still old), then found delivered and finished
    expect(h.transports.transactions).toHaveLength(1);
    expect(h.queue.all()).toEqual([]);
  });

  it('the sweep too: a failed send keeps the old entry, a failed delete keeps both', async () => {
    for (const fault of ['enqueue', 'delete'] as const) {
      const h = harness({ queueLifetimeSeconds: 30 * DAY, sweepConcurrency: 1 });
      await h.primaryDown();
      const { body } = await h.arrive();
      h.clock.advance(12 * DAY + 1);
      h.queue.failNext[fault] = new Error('ServiceUnavailable');
      await h.runSweep();
      const bodies = h.queue.all().map((e) => e.body);
      expect(bodies, fault).toEqual(fault === 'enqueue' ? [body] : [body, body]);
      expect(h.transports.transactions, fault).toEqual([]);
    }
  });
});

describe("the sweep's notice confirmation", () => {
  it('an expiring message with a bounce whose notice was never confirmed: a dead letter for it, a DSN only for the expired recipient', async () => {
    const h = harness({ queueLifetimeSeconds: 5 * DAY });
    await h.primaryDown();
    const { messageId } = await h.arrive({ recipients: ['gone@example.com', 'bob@example.com'], timestamp: new Date(h.clock.now().getTime() - 6 * DAY * 1000) });
    // An earlier run recorded the bounce final with its notice 'pending', then stopped before 'done':
    // the DSN may or may not have gone out.
    await h.ledger.record(messageId, {
      recipient: 'gone@example.com',
      state: 'bounced',
      reply: { code: 550, enhanced: '5.1.1', text: 'User unknown' },
      attempts: 1,
      updatedAt: h.clock.now(),
      notice: 'pending',
    });

    const summary = await h.runSweep();

    expect(summary).toMatchObject({ expired: 1 });
    expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'bounced', detail: expect.stringContaining('not confirmed') });
    expect((await h.deadLetters.get(messageId))!.detail).toContain('<gone@example.com> bounced');
    expect((await h.ledger.outcomes(messageId)).get('gone@example.com')).toMatchObject({ state: 'bounced', notice: 'done' });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('expired');
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.bounces.sent[0]!.raw).toContain('Final-Recipient: rfc822; bob@example.com');
    expect(h.bounces.sent[0]!.raw).not.toContain('Final-Recipient: rfc822; gone@example.com');
    expect(h.queue.all()).toEqual([]);
  });
});
