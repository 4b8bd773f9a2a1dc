// The drain keeps its workers busy by fetching the next batch while the
// current one is delivered. Prefetching must never strand a message: after a
// session failure everything received but not attempted is visible again.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

describe('DrainRoute pipeline', () => {
  it('delivers a queue longer than one batch with every worker busy, then stops on the empty receive', async () => {
    const h = harness({ concurrency: 4 });
    for (let i = 0; i < 37; i++) await h.arrive({ messageId: `p${i}` });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ messages: 37, delivered: 37, stoppedBecause: 'queue-empty', errors: 0 });
    expect(h.queue.all()).toHaveLength(0);
    expect(new Set(h.transports.transactions.map((t) => t.bytes.toString().match(/ESMTP id (\w+)/)![1])).size).toBe(37);
  });

  it('after a session failure, makes every received but unattempted message (prefetched ones too) visible again', async () => {
    const h = harness({ concurrency: 4 });
    for (let i = 0; i < 25; i++) await h.arrive({ messageId: `q${i}` });
    h.transports.failNextSession({ text: 'Connection closed unexpectedly', errorCode: 'ECONNECTION' });
    const summary = await h.runDrain();

    expect(summary.stoppedBecause).toBe('connection-failed');
    const attempted = h.transports.transactions.length;
    expect(summary.messages).toBe(attempted);
    expect(summary.released + attempted).toBeGreaterThanOrEqual(10); // at least the first batch is accounted for
    const now = h.clock.now().getTime();
    const entries = h.queue.all();
    // Workers already sending when the session failed may have finished (the fake fails one send only).
    expect(entries.length + h.queue.deleted.length).toBe(25);
    expect(h.queue.deleted.length).toBe(summary.delivered);
    const hidden = entries.filter((e) => e.visibleAt.getTime() > now);
    // Only attempted messages are hidden (for the short connection-failure delay); none waits out a visibility timeout.
    expect(hidden.length).toBe(attempted - summary.delivered);
    for (const e of hidden) expect(e.visibleAt.getTime() - now).toBeLessThanOrEqual(60_000);
  });

  it('stops taking new batches once the time budget is spent', async () => {
    const h = harness({ concurrency: 2 });
    for (let i = 0; i < 30; i++) await h.arrive({ messageId: `t${i}` });
    const summary = await h.runDrain(0);
    expect(summary.stoppedBecause).toBe('time-budget');
    expect(summary.messages).toBe(0);
    expect(h.queue.all()).toHaveLength(30);
  });
});
