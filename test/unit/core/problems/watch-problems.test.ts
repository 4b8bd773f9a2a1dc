// The probe's evaluation over rounds: a condition is announced ("problem
// began", an ERROR line) once it has lasted 120 s, "problem ended" when it
// goes, the state is saved only when it changed, and a previous state that
// cannot be read is reported (unreadable) and never overwritten.
import { describe, expect, it } from 'vitest';
import {
  InMemoryCanaryArrivals,
  InMemoryDeliveryRecords,
  InMemoryOrphanWatchRecords,
  InMemoryProblemStates,
  InMemoryQueueDepth,
  ManualClock,
  RecordingDeliveryLog,
  RecordingMetrics,
} from '../../../../lambdas/adapters/fakes/index.js';
import { conditionsOf, ROUTE_CONDITIONS, STACK_CONDITIONS } from '../../../../lambdas/core/problems/conditions.js';
import { STACK_SCOPE } from '../../../../lambdas/core/problems/problem-ports.js';
import { ANNOUNCE_AFTER_SECONDS } from '../../../../lambdas/core/problems/report-problems.js';
import { DEFAULT_THRESHOLDS, type RouteFigures } from '../../../../lambdas/core/problems/route-conditions.js';
import { WatchProblems } from '../../../../lambdas/core/problems/watch-problems.js';

function setup(options: { canaryIntervalMinutes?: number } = {}) {
  const clock = new ManualClock('2026-01-05T10:00:00Z');
  const deps = {
    states: new InMemoryProblemStates(),
    deliveries: new InMemoryDeliveryRecords(),
    deadLetterQueue: new InMemoryQueueDepth(),
    orphanWatch: new InMemoryOrphanWatchRecords(),
    canaryArrivals: new InMemoryCanaryArrivals(),
    metrics: new RecordingMetrics(),
    log: new RecordingDeliveryLog(),
    clock,
  };
  deps.orphanWatch.found = { at: clock.now(), messages: 0 };
  const watch = new WatchProblems(deps, { thresholds: DEFAULT_THRESHOLDS, ...options });
  const up = (): RouteFigures => ({ unreadable: [], health: { status: 'up', since: new Date('2026-01-01T00:00:00Z') }, queued: 0, oldestAgeSeconds: 0, deadLetters: 0, heldNotices: 0 });
  const lines = (message: string) => deps.log.lines.filter((l) => l.message === message);
  const routeGauges = (route: string) => deps.metrics.gauges.filter((g) => g.name === 'RouteProblems' && g.route === route).map((g) => g.value);
  return { clock, deps, watch, up, lines, routeGauges };
}

describe('WatchProblems over rounds', () => {
  it(`announces a condition once it has lasted ${ANNOUNCE_AFTER_SECONDS} s, then says it ended; the gauge carries it from the first round`, async () => {
    const { clock, watch, up, lines, routeGauges } = setup();
    const dead = { ...up(), deadLetters: 2 };
    await watch.evaluate([['main', dead]]);
    clock.advance(60);
    await watch.evaluate([['main', dead]]);
    expect(lines('problem began')).toHaveLength(0);
    clock.advance(ANNOUNCE_AFTER_SECONDS - 60);
    await watch.evaluate([['main', dead]]);
    expect(lines('problem began')).toHaveLength(1);
    expect(lines('problem began')[0]).toMatchObject({ level: 'error', fields: { route: 'main', condition: 'dead-letters', since: '2026-01-05T10:00:00.000Z' } });
    expect(String(lines('problem began')[0]!.fields!.fix)).toContain('backup-mx status');
    clock.advance(60);
    await watch.evaluate([['main', dead]]);
    expect(lines('problem began')).toHaveLength(1); // once, not every round
    expect(lines('problems').length).toBeGreaterThanOrEqual(2); // a warning per round while on
    await watch.evaluate([['main', up()]]);
    expect(lines('problem ended')).toHaveLength(1);
    expect(routeGauges('main')).toEqual([8, 8, 8, 8, 0]);
  });

  it('a condition that comes and goes before 120 s is never announced', async () => {
    const { clock, watch, up, lines } = setup();
    await watch.evaluate([['main', { ...up(), heldNotices: 1 }]]);
    clock.advance(60);
    await watch.evaluate([['main', up()]]);
    expect(lines('problem began')).toHaveLength(0);
    expect(lines('problem ended')).toHaveLength(0);
  });

  it('saves the state only when it changed: a steady round writes nothing', async () => {
    const { clock, deps, watch, up } = setup();
    await watch.evaluate([['main', up()]]); // first state of the route and the stack
    const first = deps.states.saves.length;
    clock.advance(60);
    await watch.evaluate([['main', up()]]);
    expect(deps.states.saves.length).toBe(first);
    await watch.evaluate([['main', { ...up(), queued: 500 }]]); // began
    clock.advance(ANNOUNCE_AFTER_SECONDS);
    await watch.evaluate([['main', { ...up(), queued: 500 }]]); // announced
    clock.advance(60);
    await watch.evaluate([['main', { ...up(), queued: 500 }]]); // steady
    await watch.evaluate([['main', up()]]); // ended
    expect(deps.states.saves.slice(first).filter((s) => s.scope === 'main').map((s) => Object.keys(s.state.conditions))).toEqual([['backlog'], ['backlog'], []]);
  });

  it('a previous state that cannot be read: unreadable is on, and the state it could not read is not overwritten', async () => {
    const { deps, watch, up, routeGauges } = setup();
    const kept = { conditions: { 'primary-down': { since: new Date('2026-01-05T09:00:00Z'), announced: true } } };
    await deps.states.save('main', kept);
    deps.states.saves.length = 0;
    deps.states.failNext.get = new Error('throttled');
    await watch.route('main', { ...up(), queued: 500 });
    expect(routeGauges('main')).toEqual([4 + 128]); // backlog and unreadable
    expect(deps.states.saves.filter((s) => s.scope === 'main')).toEqual([]);
    expect(deps.states.states.get('main')).toEqual(kept);
  });

  it('a state that cannot be saved turns unreadable on (a grace or an announcement that restarts every round is no "fine"), with an error line', async () => {
    const { deps, watch, up, routeGauges, clock } = setup({ canaryIntervalMinutes: 60 });
    deps.states.save = async () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    const stackBits: number[] = [];
    for (let m = 0; m < 90; m++) {
      await watch.route('corp', up());
      stackBits.push(await watch.stack());
      clock.advance(60);
    }
    // Every round tried to save (nothing was ever stored) and said so.
    expect(routeGauges('corp').every((bits) => conditionsOf(ROUTE_CONDITIONS, bits).includes('unreadable'))).toBe(true);
    expect(stackBits.every((bits) => conditionsOf(STACK_CONDITIONS, bits).includes('unreadable'))).toBe(true);
    expect(deps.log.lines.filter((l) => l.level === 'error' && l.message === 'could not save the problems found').length).toBeGreaterThanOrEqual(180);
  });

  it('a route whose check failed (no figures) publishes its gauge with unreadable on', async () => {
    const { watch, routeGauges, lines } = setup();
    await watch.evaluate([['main', undefined]]);
    expect(routeGauges('main')).toEqual([128]);
    expect(lines('problem began')).toHaveLength(0);
  });

  it('a delivery record that cannot be read is unreadable, named in the error line', async () => {
    const { deps, watch, up, routeGauges, lines } = setup();
    deps.deliveries.failNext.get = new Error('throttled');
    await watch.route('main', up());
    expect(routeGauges('main')).toEqual([128]);
    expect(lines('could not read the drain\'s delivery record')).toHaveLength(1);
  });

  it('publishes StackProblems once per round; the DLQ\'s depth, an unreadable depth, the canary never arriving', async () => {
    const { clock, deps, watch, up } = setup({ canaryIntervalMinutes: 60 });
    await watch.evaluate([['a', up()], ['b', up()]]);
    expect(deps.metrics.stackGauges).toEqual([{ name: 'StackProblems', value: 0 }]);
    expect(deps.metrics.gauges.filter((g) => g.name === 'RouteProblems').map((g) => g.route).sort()).toEqual(['a', 'b']);
    deps.deadLetterQueue.messages = 1;
    await watch.stack();
    expect(deps.metrics.stackGauges.at(-1)!.value).toBe(1);
    deps.deadLetterQueue.failNext.depth = new Error('AccessDenied');
    await watch.stack();
    expect(deps.metrics.stackGauges.at(-1)!.value).toBe(8); // unreadable, not a zero
    deps.deadLetterQueue.messages = 0;
    deps.orphanWatch.found = { at: new Date(clock.now().getTime() + 76 * 60_000), messages: 0 };
    clock.advance(76 * 60); // the grace from the first round: interval + 15 minutes
    await watch.stack();
    expect(deps.metrics.stackGauges.at(-1)!.value).toBe(4); // canary-missing
    await deps.canaryArrivals.record({ at: clock.now(), roundTripSeconds: 3 });
    await watch.stack();
    expect(deps.metrics.stackGauges.at(-1)!.value).toBe(0);
  });

  it('the grace of a stack record counts from the first round the probe saved, not from each round', async () => {
    const { clock, deps, watch } = setup({ canaryIntervalMinutes: 60 });
    await watch.stack();
    expect(deps.states.states.get(STACK_SCOPE)?.firstRoundAt).toEqual(new Date('2026-01-05T10:00:00Z'));
    for (let i = 0; i < 80; i++) {
      clock.advance(60);
      deps.orphanWatch.found = { at: clock.now(), messages: 0 };
      await watch.stack();
    }
    expect(deps.metrics.stackGauges.at(-1)!.value).toBe(4);
  });
});
