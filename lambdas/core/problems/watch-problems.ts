// The probe's evaluation, once per round: each route's conditions from the
// figures the round read (health, the index, dead letters, held notices) and
// the drain's delivery record; the stack's from the dead-letter queue, the
// hourly watch's record and the canary's last arrival. Each scope publishes
// one gauge (RouteProblems, StackProblems): its alarm treats a missing figure
// as breaching, so a probe that stops, or cannot evaluate, is an alarm too.
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import { conditionBits, ROUTE_CONDITIONS, STACK_CONDITIONS } from './conditions.js';
import type { CanaryArrivals, DeliveryRecords, OrphanWatchRecords, ProblemState, ProblemStates, QueueDepth } from './problem-ports.js';
import { STACK_SCOPE } from './problem-ports.js';
import { reportProblems } from './report-problems.js';
import { routeConditions, type RouteFigures, type RouteThresholds } from './route-conditions.js';
import { stackConditions, type StackFigures } from './stack-conditions.js';

export interface WatchProblemsDeps {
  states: ProblemStates;
  deliveries: DeliveryRecords;
  /** The dead-letter queue's depth (SQS's view). */
  deadLetterQueue?: QueueDepth;
  /** The hourly watch's record; absent where no watch runs (local runs). */
  orphanWatch?: OrphanWatchRecords;
  /** The canary's last on-time arrival; with canaryIntervalMinutes. */
  canaryArrivals?: CanaryArrivals;
  metrics: Metrics;
  log: DeliveryLog;
  clock: Clock;
}

export interface WatchProblemsOptions {
  thresholds: RouteThresholds;
  /** Set when the stack sends a canary: its arrivals are checked. */
  canaryIntervalMinutes?: number;
}

export class WatchProblems {
  constructor(
    private readonly deps: WatchProblemsDeps,
    private readonly options: WatchProblemsOptions,
  ) {}

  /** Every route of the round (figures: undefined when its check failed) and the stack. */
  async evaluate(routes: [string, Omit<RouteFigures, 'deliveries'> | undefined][]): Promise<void> {
    await Promise.all([...routes.map(([route, figures]) => this.route(route, figures)), this.stack()]);
  }

  /** One route: reads its delivery record, decides, reports, publishes RouteProblems. */
  async route(route: string, figures: Omit<RouteFigures, 'deliveries'> | undefined): Promise<number> {
    const now = this.deps.clock.now();
    const read: RouteFigures = figures ? { ...figures, unreadable: [...figures.unreadable] } : { unreadable: ['the route\'s probe round (probe failed: see its log)'] };
    read.deliveries = await this.read(route, 'the drain\'s delivery record', read.unreadable, () => this.deps.deliveries.get(route));
    const previous = await this.previous(route, read.unreadable);
    const current = routeConditions(read, this.options.thresholds, now);
    const report = reportProblems(this.deps, route, ROUTE_CONDITIONS, current, previous.state, previous.readable, now);
    const bits = report.save && !(await this.save(route, report.save)) ? report.bits | conditionBits(ROUTE_CONDITIONS, ['unreadable']) : report.bits;
    this.deps.metrics.gauge?.('RouteProblems', bits, route);
    return bits;
  }

  /** The stack: reads the dead-letter queue, the watch's record and the canary's, decides, reports, publishes StackProblems. */
  async stack(): Promise<number> {
    const { deps, options } = this;
    const now = deps.clock.now();
    const unreadable: string[] = [];
    const previous = await this.previous(STACK_SCOPE, unreadable);
    const firstRoundAt = previous.state?.firstRoundAt ?? now;
    const figures: StackFigures = { firstRoundAt, unreadable };
    const [dlq, watch, arrival] = await Promise.all([
      deps.deadLetterQueue ? this.read(undefined, 'the dead-letter queue\'s depth', unreadable, () => deps.deadLetterQueue!.depth()) : undefined,
      deps.orphanWatch ? this.read(undefined, 'the orphaned-queue watch\'s record', unreadable, () => deps.orphanWatch!.last()) : undefined,
      options.canaryIntervalMinutes !== undefined && deps.canaryArrivals ? this.read(undefined, 'the canary\'s last arrival', unreadable, () => deps.canaryArrivals!.last()) : undefined,
    ]);
    if (dlq !== undefined && dlq !== null) figures.deadLetterQueue = dlq;
    if (watch !== undefined) figures.orphanWatch = watch;
    if (arrival !== undefined) {
      figures.canaryArrival = arrival;
      figures.canaryIntervalMinutes = options.canaryIntervalMinutes!;
    }
    const current = stackConditions(figures, now);
    const report = reportProblems(deps, undefined, STACK_CONDITIONS, current, previous.state, previous.readable, now, { firstRoundAt });
    const bits = report.save && !(await this.save(STACK_SCOPE, report.save)) ? report.bits | conditionBits(STACK_CONDITIONS, ['unreadable']) : report.bits;
    deps.metrics.stackGauge?.('StackProblems', bits);
    return bits;
  }

  /** A record's value (null: it does not exist); on failure an error line, the name in `unreadable`, and undefined. */
  private async read<T>(route: string | undefined, what: string, unreadable: string[], get: () => Promise<T | undefined>): Promise<T | null | undefined> {
    try {
      return (await get()) ?? null;
    } catch (error) {
      unreadable.push(what);
      this.deps.log.error(`could not read ${what}`, { ...(route === undefined ? { scope: 'stack' } : { route }), error: (error as Error).message });
      return undefined;
    }
  }

  private async previous(scope: string, unreadable: string[]): Promise<{ state?: ProblemState; readable: boolean }> {
    const state = await this.read(scope === STACK_SCOPE ? undefined : scope, 'the probe\'s own record of the problems it found', unreadable, () => this.deps.states.get(scope));
    return state === undefined ? { readable: false } : { ...(state ? { state } : {}), readable: true };
  }

  /**
   * False when the state could not be saved: the scope's gauge then has
   * `unreadable` on. A state that is never saved would restart every grace
   * and every announcement each round (a canary that never comes, a watch
   * that never reports, a condition never announced), so it is a condition,
   * not only a line.
   */
  private async save(scope: string, state: ProblemState): Promise<boolean> {
    try {
      await this.deps.states.save(scope, state);
      return true;
    } catch (error) {
      this.deps.log.error('could not save the problems found', { ...(scope === STACK_SCOPE ? { scope: 'stack' } : { route: scope }), error: (error as Error).message });
      return false;
    }
  }
}
