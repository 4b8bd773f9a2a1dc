import { describe, expect, it } from 'vitest';
import { conditionsOf, ROUTE_CONDITIONS } from '../../../../lambdas/core/problems/conditions.js';
import { HEALTH_REFRESH_SECONDS } from '../../../../lambdas/core/probe/health-change.js';
import { harness } from '../../../support/world/engine-harness.js';

describe('ProbePrimaries', () => {
  it('records an up primary and starts a drain at once when mail is waiting', async () => {
    const h = harness();
    await h.arrive();
    h.probe.up('mail.example.com', 42);
    const rounds = await h.prober().run();
    expect(rounds[0]![0]!.started).toBe('deliver');
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'deliver' }]);
    expect(await h.routeState.health('main')).toMatchObject({ status: 'up', latencyMs: 42, consecutiveFailures: 0, since: h.clock.now() });
    expect(h.metrics.counts).toContainEqual({ name: 'PrimaryUp', value: 1, route: 'main' });
    expect(h.probe.checks[0]).toEqual(h.route.primary);
  });

  it('publishes QueuedMessages and OldestQueuedAgeSeconds from the index every round, whatever SQS shows', async () => {
    const h = harness();
    const firstAt = h.clock.now();
    const index = async () => {
      const { messageId } = await h.arrive();
      await h.index.add({ messageId, route: 'main', sender: 'a@sender.example', recipients: ['bob@example.com'], receivedAt: h.clock.now(), state: 'queued' });
    };
    await index();
    h.clock.advance(600);
    await index();
    await h.queue.receive(10, 0, 43_200); // both in flight: SQS's visible count and age metric miss them
    h.clock.advance(120);
    h.probe.up('mail.example.com');
    const rounds = await h.prober().run();
    expect(rounds[0]![0]).toMatchObject({ queued: 2, oldestAgeSeconds: Math.round((h.clock.now().getTime() - firstAt.getTime()) / 1000) });
    expect(h.metrics.gauges).toEqual([
      // Notices held for the operator, from their records (the NoticesHeld alarm's figure).
      { name: 'HeldNotices', value: 0, route: 'main' },
      // Dead letters not yet requeued or deleted, from their records (the DeadLetters alarm's figure).
      { name: 'DeadLetters', value: 0, route: 'main' },
      { name: 'QueuedMessages', value: 2, route: 'main' },
      { name: 'OldestQueuedAgeSeconds', value: 720, route: 'main' },
      // The probe's verdict from these figures (core/problems): no condition on.
      { name: 'RouteProblems', value: 0, route: 'main' },
    ]);
  });

  it('publishes 0 and 0 for an empty route (so the alarm clears), also while the primary is down', async () => {
    const h = harness();
    h.probe.down('mail.example.com');
    await h.prober().run();
    expect(h.metrics.gauges).toEqual([
      { name: 'HeldNotices', value: 0, route: 'main' },
      { name: 'DeadLetters', value: 0, route: 'main' },
      { name: 'QueuedMessages', value: 0, route: 'main' },
      { name: 'OldestQueuedAgeSeconds', value: 0, route: 'main' },
      // Down for less than primaryDownMinutes: no condition on yet.
      { name: 'RouteProblems', value: 0, route: 'main' },
    ]);
  });

  it('publishes the held notices of each route; a failed count is logged and the queue figures still go out', async () => {
    const h = harness();
    await h.heldNotices.hold({ route: 'main', messageId: 'm1', copy: 'c', kind: 'dsn', at: h.clock.now(), why: 'budget', to: 'a@sender.example', recipients: ['x@example.com'], raw: 'x' });
    h.probe.up('mail.example.com');
    await h.prober().run();
    expect(h.metrics.gauges[0]).toEqual({ name: 'HeldNotices', value: 1, route: 'main' });
    h.heldNotices.count = async () => Promise.reject(new Error('throttled'));
    await h.prober().run();
    expect(h.metrics.gauges.slice(5).map((g) => g.name)).toEqual(['DeadLetters', 'QueuedMessages', 'OldestQueuedAgeSeconds', 'RouteProblems']);
    // The count it could not read is a condition of its own, never a zero.
    expect(conditionsOf(ROUTE_CONDITIONS, h.metrics.gauges.at(-1)!.value)).toEqual(['unreadable']);
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'could not count the held notices')).toBe(true);
  });

  it('a refused AUTH is recorded as down with "primary refuses our credentials"', async () => {
    const h = harness();
    h.probe.set('mail.example.com', { ok: false, latencyMs: 5, error: 'AUTH: 535 5.7.8 Authentication credentials invalid', authRefused: true });
    await h.prober().run();
    expect(await h.routeState.health('main')).toMatchObject({
      status: 'down',
      lastError: 'primary refuses our credentials: AUTH: 535 5.7.8 Authentication credentials invalid; next AUTH try at 2026-01-05T10:02:00.000Z',
    });
  });

  it('starts no drain when the queue is empty', async () => {
    const h = harness();
    await h.prober().run();
    expect(h.drains.started).toEqual([]);
  });

  it('starts a drain when the only mail counts as in flight (SQS counts lag; a retry delay may just have ended)', async () => {
    const h = harness();
    await h.arrive();
    await h.queue.receive(10, 0, 300); // now hidden: in flight, not visible
    expect(await h.queue.depth()).toMatchObject({ visible: 0, inFlight: 1 });
    h.probe.up('mail.example.com');
    await h.prober().run();
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'deliver' }]);
  });

  it('tracks down transitions: since, consecutive failures, last error', async () => {
    const h = harness();
    h.probe.down('mail.example.com', 'EHLO: 421 4.3.2 shutting down');
    await h.prober().run();
    const downSince = h.clock.now();
    h.clock.advance(60);
    h.probe.down('mail.example.com', 'connect: ECONNREFUSED');
    await h.prober().run();
    expect(await h.routeState.health('main')).toMatchObject({ status: 'down', since: downSince, consecutiveFailures: 2, lastError: 'connect: ECONNREFUSED' });
    h.clock.advance(60);
    h.probe.up('mail.example.com');
    await h.prober().run();
    expect(await h.routeState.health('main')).toMatchObject({ status: 'up', since: h.clock.now(), consecutiveFailures: 0 });
    expect((await h.routeState.health('main'))!.lastError).toBeUndefined();
    expect(h.metrics.counts.filter((c) => c.name === 'PrimaryUp').map((c) => c.value)).toEqual([0, 0, 1]);
  });

  it('writes the health item when it changes, and otherwise about once a minute (with a 5 s probe: 1 write per 12 rounds)', async () => {
    const h = harness();
    let writes = 0;
    const save = h.routeState.saveHealth.bind(h.routeState);
    h.routeState.saveHealth = async (health) => {
      writes++;
      return save(health);
    };
    h.probe.up('mail.example.com');
    let oldestSeen = 0;
    for (let minute = 0; minute < 10; minute++) {
      const rounds = await h.prober(5).run(); // 12 rounds of 5 s: one scheduled invocation
      expect(rounds).toHaveLength(12);
      oldestSeen = Math.max(oldestSeen, (h.clock.now().getTime() - (await h.routeState.health('main'))!.lastCheckAt.getTime()) / 1000);
      h.clock.advance(5);
    }
    // 120 rounds: the first write, then one a minute; the stored check never older than the refresh.
    expect(writes).toBeGreaterThanOrEqual(10);
    expect(writes).toBeLessThanOrEqual(11);
    expect(oldestSeen).toBeLessThan(HEALTH_REFRESH_SECONDS);
    h.probe.down('mail.example.com', 'connect: ECONNREFUSED');
    const before = writes;
    await h.prober(60).run();
    expect(writes).toBe(before + 1); // up → down is written at once
    expect(h.metrics.counts.filter((c) => c.name === 'PrimaryUp')).toHaveLength(121); // the metric every round
  });

  it('when down, starts a sweep at most once per interval', async () => {
    const h = harness();
    await h.arrive();
    h.probe.down('mail.example.com');
    await h.prober().run();
    h.clock.advance(60);
    await h.prober().run();
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'sweep' }]);
    h.clock.advance(3600);
    await h.prober().run();
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'sweep' }, { route: 'main', mode: 'sweep' }]);
  });

  it('a held route gets a sweep, never a drain', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.setHold('main', { since: h.clock.now() });
    await h.prober().run();
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'sweep' }]);
  });

  it('a probe that throws counts as down', async () => {
    const h = harness();
    h.probe.check = async () => {
      throw new Error('socket hang up');
    };
    await h.prober().run();
    expect(await h.routeState.health('main')).toMatchObject({ status: 'down', lastError: 'probe: socket hang up' });
  });

  it('loops inside one invocation when the interval is under a minute', async () => {
    const h = harness();
    const start = h.clock.now().getTime();
    h.probe.then('mail.example.com', { ok: false, latencyMs: 1, error: 'connect: ECONNREFUSED' }, { ok: false, latencyMs: 1, error: 'connect: ECONNREFUSED' });
    await h.arrive();
    const rounds = await h.prober(15).run();
    expect(rounds).toHaveLength(4);
    expect(h.probe.checks).toHaveLength(4);
    expect(h.clock.now().getTime() - start).toBe(45_000);
    // down, down, then up: the drain starts in the third round, 30 s in
    expect(rounds.map((r) => r[0]!.started)).toEqual(['sweep', undefined, 'deliver', 'deliver']);
  });

  it('starts no round that would run past its window when rounds are slow', async () => {
    const h = harness();
    const start = h.clock.now().getTime();
    const check = h.probe.check.bind(h.probe);
    h.probe.check = async (primary) => {
      h.clock.advance(30); // connect and greeting time out after 10 s each, EHLO too
      return check(primary);
    };
    const rounds = await h.prober(10).run();
    expect(rounds).toHaveLength(2);
    expect(h.clock.now().getTime() - start).toBeLessThanOrEqual(60_000);
  });

  it('one failing route does not stop the others', async () => {
    const h = harness();
    const other = { ...h.route, name: 'other', primary: { ...h.route.primary, host: 'mx.other.example' } };
    const prober = new (await import('../../../../lambdas/core/probe/probe-primaries.js')).ProbePrimaries(
      {
        routes: [h.route, other],
        probe: h.probe,
        routeState: h.routeState,
        queues: (r) => {
          if (r.name === 'main') throw new Error('bad queue url');
          return h.queue;
        },
        drains: h.drains,
        metrics: h.metrics,
        log: h.log,
        clock: h.clock,
        sleep: h.clock.sleep,
      },
      { probeIntervalSeconds: 60 },
    );
    await h.arrive();
    const [round] = await prober.run();
    expect(round!.find((r) => r.route === 'main')!.error).toBe('bad queue url');
    expect(h.drains.started).toEqual([{ route: 'other', mode: 'deliver' }]);
  });
});
