// Hold and release by message (core/operator/hold-messages.ts) on the
// operator world's fakes, with the real drain: a selection's held messages stay
// queued while the route's others are delivered, the run acts on exactly what
// the dry run listed, already-held / not-held / finished messages are skipped
// and counted, and a released message is delivered by the next drain.
import { describe, expect, it } from 'vitest';
import { HELD_RECHECK_SECONDS } from '../../../../lambdas/core/drain/deliver-message.js';
import { parseMessageFilter } from '../../../../lambdas/core/operator/message-filter.js';
import { HoldRefusedError, MAX_HOLD_REASON_CHARS } from '../../../../lambdas/core/operator/hold-messages.js';
import type { SelectScope } from '../../../../lambdas/core/operator/select-messages.js';
import { copyOf } from '../../../../lambdas/core/message/message-copy.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

type World = ReturnType<typeof operatorWorld>;

/** Archives the message's notification as accept does (what a release queues afresh). */
async function archived(w: World, messageId: string): Promise<void> {
  const body = w.h.queue.all().find((e) => e.body.includes(messageId))!.body;
  const message = w.h.parse(body);
  await w.deps.archive.keep({ messageId, route: 'main', receivedAt: message.receivedAt, notification: body, copy: copyOf(message) }, new Date(Date.now() + 86_400_000));
}

const queuedOnMain: SelectScope = { routes: ['main'], queued: true, dead: false };

describe('hold and release by message', () => {
  it('holds what the filter selects: those stay queued through a drain while the others are delivered; release lets them go at the next drain', async () => {
    const w = operatorWorld();
    const { h, operator, queued } = w;
    const spam1 = await queued({ sender: 'a@spam.example', minutesAgo: 30 });
    const spam2 = await queued({ sender: 'b@spam.example', minutesAgo: 20 });
    const friend = await queued({ sender: 'c@friend.example', minutesAgo: 10 });
    for (const id of [spam1, spam2]) await archived(w, id);

    const selection = await operator.select(parseMessageFilter({ senderDomain: 'spam.example' }), queuedOnMain);
    const planned = operator.holdMessages.toHold(selection);
    expect(planned.map((m) => m.id)).toEqual([spam1, spam2]); // the dry run's list
    const outcomes = await operator.holdMessages.hold(planned, 'looks like spam');
    expect(outcomes.map((o) => ('acted' in o ? o.message.id : undefined))).toEqual([spam1, spam2]); // the run acted on exactly those

    const listed = await operator.queuedMessages(['main']);
    expect(listed.map((q) => [q.summary.messageId, q.summary.held?.reason])).toEqual([[spam1, 'looks like spam'], [spam2, 'looks like spam'], [friend, undefined]]);

    expect(await h.runDrain()).toMatchObject({ delivered: 1, held: 2 });
    expect(h.transports.transactions).toHaveLength(1);

    const again = await operator.select(parseMessageFilter({ senderDomain: 'spam.example' }), queuedOnMain);
    expect(operator.holdMessages.toHold(again)).toEqual([]); // already held: nothing left to hold
    const toRelease = operator.holdMessages.toRelease(again);
    expect(toRelease.map((m) => m.id)).toEqual([spam1, spam2]);
    const released = await operator.holdMessages.release(toRelease.slice(0, 1));
    expect(released).toEqual([expect.objectContaining({ acted: true, copies: 1, queuedAgain: 1 })]);

    // A fresh copy, visible now: the next drain delivers it, without waiting for the hidden entry.
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ delivered: 1 });
    expect(h.ledger.stateOf(spam1, 'bob@example.com')).toBe('delivered');
    expect(h.ledger.stateOf(spam2, 'bob@example.com')).toBeUndefined();
    // The hidden entry comes back, finds its recipient final and is dropped; spam2 stays held.
    h.clock.advance(HELD_RECHECK_SECONDS);
    expect(await h.runDrain(600, 'drain-3')).toMatchObject({ delivered: 0, held: 1 });
    expect(h.transports.transactions).toHaveLength(2);
    expect(h.queue.all().filter((e) => e.body.includes(spam1))).toEqual([]);
  });

  it('on 1,000 messages, hold acts on exactly the list a dry run gives, and release on exactly the held ones', async () => {
    const { operator, queued } = operatorWorld();
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) ids.push(await queued({ sender: i % 3 === 0 ? `s${i}@recall.example` : `s${i}@friend.example`, minutesAgo: 1000 - i }));
    const filter = parseMessageFilter({ senderDomain: 'recall.example' });
    const dry = operator.holdMessages.toHold(await operator.select(filter, queuedOnMain)).map((m) => m.id);
    expect(dry).toEqual(ids.filter((_, i) => i % 3 === 0)); // oldest first
    const outcomes = await operator.holdMessages.hold(operator.holdMessages.toHold(await operator.select(filter, queuedOnMain)), undefined);
    expect(outcomes.flatMap((o) => ('acted' in o ? [o.message.id] : []))).toEqual(dry);
    const held = (await operator.listQueued('main')).filter((s) => s.held).map((s) => s.messageId);
    expect(held.sort()).toEqual([...dry].sort());
    const toRelease = operator.holdMessages.toRelease(await operator.select(parseMessageFilter({ olderThan: '1m' }), queuedOnMain)).map((m) => m.id);
    expect(toRelease).toEqual(dry);
  });

  it('a release without an archived envelope lifts the mark; the hidden entry is delivered when it comes back', async () => {
    const { h, operator, queued } = operatorWorld();
    const one = await queued();
    await operator.holdMessages.hold([{ id: one, route: 'main' }], undefined);
    await h.runDrain();
    expect(await operator.holdMessages.release([{ id: one, route: 'main' }])).toEqual([expect.objectContaining({ acted: true, queuedAgain: 0 })]);
    expect(await h.runDrain(600, 'drain-2')).toMatchObject({ delivered: 0 });
    h.clock.advance(HELD_RECHECK_SECONDS);
    expect(await h.runDrain(600, 'drain-3')).toMatchObject({ delivered: 1 });
  });

  it('skips and counts: already held, not held, and a message finished since it was selected', async () => {
    const { h, operator, queued } = operatorWorld();
    const one = await queued();
    const two = await queued();
    const selected = operator.holdMessages.toHold(await operator.select(parseMessageFilter({ olderThan: '1m' }), queuedOnMain));
    await operator.holdMessages.hold([{ id: one, route: 'main' }], undefined);
    await h.runDrain(); // delivers `two` after it was selected; `one` is held

    const outcomes = await operator.holdMessages.hold(selected, undefined);
    expect(outcomes.map((o) => ('skipped' in o ? [o.message.id, o.skipped] : [o.message.id, 'acted']))).toEqual([
      [one, 'already held'],
      [two, 'no longer queued (finished or removed since it was selected)'],
    ]);
    expect(await operator.holdMessages.release([{ id: two, route: 'main' }])).toEqual([expect.objectContaining({ skipped: expect.stringContaining('no longer queued') })]);
    await operator.holdMessages.release([{ id: one, route: 'main' }]);
    expect(await operator.holdMessages.release([{ id: one, route: 'main' }])).toEqual([expect.objectContaining({ skipped: 'not held' })]);
  });

  it('counts a failure on one message and goes on with the rest', async () => {
    const { h, operator, queued } = operatorWorld();
    const one = await queued();
    const two = await queued();
    const setHold = h.index.setHold.bind(h.index);
    h.index.setHold = async (id, ...rest) => {
      if (id === one) throw new Error('throttled');
      return setHold(id, ...rest);
    };
    const outcomes = await operator.holdMessages.hold([{ id: one, route: 'main' }, { id: two, route: 'main' }], undefined);
    expect(outcomes).toEqual([expect.objectContaining({ failed: expect.objectContaining({ message: 'throttled' }) }), expect.objectContaining({ acted: true })]);
  });

  it('refuses an overlong reason before writing anything', async () => {
    const { operator, queued } = operatorWorld();
    const one = await queued();
    await expect(operator.holdMessages.hold([{ id: one, route: 'main' }], 'x'.repeat(MAX_HOLD_REASON_CHARS + 1))).rejects.toBeInstanceOf(HoldRefusedError);
    expect((await operator.queuedMessages(['main']))[0]!.summary.held).toBeUndefined();
  });

  it('firstExpiry: the queue lifetime of the oldest message (a held message still expires then)', async () => {
    const { operator, queued, h } = operatorWorld();
    await queued({ minutesAgo: 60 });
    await queued({ minutesAgo: 10 });
    const selection = await operator.select(parseMessageFilter({ olderThan: '1m' }), queuedOnMain);
    const first = operator.holdMessages.firstExpiry(operator.holdMessages.toHold(selection));
    // The default queue lifetime is 5 days, counted from the oldest arrival.
    expect(first).toEqual(new Date(h.clock.now().getTime() - 60 * 60_000 + 5 * 86_400_000));
  });
});
