// A message the operator holds (`hold --message`, the mark on its index
// summary) is left queued by the drain while the route's other mail flows:
// not sent, not bounced, its entry back hidden like a deferral; a fresh queue
// copy before SQS retention as every postponed entry; expired at the queue
// lifetime as under a route hold; delivered once the mark is lifted.
import { describe, expect, it } from 'vitest';
import { HELD_RECHECK_SECONDS } from '../../../../lambdas/core/drain/deliver-message.js';
import { copyOf } from '../../../../lambdas/core/message/message-copy.js';
import { harness } from '../../../support/world/engine-harness.js';

type H = ReturnType<typeof harness>;

/** Indexes the message as accept would (the hold lives on its summary). */
async function indexed(h: H, messageId: string, recipients = ['bob@example.com']) {
  const copy = copyOf({ recipients });
  await h.index.add({ messageId, route: 'main', sender: 'alice@sender.example', recipients, receivedAt: h.clock.now(), state: 'queued', copy });
  return copy;
}

describe('the drain and a held message', () => {
  it('leaves a held message queued, untouched and hidden, while the next one on the route is delivered', async () => {
    const h = harness();
    const held = await h.arrive({ messageId: 'held1' });
    const free = await h.arrive({ messageId: 'free1' });
    expect(await h.index.setHold('held1', 'main', await indexed(h, 'held1'), { since: h.clock.now(), reason: 'legal' })).toBe(true);
    await indexed(h, 'free1');

    const summary = await h.runDrain();

    expect(summary).toMatchObject({ delivered: 1, held: 1, bounced: 0, deferred: 0, expired: 0 });
    expect(h.transports.transactions.map((t) => t.envelope.to)).toEqual([['bob@example.com']]);
    expect(h.ledger.stateOf(free.messageId, 'bob@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(held.messageId, 'bob@example.com')).toBeUndefined(); // no attempt counted
    expect(h.queue.defers).toEqual([{ body: held.body, delaySeconds: HELD_RECHECK_SECONDS }]);
    expect(h.bounces.sent).toEqual([]);
    expect((await h.index.get('held1', 'main'))?.state).toBe('queued');
  });

  it('delivers the message once the mark is lifted, at the first drain after its entry comes back', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ messageId: 'held2' });
    const copy = await indexed(h, messageId);
    await h.index.setHold(messageId, 'main', copy, { since: h.clock.now() });
    await h.runDrain();
    await h.index.setHold(messageId, 'main', copy, undefined);

    h.clock.advance(HELD_RECHECK_SECONDS);
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ delivered: 1 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('delivered');
    expect((await h.index.get(messageId, 'main'))?.held).toBeUndefined();
  });

  it('a held entry near SQS retention gets a fresh queue copy, still held', async () => {
    const h = harness({ queueLifetimeSeconds: 20 * 86_400 });
    const { body, messageId } = await h.arrive({ messageId: 'held3' });
    await h.index.setHold(messageId, 'main', await indexed(h, messageId), { since: h.clock.now() });
    h.clock.advance(12 * 86_400);

    const summary = await h.runDrain();

    expect(summary.reenqueued).toBe(1);
    expect(h.transports.transactions).toEqual([]);
    const entries = h.queue.all();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.body).toBe(body);
    expect(entries[0]!.enqueuedAt).toEqual(h.clock.now()); // retention counts from here again
  });

  it('expires at the queue lifetime, as under a route hold: the sender gets a DSN', async () => {
    const h = harness({ queueLifetimeSeconds: 86_400 });
    const { messageId } = await h.arrive({ messageId: 'held4' });
    await h.index.setHold(messageId, 'main', await indexed(h, messageId), { since: h.clock.now() });
    h.clock.advance(86_400 - 60);
    await h.runDrain();
    // Hidden no longer than the time left, so it comes back to expire on time.
    expect(h.queue.defers.at(-1)?.delaySeconds).toBe(60);

    h.clock.advance(60);
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ expired: 1 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('expired');
    expect(h.bounces.sent).toHaveLength(1);
  });

  it('a run with only held messages is not a failing run: the route\'s delivery record is not touched (no deliveries-failing alarm)', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ messageId: 'held6' });
    await h.index.setHold(messageId, 'main', await indexed(h, messageId), { since: h.clock.now() });
    expect(await h.runDrain()).toMatchObject({ held: 1, deferred: 0 });
    expect(await h.deliveryRecords.get('main')).toBeUndefined();
  });

  it('a hold mark that cannot be read leaves the message for retry, undelivered', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ messageId: 'held5' });
    await indexed(h, messageId);
    h.index.holdOf = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const summary = await h.runDrain();
    expect(summary.delivered).toBe(0);
    expect(h.transports.transactions).toEqual([]);
  });
});
