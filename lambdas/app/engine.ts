// The engine's use-case surface: what the Lambda handlers, the local runner,
// the CLI and the bench call. Its dependencies come from the composition root
// (compose.ts), so the same code runs in AWS, on a laptop and in the
// end-to-end tests; only the platform's clients and the observers differ.
// They stay inside: a program's wiring code gets them from composeBackupMx
// (composition.ts), beside the engine, never from it.
import type { AwsClients } from '../adapters/aws/clients.js';
import { LambdaDrainStarter } from '../adapters/aws/lambda-drain-starter.js';
import { DynamoCanaryArrivals, DynamoOrphanWatchRecords } from '../adapters/aws/dynamo-problem-records.js';
import { HeldNoticesAdmin } from '../core/operator/held-notices-admin.js';
import type { Settings } from '../config/settings.js';
import { AcceptMessage } from '../core/accept/accept-message.js';
import { DrainRoute } from '../core/drain/drain-route.js';
import { startSuccessor } from '../core/drain/drain-successor.js';
import type { DrainSummary, RunOptions } from '../core/drain/drain-summary.js';
import type { EngineDeps, EngineOptions } from '../core/drain/drain-deps.js';
import type { EnvelopeArchive } from '../core/accept/ports.js';
import type { Route } from '../core/model.js';
import type { DrainMode, DrainStarter, MailQueue } from '../core/drain/ports.js';
import type { PrimaryProbe } from '../core/probe/ports.js';
import { ProbePrimaries, type RouteProbeOutcome } from '../core/probe/probe-primaries.js';
import { SweepRoute } from '../core/sweep/sweep-route.js';
import { FindUnqueuedObjects, type FindUnqueuedSummary } from '../core/sweep/find-unqueued-objects.js';
import { FindOrphanedQueues, type FindOrphanedQueuesSummary } from '../core/sweep/find-orphaned-queues.js';
import type { DeliveryLog } from '../core/runtime/ports.js';
import { routePrefix } from '../config/mail-layout.js';
import { ARCHIVE_EXTRA_SECONDS, composeEngine, type EngineOverrides, type EngineParts } from './compose.js';
import { InProcessDrainStarter } from './in-process-drain-starter.js';
import { watchProblems } from './problem-watch.js';

export { InProcessDrainStarter };
export { ARCHIVE_EXTRA_SECONDS, DEFAULT_CONCURRENCY, DEFAULT_MAX_CONNECTIONS, lambdaMetrics, type EngineObservers, type EngineOverrides } from './compose.js';

export interface DrainEvent {
  route: string;
  mode?: DrainMode;
}

export class UnknownRouteError extends Error {
  constructor(readonly route: string) {
    super(`no route named "${route}" in ${'BACKUPMX_ROUTES'}`);
    this.name = 'UnknownRouteError';
  }
}

export class Engine {
  /** The engine's log: the in-process drain starter reports a drain that failed outright there. */
  readonly log: DeliveryLog;
  private readonly deps: Readonly<EngineDeps>;
  private readonly options: Readonly<EngineOptions>;
  private readonly clients: AwsClients;
  /** Envelopes of accepted messages, for replay and export. */
  private readonly archive: EnvelopeArchive;
  private readonly parts: EngineParts;

  private current: Settings;

  /**
   * `from.clients` is the platform: AWS in the Lambda's region, the local
   * emulators, a test's; or `from.parts`, built by composeBackupMx, which
   * hands them to the program's wiring beside this engine.
   */
  constructor(settings: Settings, from: (EngineOverrides & { clients: AwsClients }) | { parts: EngineParts }) {
    this.current = settings;
    this.parts = 'parts' in from ? from.parts : composeEngine(settings, from.clients, from);
    this.deps = this.parts.deps;
    this.options = this.parts.options;
    this.clients = this.parts.clients;
    this.archive = this.parts.archive;
    this.log = this.deps.log;
  }

  get settings(): Settings {
    return this.current;
  }

  /**
   * The local runner's SIGHUP reload: the next probe rounds and drains use
   * these routes. Only routes change; what the constructor built from the
   * other settings (table, bucket, hostname, retry) stays.
   */
  useRoutes(routes: Route[]): void {
    this.current = { ...this.current, routes };
  }

  route(name: string): Route {
    const route = this.settings.routes.find((r) => r.name === name);
    if (!route) throw new UnknownRouteError(name);
    return route;
  }

  queue(route: Route): MailQueue {
    return this.deps.queues(route);
  }

  /** One drain or sweep of one route. */
  async drain(event: DrainEvent, run: RunOptions): Promise<DrainSummary> {
    const route = this.route(event.route);
    const options = route.primary.messagesInFlight !== undefined ? { ...this.options, concurrency: route.primary.messagesInFlight } : this.options;
    const useCase = event.mode === 'sweep' ? new SweepRoute(this.deps, options) : new DrainRoute(this.deps, options);
    try {
      return await useCase.run(route, run);
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /** The SMTP check of a primary, as the scheduled probe makes it (AUTH included when configured). */
  primaryProbe(stepTimeoutMs = this.settings.probeTimeoutMs): PrimaryProbe {
    return this.parts.primaryProbe(stepTimeoutMs);
  }

  /**
   * One drain that, stopped by its time budget, hands the route to a successor
   * (started through `successor`, after the lease is released) so a backlog
   * never waits for the probe's next round.
   */
  async drainAndHandOver(event: DrainEvent, run: RunOptions, successor: DrainStarter | undefined): Promise<DrainSummary> {
    const summary = await this.drain(event, run);
    await startSuccessor(summary, successor, this.deps.log);
    return summary;
  }

  /** The drain function `functionName` (a Lambda invoke): where a drain out of time hands its route over. */
  successorIn(functionName: string): DrainStarter {
    return new LambdaDrainStarter(this.clients.lambda, functionName);
  }

  /** One probe invocation: every route, as many rounds as the interval asks. */
  async probe(drains: DrainStarter = this.defaultDrainStarter()) {
    try {
      return await this.probeUseCase(drains).run();
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /**
   * The probe's check of one route now, as in a round (loop guard, AUTH
   * backoff, hold; a drain when mail waits): what the "I'm back" trigger asks for.
   */
  async probeRoute(name: string, drains: DrainStarter = this.defaultDrainStarter()): Promise<RouteProbeOutcome> {
    this.route(name);
    try {
      return await this.probeUseCase(drains).probeOne(name);
    } finally {
      await this.deps.metrics.flush();
    }
  }

  private probeUseCase(drains: DrainStarter): ProbePrimaries {
    const { settings, parts, deps } = this;
    return new ProbePrimaries(
      {
        routes: settings.routes,
        probe: parts.scheduledProbe(settings.probeTimeoutMs),
        routeState: deps.routeState,
        index: deps.index,
        queues: deps.queues,
        drains,
        metrics: deps.metrics,
        log: deps.log,
        clock: deps.clock,
        sleep: parts.sleep,
        heldNotices: deps.heldNotices,
        deadLetters: deps.deadLetters,
        problems: watchProblems(settings, this.clients, { metrics: deps.metrics, log: deps.log, clock: deps.clock }),
        guard: parts.addressGuard(),
      },
      { probeIntervalSeconds: settings.probeIntervalSeconds },
    );
  }


  /** `backup-mx notices`: the operator's verbs on notices held for the budget or a paused SES. */
  heldNotices(): HeldNoticesAdmin {
    const { deps } = this;
    const { noticeSending: sending, noticeAlarms } = this.parts;
    return new HeldNoticesAdmin({
      held: deps.heldNotices!,
      bounces: deps.bounces,
      ledger: deps.ledger,
      clock: deps.clock,
      log: deps.log,
      ...(deps.noticeBudget ? { budget: deps.noticeBudget } : {}),
      ...(sending ? { sending } : {}),
      ...(noticeAlarms ? { alarms: noticeAlarms } : {}),
    });
  }

  /** The hourly look for objects SES stored whose notification never reached a queue, every route. */
  async findUnqueued(budgetSeconds?: number): Promise<FindUnqueuedSummary[]> {
    const started = this.deps.clock.now().getTime();
    try {
      const summaries: FindUnqueuedSummary[] = [];
      for (const route of this.settings.routes) {
        // One budget for all routes: each gets what the ones before left.
        const left = budgetSeconds === undefined ? undefined : Math.max(0, budgetSeconds - (this.deps.clock.now().getTime() - started) / 1000);
        summaries.push(await new FindUnqueuedObjects(this.deps, { prefixOf: routePrefix, ...(left === undefined ? {} : { budgetSeconds: left }) }).run(route));
      }
      return summaries;
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /**
   * The hourly look for this stack's old queues that no route uses but that
   * still hold mail. Needs the stack name (BACKUPMX_STACK_NAME): without it
   * (local runs) it looks at nothing and returns undefined.
   */
  async findOrphanedQueues(): Promise<FindOrphanedQueuesSummary | undefined> {
    const { settings, deps } = this;
    if (!settings.stackName) return undefined;
    const useCase = new FindOrphanedQueues(
      {
        queues: this.parts.queueDirectory(),
        log: deps.log,
        metrics: deps.metrics,
        records: new DynamoOrphanWatchRecords(this.clients.doc, settings.tableName),
        now: () => deps.clock.now(),
      },
      {
        stackName: settings.stackName,
        inUse: [...settings.routes.map((r) => r.queueUrl), settings.deadLetterQueueUrl],
        routes: settings.routes.map((r) => r.name),
      },
    );
    try {
      return await useCase.run();
    } finally {
      await deps.metrics.flush();
    }
  }

  /** Indexes one notification for mailq/status (or measures the canary); the route is found from its recipients. */
  async accept(body: string) {
    const { deps } = this;
    const archive = { store: this.archive, retentionSeconds: this.settings.queueLifetimeSeconds + ARCHIVE_EXTRA_SECONDS };
    const useCase = new AcceptMessage({
      index: deps.index,
      store: deps.store,
      parse: deps.parse,
      log: deps.log,
      clock: deps.clock,
      archive,
      metrics: deps.metrics,
      ...(deps.canary ? { canary: deps.canary, canaryArrivals: new DynamoCanaryArrivals(this.clients.doc, this.settings.tableName) } : {}),
    });
    try {
      return await useCase.accept(this.routeForNotification(body) ?? 'unknown', body);
    } finally {
      await deps.metrics.flush();
    }
  }

  private routeForNotification(body: string): string | undefined {
    try {
      const message = this.deps.parse(body);
      // Mail to the canary address travels the canary's route (its rule notifies that route's topic).
      if (this.deps.canary?.addressedToCanary(message)) return this.deps.canary.canary.route;
      const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
      const domains = new Set(message.recipients.map(domainOf));
      return this.settings.routes.find((r) => r.domains.some((d) => domains.has(d.toLowerCase())))?.name;
    } catch {
      return undefined; // AcceptMessage reports the malformed notification itself
    }
  }

  private defaultDrainStarter(): DrainStarter {
    if (this.parts.drains) return this.parts.drains;
    if (this.settings.drainFunctionName) return new LambdaDrainStarter(this.clients.lambda, this.settings.drainFunctionName);
    return new InProcessDrainStarter(this);
  }
}
