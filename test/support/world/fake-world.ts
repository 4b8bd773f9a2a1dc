// The one fake world the engine runs on in tests: the in-memory queue, store,
// ledger, index, route state and dead letters on one manual clock, and the
// engine's dependencies over them. The engine harness puts recording edges
// around it (transports, notices, log, metrics); the scale world configures
// the same fakes like SQS and injects its faults into them. Both build their
// engine (engineDeps) and their probe (proberDeps) over it here.
import {
  InMemoryDeadLetterStore,
  InMemoryLedger,
  InMemoryMailQueue,
  InMemoryMessageIndex,
  InMemoryMessageStore,
  InMemoryRouteState,
  ManualClock,
} from '../../../lambdas/adapters/fakes/index.js';
import type { EngineDeps } from '../../../lambdas/core/drain/drain-deps.js';
import type { ProbeDeps } from '../../../lambdas/core/probe/probe-primaries.js';

export interface FakeWorld {
  clock: ManualClock;
  /** The route's queue (one route per world). */
  queue: InMemoryMailQueue;
  store: InMemoryMessageStore;
  ledger: InMemoryLedger;
  index: InMemoryMessageIndex;
  routeState: InMemoryRouteState;
  deadLetters: InMemoryDeadLetterStore;
}

/** What a world's user brings to the engine: how mail leaves it, what it logs and counts, how it reads a notification. */
export type EngineEdges = Omit<EngineDeps, 'queues' | 'store' | 'ledger' | 'index' | 'routeState' | 'deadLetters' | 'clock'>;

/** The stores, empty, with the clock at `start`. */
export function fakeWorld(start: Date | string): FakeWorld {
  const clock = new ManualClock(start);
  return {
    clock,
    queue: new InMemoryMailQueue(clock),
    store: new InMemoryMessageStore(),
    ledger: new InMemoryLedger(),
    index: new InMemoryMessageIndex(),
    routeState: new InMemoryRouteState(),
    deadLetters: new InMemoryDeadLetterStore(),
  };
}

/** The engine's dependencies: the world's stores and clock, and `edges` (kept with their own types, for assertions). */
export function engineDeps<E extends EngineEdges>(world: FakeWorld, edges: E) {
  const { queue, store, ledger, index, routeState, deadLetters, clock } = world;
  return { queues: () => queue, store, ledger, index, routeState, deadLetters, clock, ...edges } satisfies EngineDeps;
}

/**
 * What a world's user brings to the probe: its routes, the primary check, how
 * drains start, log and metrics, and what else it watches (the index, the
 * dead-letter records, held notices, the problems evaluation): the engine
 * harness gives it those, the scale run's probe runs without them.
 */
export type ProbeEdges = Omit<ProbeDeps, 'routeState' | 'queues' | 'clock' | 'sleep'>;

/** The probe's dependencies: the world's route state, queue and clock (its sleep advancing it), and `edges`. */
export function proberDeps(world: FakeWorld, edges: ProbeEdges): ProbeDeps {
  const { routeState, queue, clock } = world;
  return { routeState, queues: () => queue, clock, sleep: clock.sleep, ...edges };
}
