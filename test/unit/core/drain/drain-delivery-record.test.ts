// The drain's side of deliveries-failing and primary-refuses-all: each run
// that did something moves the route's delivery record on; the probe reads it.
// Fifteen minutes of runs that fail their session while the probe finds the
// primary up is the condition; one delivery ends it; a record that cannot be
// saved is an error line, never a failed run.
import { describe, expect, it } from 'vitest';
import { InMemoryDeliveryRecords, InMemoryProblemStates } from '../../../../lambdas/adapters/fakes/index.js';
import { DrainRoute } from '../../../../lambdas/core/drain/drain-route.js';
import { conditionsOf, ROUTE_CONDITIONS } from '../../../../lambdas/core/problems/conditions.js';
import { DEFAULT_THRESHOLDS } from '../../../../lambdas/core/problems/route-conditions.js';
import { WatchProblems } from '../../../../lambdas/core/problems/watch-problems.js';
import { harness } from '../../../support/world/engine-harness.js';

function setup() {
  const h = harness();
  const records = new InMemoryDeliveryRecords();
  const drain = new DrainRoute({ ...h.deps, deliveryRecords: records }, { hostname: 'mx2.example.com', concurrency: 1 });
  const watch = new WatchProblems({ states: new InMemoryProblemStates(), deliveries: records, metrics: h.metrics, log: h.log, clock: h.clock }, { thresholds: DEFAULT_THRESHOLDS });
  /** As the probe finds it every minute: up since long ago. */
  const probeSaysUp = () => h.routeState.saveHealth({ route: 'main', status: 'up', since: new Date('2026-01-01T00:00:00Z'), lastCheckAt: h.clock.now(), consecutiveFailures: 0 });
  const conditions = async () => conditionsOf(ROUTE_CONDITIONS, await watch.route('main', { unreadable: [], health: { status: 'up', since: new Date('2026-01-01T00:00:00Z') } }));
  /** One minute: a message arrives, the probe finds the primary up, a drain runs (its session failing when `fail`). */
  const minute = async (fail: boolean) => {
    await h.arrive();
    await probeSaysUp();
    if (fail) h.transports.failNextSession({ text: '454 4.7.0 TLS not available', errorCode: 'ECONNECTION' });
    const summary = await drain.run(h.route, { owner: 'drain', budgetSeconds: 600 });
    h.clock.advance(60);
    return summary;
  };
  return { h, records, drain, conditions, minute };
}

describe('the drain\'s delivery record', () => {
  it('deliveries-failing after 15 minutes of failing runs with the primary up; ended by a delivery', async () => {
    const { records, conditions, minute } = setup();
    const first = await minute(true);
    expect(first.stoppedBecause).toBe('connection-failed');
    expect(records.records.get('main')).toMatchObject({ lastFailure: 'connection-failed', refusedSinceDelivery: 0 });
    for (let m = 1; m < 14; m++) await minute(true);
    expect(await conditions()).toEqual([]); // 14 minutes after the first failing run
    await minute(true);
    expect(await conditions()).toEqual(['deliveries-failing']);
    const ok = await minute(false);
    expect(ok.delivered).toBeGreaterThan(0);
    expect(await conditions()).toEqual([]);
    expect(records.records.get('main')?.failingSince).toBeUndefined();
  });

  it('counts recipients the primary refused with a 5xx towards primary-refuses-all', async () => {
    const { h, records, drain, conditions } = setup();
    const refused = Array.from({ length: 20 }, (_, i) => `u${i}@example.com`);
    for (const r of refused) h.transports.reply(r, { code: 550, enhanced: '5.1.1', text: 'no such user' });
    await h.routeState.saveHealth({ route: 'main', status: 'up', since: h.clock.now(), lastCheckAt: h.clock.now(), consecutiveFailures: 0 });
    await h.arrive({ recipients: refused });
    const summary = await drain.run(h.route, { owner: 'drain', budgetSeconds: 600 });
    expect(summary.refused).toBe(20);
    expect(records.records.get('main')?.refusedSinceDelivery).toBe(20);
    expect(await conditions()).toEqual(['primary-refuses-all']);
  });

  it('a run that did nothing reads and writes nothing', async () => {
    const { h, records, drain } = setup();
    records.failNext.get = new Error('would have been read');
    await drain.run(h.route, { owner: 'drain', budgetSeconds: 600 });
    expect(records.records.size).toBe(0);
    expect(h.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a record that cannot be saved is an error line; the run and its deliveries stand', async () => {
    const { h, records, minute } = setup();
    records.failNext.save = new Error('throttled');
    const summary = await minute(false);
    expect(summary.delivered).toBe(1);
    expect(h.log.lines.find((l) => l.level === 'error')?.message).toMatch(/could not update the route's delivery record/);
  });
});
