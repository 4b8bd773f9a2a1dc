import { describe, expect, it } from 'vitest';
import { ProbePrimaries } from '../../../../lambdas/core/probe/probe-primaries.js';
import { harness } from '../../../support/world/engine-harness.js';

describe('SweepRoute', () => {
  it('does nothing while the primary is up and the route not held', async () => {
    const h = harness();
    await h.arrive();
    expect((await h.runSweep()).stoppedBecause).toBe('primary-up');
    expect(h.queue.all()[0]!.receiveCount).toBe(0);
  });

  it('while down: expires, re-enqueues, and makes the rest visible again without delivering', async () => {
    const h = harness({ queueLifetimeSeconds: 20 * 86_400, sweepConcurrency: 1 });
    const old = await h.arrive({ messageId: 'old', timestamp: new Date('2025-12-10T10:00:00Z') }); // 26 days: expired
    const aging = await h.arrive({ messageId: 'aging' });
    const fresh = await h.arrive({ messageId: 'fresh' });
    // make "aging" look enqueued 13 days ago and "fresh" hidden by a backoff
    h.clock.advance(13 * 86_400);
    const entries = h.queue.all();
    expect(entries).toHaveLength(3);
    // re-enqueue "fresh" now so only "aging" is near retention
    const [freshHandle] = (await h.queue.receive(10, 0)).filter((m) => m.body === fresh.body).map((m) => m.handle);
    await h.queue.delete(freshHandle!);
    await h.queue.enqueue(fresh.body);
    // hide everything as a backoff would
    for (const m of await h.queue.receive(10, 0)) await h.queue.defer(m.handle, 3000);
    h.clock.advance(3001);
    await h.primaryDown();

    const summary = await h.runSweep();
    // released: "fresh", and the new copy of "aging" (visible at once, so met again in this sweep)
    expect(summary).toMatchObject({ mode: 'sweep', expired: 1, reenqueued: 1, released: 2, kept: 0, stoppedBecause: 'queue-empty' });
    expect(h.transports.transactions).toHaveLength(0);
    expect(h.bounces.sent).toHaveLength(1);
    expect(h.ledger.stateOf(old.messageId, 'bob@example.com')).toBe('expired');
    const left = h.queue.all();
    expect(left.map((e) => e.body).sort()).toEqual([aging.body, fresh.body].sort());
    expect(left.find((e) => e.body === aging.body)!.enqueuedAt).toEqual(h.clock.now());
    // everything left is visible now, so a recovering primary drains at once
    expect((await h.queue.depth()).visible).toBe(2);
    expect(h.routeState.leases.size).toBe(0);
  });

  it('sweeps a held route even when the primary is up', async () => {
    const h = harness();
    await h.arrive({ timestamp: new Date('2025-12-01T00:00:00Z') });
    await h.routeState.setHold('main', { since: h.clock.now() });
    const summary = await h.runSweep();
    expect(summary.expired).toBe(1);
    expect(h.transports.transactions).toHaveLength(0);
  });

  it('quarantines virus-positive mail, even past its lifetime: never expired, no DSN', async () => {
    const h = harness();
    const { messageId } = await h.arrive({ timestamp: new Date('2025-12-01T00:00:00Z'), verdicts: { virus: 'FAIL' } });
    await h.primaryDown();
    const summary = await h.runSweep();
    expect(summary).toMatchObject({ deadLettered: 1, expired: 0 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('dead-lettered');
    expect(await h.deadLetters.get(messageId)).toMatchObject({ reason: 'virus' });
    expect(h.bounces.sent).toHaveLength(0);
    expect(h.queue.all()).toHaveLength(0);
  });

  it('dead-letters malformed notifications it meets', async () => {
    const h = harness();
    await h.primaryDown();
    await h.queue.enqueue('not json');
    const summary = await h.runSweep();
    expect(summary.deadLettered).toBe(1);
    expect((await h.deadLetters.list())[0]).toMatchObject({ reason: 'malformed-notification', detail: 'body is not JSON' });
  });

  it('is bounded by its message limit and keeps what it saw hidden, so the next (chained) sweep meets the rest', async () => {
    const h = harness({ sweepMaxMessages: 12, sweepConcurrency: 1 });
    await h.primaryDown();
    for (let i = 0; i < 30; i++) await h.arrive({ messageId: `m${i}` });
    const summary = await h.runSweep();
    expect(summary).toMatchObject({ stoppedBecause: 'message-limit', messages: 20, kept: 20, released: 0 });
    expect((await h.queue.depth()).visible).toBe(10);
    expect(await h.runSweep(600, 'sweep-2')).toMatchObject({ messages: 10, released: 10, stoppedBecause: 'queue-empty' });
  });

  it('holds messages for its configured visibility, or longer than its budget when that is longer', async () => {
    for (const [budget, expected] of [[30, 120], [540, 600]] as const) {
      const h = harness({ sweepVisibilitySeconds: 120 });
      await h.primaryDown();
      await h.arrive();
      const receive = h.queue.receive.bind(h.queue);
      const seen: (number | undefined)[] = [];
      h.queue.receive = async (max, wait, visibility) => {
        seen.push(visibility);
        return receive(max, wait, visibility);
      };
      await h.runSweep(budget);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((v) => v === expected)).toBe(true);
    }
  });

  it('never meets a message twice in a slow sweep (its visibility outlasts the run)', async () => {
    const h = harness();
    await h.primaryDown();
    for (let i = 0; i < 15; i++) await h.arrive({ messageId: `m${i}` });
    const receive = h.queue.receive.bind(h.queue);
    h.queue.receive = async (...args) => {
      const batch = await receive(...args);
      h.clock.advance(200); // a slow receive, or a slow expiry notice in the batch
      return batch;
    };
    const summary = await h.runSweep(540);
    expect(summary).toMatchObject({ messages: 15, released: 15 });
    expect(h.queue.all().every((e) => e.receiveCount === 1)).toBe(true);
  });

  it('replaces an entry received 900 times by a fresh copy (every sweep receives it once)', async () => {
    const h = harness();
    h.queue.maxReceiveCount = 1000;
    const { body } = await h.arrive();
    await h.primaryDown();
    for (let i = 0; i < 1010; i++) {
      await h.runSweep();
      h.clock.advance(60);
    }
    expect(h.queue.redriven).toEqual([]);
    expect(h.queue.all().map((e) => e.body)).toEqual([body]);
    expect(h.queue.enqueued.at(-1)).toEqual({ body, delaySeconds: 0 });
  });

  it('stops when the primary comes back mid-sweep', async () => {
    const h = harness({ sweepConcurrency: 1 });
    await h.primaryDown();
    for (let i = 0; i < 15; i++) await h.arrive({ messageId: `m${i}` });
    const receive = h.queue.receive.bind(h.queue);
    let calls = 0;
    h.queue.receive = async (...args) => {
      calls += 1;
      if (calls === 1) await h.routeState.saveHealth({ route: 'main', status: 'up', since: h.clock.now(), lastCheckAt: h.clock.now(), consecutiveFailures: 0 });
      return receive(...args);
    };
    const summary = await h.runSweep();
    // what it held is visible at once: the drain must not wait out the sweep's hold
    expect(summary).toMatchObject({ stoppedBecause: 'primary-up', messages: 10, released: 10, kept: 0 });
    expect((await h.queue.depth()).visible).toBe(15);
  });

  it('has several receive loops, waits at least 1 s per receive, and defers a kept message only as long as its expiry allows', async () => {
    const h = harness({ queueLifetimeSeconds: 3 * 86_400, receiveWaitSeconds: 0 });
    await h.primaryDown();
    for (let i = 0; i < 40; i++) await h.arrive({ messageId: `m${i}` });
    const soon = await h.arrive({ messageId: 'soon', timestamp: new Date(h.clock.now().getTime() - (3 * 86_400 - 120) * 1000) });
    const receive = h.queue.receive.bind(h.queue);
    let active = 0;
    let most = 0;
    const waits: number[] = [];
    h.queue.receive = async (max, wait, visibility) => {
      waits.push(wait);
      active += 1;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active -= 1;
      return receive(max, wait, visibility);
    };
    const summary = await h.runSweep();
    expect(summary).toMatchObject({ messages: 41, released: 41 });
    expect(most).toBe(4);
    expect(waits.every((w) => w >= 1)).toBe(true);
    // "soon" expires in 120 s: hidden only that long, so it is expired on time
    expect(h.queue.defers[0]).toEqual({ body: soon.body, delaySeconds: 120 });
  });

  it('re-enqueues an entry near SQS retention even when the ledger fails for it', async () => {
    const h = harness({ queueLifetimeSeconds: 30 * 86_400 });
    await h.primaryDown();
    const { body } = await h.arrive({ verdicts: { virus: 'FAIL' } }); // the quarantine path reads the ledger
    h.clock.advance(12 * 86_400 + 60);
    h.ledger.failNext.outcomes = new Error('ProvisionedThroughputExceededException');
    const summary = await h.runSweep();
    expect(summary).toMatchObject({ errors: 1, reenqueued: 1 });
    expect(h.queue.all()).toMatchObject([{ body, enqueuedAt: h.clock.now() }]);
  });

  it('chains: a sweep that stops with work left lets the probe start the next one in its next round', async () => {
    const h = harness({ sweepMaxMessages: 10, sweepConcurrency: 1 });
    await h.primaryDown();
    for (let i = 0; i < 25; i++) await h.arrive({ messageId: `m${i}` });
    h.probe.down(h.route.primary.host);
    const prober = h.prober(60);
    await prober.round(); // claims this hour's sweep
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'sweep' }]);
    expect((await h.runSweep()).stoppedBecause).toBe('message-limit');
    h.clock.advance(60);
    await prober.round(); // a minute later, not an hour
    expect(h.drains.started).toHaveLength(2);
    expect((await h.runSweep(600, 'sweep-2')).stoppedBecause).toBe('message-limit');
    h.clock.advance(60);
    await prober.round();
    expect((await h.runSweep(600, 'sweep-3')).stoppedBecause).toBe('queue-empty');
    expect((await h.queue.depth()).visible).toBe(5); // the last run of the chain releases what it kept
    h.clock.advance(60);
    await prober.round(); // done: back to the hourly interval
    expect(h.drains.started).toHaveLength(3);
    expect(h.queue.all().every((e) => e.receiveCount === 1)).toBe(true); // each message met once
  });

  it('with sweepReleasesAtEnd false, keeps even a complete pass hidden for its hold', async () => {
    const h = harness({ sweepReleasesAtEnd: false, sweepVisibilitySeconds: 43_200, queueLifetimeSeconds: 30 * 86_400 });
    await h.primaryDown();
    for (let i = 0; i < 5; i++) await h.arrive({ messageId: `m${i}` });
    expect(await h.runSweep()).toMatchObject({ kept: 5, released: 0, stoppedBecause: 'queue-empty' });
    expect((await h.queue.depth()).visible).toBe(0);
    h.clock.advance(43_200);
    expect((await h.queue.depth()).visible).toBe(5);
  });

  it('expires and re-enqueues while the probe says up but no drain finishes anything (stalled route)', async () => {
    const h = harness({ queueLifetimeSeconds: 5 * 86_400 });
    await h.index.markDone('earlier', 'main', new Date(h.clock.now().getTime() - 2 * 3600_000)); // last progress 2 h ago
    const { messageId } = await h.arrive({ timestamp: new Date(h.clock.now().getTime() - 5 * 86_400_000 - 1000) });
    h.probe.up(h.route.primary.host);
    const probe = new ProbePrimaries(
      { routes: [h.route], probe: h.probe, routeState: h.routeState, queues: () => h.queue, drains: h.drains, metrics: h.metrics, log: h.log, clock: h.clock, sleep: h.clock.sleep, index: h.index },
      { probeIntervalSeconds: 60 },
    );
    await probe.round();
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'deliver' }, { route: 'main', mode: 'sweep' }]);
    // the drain never runs (throttled); the sweep does
    expect(await h.runSweep()).toMatchObject({ expired: 1 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('expired');
    expect(h.transports.transactions).toHaveLength(0);
    // once drains finish messages again, neither the probe nor the sweep steps in
    h.clock.advance(60);
    await h.arrive();
    await probe.round();
    expect(h.drains.started.filter((d) => d.mode === 'sweep')).toHaveLength(1);
  });

  it('a route up and making progress, or that never finished anything, is not swept', async () => {
    const h = harness();
    await h.arrive();
    expect((await h.runSweep()).stoppedBecause).toBe('primary-up'); // never finished anything
    await h.index.markDone('recent', 'main', new Date(h.clock.now().getTime() - 600_000));
    expect((await h.runSweep()).stoppedBecause).toBe('primary-up'); // finished one 10 min ago
  });
});
