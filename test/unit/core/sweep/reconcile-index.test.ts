// The sweep's reconcile: index entries whose every recipient is final in the
// ledger are marked done, so entries an older version left queued (the
// narrowed re-enqueue under another copy key, before issue 18) stop holding
// mailq, the age and backlog alarms and the delay warnings. Bounded per run;
// started by the probe also on a route that is up when the index lists mail
// that no queue holds.
import { describe, expect, it } from 'vitest';
import { RECONCILE_PER_RUN } from '../../../../lambdas/core/sweep/reconcile-index.js';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';
import { harness } from '../../../support/world/engine-harness.js';

const delivered = (at: Date) => ({ state: 'delivered' as const, reply: { code: 250, text: 'ok' }, attempts: 1, updatedAt: at });

/** An entry left queued by an older version: indexed, every recipient delivered, no queue entry. */
async function phantom(h: ReturnType<typeof harness>, recipients = ['bob@example.com', 'carol@example.com'], receivedAt = h.clock.now()) {
  const messageId = `old${Math.random().toString(36).slice(2, 10)}`;
  await h.index.add({ messageId, route: 'main', sender: 'alice@sender.example', recipients, receivedAt, state: 'queued', copy: copyKeyOf(recipients), subject: 'hi' });
  for (const recipient of recipients) await h.ledger.record(messageId, { recipient, ...delivered(h.clock.now()) });
  return messageId;
}

describe('the sweep reconciles the index with the ledger', () => {
  it('marks done an entry whose every recipient is final, keeping its facts; an entry with a recipient still to do stays', async () => {
    const h = harness();
    const old = await phantom(h);
    const waiting = await phantom(h, ['dave@example.com', 'erin@example.com']);
    await h.ledger.record(waiting, { recipient: 'erin@example.com', state: 'deferred', attempts: 1, updatedAt: h.clock.now() });
    await h.primaryDown();
    const summary = await h.runSweep();
    expect(summary.reconciled).toBe(1);
    expect((await h.index.listQueued('main')).map((s) => s.messageId)).toEqual([waiting]);
    expect(await h.index.get(old, 'main', copyKeyOf(['bob@example.com', 'carol@example.com']))).toMatchObject({ state: 'done', recipients: ['bob@example.com', 'carol@example.com'], subject: 'hi', sender: 'alice@sender.example' });
    expect(h.log.lines.some((l) => l.message.startsWith('index entry finished by the sweep') && l.fields?.messageId === old)).toBe(true);
  });

  it('looks at no more than RECONCILE_PER_RUN entries a run, the oldest first; the next run goes on', async () => {
    const h = harness();
    const start = h.clock.now().getTime();
    for (let i = 0; i < RECONCILE_PER_RUN + 10; i++) await phantom(h, ['bob@example.com'], new Date(start - (RECONCILE_PER_RUN + 10 - i) * 1000));
    await h.primaryDown();
    expect((await h.runSweep()).reconciled).toBe(RECONCILE_PER_RUN);
    expect(await h.index.listQueued('main')).toHaveLength(10);
    h.clock.advance(3_600);
    expect((await h.runSweep()).reconciled).toBe(10);
    expect(await h.index.listQueued('main')).toHaveLength(0);
  });

  it('a ledger that cannot be read leaves the entries queued and the sweep goes on', async () => {
    const h = harness();
    await phantom(h);
    await h.primaryDown();
    const outcomesFor = h.ledger.outcomesFor.bind(h.ledger);
    h.ledger.outcomesFor = async () => {
      throw new Error('ThrottlingException');
    };
    const summary = await h.runSweep();
    expect(summary.reconciled ?? 0).toBe(0);
    expect(await h.index.listQueued('main')).toHaveLength(1);
    h.ledger.outcomesFor = outcomesFor;
  });

  it('the probe starts a sweep for a route that is up when the index lists mail no queue holds, and it heals the entry (at most hourly)', async () => {
    const h = harness();
    await phantom(h);
    h.probe.up('mail.example.com');
    h.deps.index.lastDone = async () => h.clock.now(); // deliveries finish: not a stalled route
    const [outcome] = await h.prober().round();
    expect(outcome).toMatchObject({ status: 'up', queued: 1, started: 'sweep' });
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'sweep' }]);
    const summary = await h.runSweep();
    expect(summary).toMatchObject({ stoppedBecause: 'primary-up', reconciled: 1 });
    expect(await h.index.listQueued('main')).toEqual([]);
    // A second such round within the hour starts nothing.
    await phantom(h);
    await h.prober().round();
    expect(h.drains.started).toHaveLength(1);
  });
});
