// The probe: checks each route's primary, records its health, and starts
// work: a drain at once when the primary is up, the route not held and mail
// is waiting; a sweep (at most every sweepIntervalSeconds) when it is down or
// held. The scheduler fires once a minute; shorter intervals loop inside one
// invocation.
import { healthWorthWriting } from './health-change.js';
import type { PrimaryHealth, Route } from './model.js';
import type { Clock, DeliveryLog, DrainStarter, MailQueue, Metrics, PrimaryProbe, ProbeResult, RouteState } from './ports.js';

export interface ProbeDeps {
  routes: Route[];
  probe: PrimaryProbe;
  routeState: RouteState;
  queues: (route: Route) => MailQueue;
  drains: DrainStarter;
  metrics: Metrics;
  log: DeliveryLog;
  clock: Clock;
  /** Waits between rounds (a real timer in Lambda; ManualClock.sleep in tests). */
  sleep: (ms: number) => Promise<void>;
}

export interface ProbeOptions {
  /** Seconds between checks (1–60). Below 60, one invocation runs several rounds. */
  probeIntervalSeconds: number;
  /** Seconds one invocation covers (the scheduler period, default 60). */
  windowSeconds?: number;
  /** Least time between two sweeps of a down or held route (default 3600). */
  sweepIntervalSeconds?: number;
}

export interface RouteProbeOutcome {
  route: string;
  status: PrimaryHealth['status'];
  held: boolean;
  started?: 'deliver' | 'sweep';
  error?: string;
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ProbePrimaries {
  constructor(
    private readonly deps: ProbeDeps,
    private readonly options: ProbeOptions,
  ) {}

  /**
   * All rounds of one invocation: one every interval within the window. A
   * round whose checks time out takes long (a step timeout per route), so no
   * round starts that, as long as the longest one so far, would end past the
   * window: the invocation must finish within its Lambda timeout.
   */
  async run(): Promise<RouteProbeOutcome[][]> {
    const { clock } = this.deps;
    const interval = Math.max(1, this.options.probeIntervalSeconds);
    const windowMs = (this.options.windowSeconds ?? 60) * 1000;
    const rounds = interval * 1000 < windowMs ? Math.floor(windowMs / (interval * 1000)) : 1;
    const began = clock.now().getTime();
    let longest = 0;
    const results: RouteProbeOutcome[][] = [];
    for (let i = 0; i < rounds; i++) {
      const started = clock.now().getTime();
      results.push(await this.round());
      const ended = clock.now().getTime();
      longest = Math.max(longest, ended - started);
      if (i === rounds - 1) break;
      const nextStart = Math.max(ended, started + interval * 1000);
      if (nextStart - began + longest > windowMs) {
        this.deps.log.warn('probe rounds are slow: skipping the rest of this window', { longestRoundMs: longest, rounds: i + 1 });
        break;
      }
      if (nextStart > ended) await this.deps.sleep(nextStart - ended);
    }
    await this.deps.metrics.flush();
    return results;
  }

  /** One check of every route; a failing route never stops the others. */
  async round(): Promise<RouteProbeOutcome[]> {
    return Promise.all(
      this.deps.routes.map((route) =>
        this.probeRoute(route).catch((error: Error) => {
          this.deps.log.error('probe failed', { route: route.name, error: error.message });
          return { route: route.name, status: 'unknown' as const, held: false, error: error.message };
        }),
      ),
    );
  }

  private async probeRoute(route: Route): Promise<RouteProbeOutcome> {
    const { clock, routeState, metrics, log } = this.deps;
    const result: ProbeResult = await this.deps.probe
      .check(route.primary)
      .catch((error: Error) => ({ ok: false, latencyMs: 0, error: `probe: ${error.message}` }));
    const now = clock.now();
    const previous = await routeState.health(route.name);
    const status = result.ok ? 'up' : 'down';
    const health: PrimaryHealth = {
      route: route.name,
      status,
      since: previous?.status === status ? previous.since : now,
      lastCheckAt: now,
      latencyMs: result.latencyMs,
      consecutiveFailures: result.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1,
      ...(result.ok ? {} : { lastError: result.error ?? 'probe failed' }),
    };
    if (healthWorthWriting(previous, health)) await routeState.saveHealth(health);
    metrics.count('PrimaryUp', result.ok ? 1 : 0, route.name);
    if (previous?.status !== status) log.info(`primary ${status}`, { route: route.name, host: route.primary.host, error: result.error });

    const held = (await routeState.hold(route.name)) !== undefined;
    const outcome: RouteProbeOutcome = { route: route.name, status, held };
    if (result.ok && !held) {
      // Any mail at all, not only visible mail: SQS counts are approximate and lag,
      // and a retry whose delay just ended may still count as in flight. A drain
      // that finds nothing ready costs one receive.
      const depth = await this.deps.queues(route).depth();
      if (depth.visible + depth.inFlight + depth.delayed > 0) {
        await this.deps.drains.start(route.name, 'deliver');
        outcome.started = 'deliver';
      }
    } else if (routeState.claimSweep && (await routeState.claimSweep(route.name, now, this.options.sweepIntervalSeconds ?? 3600))) {
      await this.deps.drains.start(route.name, 'sweep');
      outcome.started = 'sweep';
    }
    return outcome;
  }
}
