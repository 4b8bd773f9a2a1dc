// The probe as the evaluator: every round publishes RouteProblems for every
// route (also for one whose check throws: then with `unreadable` on) and
// StackProblems once; the trigger's one-route check evaluates nothing.
import { describe, expect, it } from 'vitest';
import {
  InMemoryDeadLetterStore,
  InMemoryDeliveryRecords,
  InMemoryHeldNotices,
  InMemoryMailQueue,
  InMemoryMessageIndex,
  InMemoryProblemStates,
  InMemoryQueueDepth,
  InMemoryRouteState,
  ManualClock,
  RecordingDeliveryLog,
  RecordingDrainStarter,
  RecordingMetrics,
  ScriptedProbe,
} from '../../../../lambdas/adapters/fakes/index.js';
import type { Route } from '../../../../lambdas/core/model.js';
import { ProbePrimaries } from '../../../../lambdas/core/probe/probe-primaries.js';
import { conditionsOf, ROUTE_CONDITIONS } from '../../../../lambdas/core/problems/conditions.js';
import { DEFAULT_THRESHOLDS } from '../../../../lambdas/core/problems/route-conditions.js';
import { WatchProblems } from '../../../../lambdas/core/problems/watch-problems.js';

const route = (name: string, host: string): Route => ({ name, domains: [`${name}.example`], primary: { host, port: 25, tls: 'none' }, queueUrl: `https://sqs.example/${name}`, bouncePolicy: 'dsn' });

function setup(probeIntervalSeconds = 60) {
  const clock = new ManualClock('2026-01-05T10:00:00Z');
  const routes = [route('a', 'mx.a.example'), route('b', 'mx.b.example'), route('c', 'mx.c.example')];
  const routeState = new InMemoryRouteState();
  const index = new InMemoryMessageIndex();
  const metrics = new RecordingMetrics();
  const log = new RecordingDeliveryLog();
  const deadLetters = new InMemoryDeadLetterStore();
  const problems = new WatchProblems(
    { states: new InMemoryProblemStates(), deliveries: new InMemoryDeliveryRecords(), deadLetterQueue: new InMemoryQueueDepth(), metrics, log, clock },
    { thresholds: DEFAULT_THRESHOLDS },
  );
  const probe = new ScriptedProbe().up('mx.a.example').down('mx.b.example').up('mx.c.example');
  const queue = new InMemoryMailQueue(clock);
  const prober = new ProbePrimaries(
    { routes, probe, routeState, index, queues: () => queue, drains: new RecordingDrainStarter(), metrics, log, clock, sleep: clock.sleep, heldNotices: new InMemoryHeldNotices(), deadLetters, problems },
    { probeIntervalSeconds },
  );
  const routeProblems = () => metrics.gauges.filter((g) => g.name === 'RouteProblems').map((g) => [g.route, conditionsOf(ROUTE_CONDITIONS, g.value)]);
  return { clock, routeState, index, metrics, log, prober, routeProblems, deadLetters };
}

describe('the probe publishes the problems every round', () => {
  it('RouteProblems for every route and StackProblems once, each round of the invocation', async () => {
    const h = setup(20);
    await h.prober.run();
    expect(h.routeProblems()).toHaveLength(9); // three rounds, three routes
    expect(h.metrics.stackGauges.filter((g) => g.name === 'StackProblems')).toHaveLength(3);
  });

  it('a route whose check throws still gets its gauge, with unreadable on; the others are unaffected', async () => {
    const h = setup();
    const controls = h.routeState.controls.bind(h.routeState);
    h.routeState.controls = async (name, options) => (name === 'b' ? Promise.reject(new Error('ProvisionedThroughputExceeded')) : controls(name, options));
    await h.prober.round();
    expect(new Map(h.routeProblems() as [string, string[]][])).toEqual(new Map([['a', []], ['b', ['unreadable']], ['c', []]]));
    expect(h.log.lines.find((l) => l.message === 'probe failed')?.fields).toMatchObject({ route: 'b' });
  });

  it('a figure that cannot be read sets unreadable, never a zero', async () => {
    const h = setup();
    h.index.queuedStats = async () => Promise.reject(new Error('throttled'));
    await h.prober.round();
    // b is down (not yet 15 minutes): only unreadable, on every route, since the index failed for each.
    expect(new Map(h.routeProblems() as [string, string[]][])).toEqual(new Map([['a', ['unreadable']], ['b', ['unreadable']], ['c', ['unreadable']]]));
    expect(h.log.lines.some((l) => l.level === 'error' && l.message === 'could not read the message index')).toBe(true);
  });

  it('primary-down is on once the primary has been down for primaryDownMinutes', async () => {
    const h = setup();
    await h.prober.round();
    h.clock.advance(15 * 60);
    await h.prober.round();
    expect(new Map(h.routeProblems().slice(3) as [string, string[]][]).get('b')).toEqual(['primary-down']);
  });

  it('the trigger\'s one-route check publishes no problems (the scheduled round does)', async () => {
    const h = setup();
    await h.prober.probeOne('a');
    expect(h.routeProblems()).toEqual([]);
    expect(h.metrics.stackGauges).toEqual([]);
  });
});
