// The drain: delivers one route's queue to its primary. It takes the route's
// lease, refuses to work while the route is held or its primary is known
// down, and takes batches until the queue is empty or the time budget is
// nearly spent. A session-level failure marks the primary down and stops the
// route at once instead of burning through the queue.
import { MessageDelivery, type DeliveryEnd } from './deliver-message.js';
import { emptySummary, type DrainSummary, type EngineDeps, type EngineOptions, type RunOptions } from './engine-types.js';
import { MessageOutcomes } from './message-outcomes.js';
import type { PrimaryHealth, Route } from './model.js';
import type { MailQueue, QueuedMessage, SmtpTransport } from './ports.js';
import { RetryPolicy } from './retry-policy.js';

const LEASE_MARGIN_SECONDS = 60;
const BATCH_SIZE = 10;

export class DrainRoute {
  private readonly retry: RetryPolicy;
  private readonly outcomes: MessageOutcomes;
  private readonly delivery: MessageDelivery;

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
  ) {
    this.retry = new RetryPolicy(options);
    this.outcomes = new MessageOutcomes(deps, options, this.retry);
    this.delivery = new MessageDelivery(deps, options, this.retry, this.outcomes);
  }

  async run(route: Route, run: RunOptions): Promise<DrainSummary> {
    const { clock, routeState, log } = this.deps;
    const summary = emptySummary(route.name, 'deliver');
    const started = clock.now();
    const deadline = started.getTime() + run.budgetSeconds * 1000;

    if (await routeState.hold(route.name)) return { ...summary, stoppedBecause: 'held' };
    const health = await routeState.health(route.name);
    if (health?.status === 'down') return { ...summary, stoppedBecause: 'primary-down' };
    const leaseUntil = new Date(deadline + LEASE_MARGIN_SECONDS * 1000);
    if (!(await routeState.acquireLease(route.name, run.owner, started, leaseUntil))) return { ...summary, stoppedBecause: 'lease-held' };

    const queue = this.deps.queues(route);
    let opening: Promise<SmtpTransport> | undefined;
    const transport = () => (opening ??= this.deps.transports.open(route.primary));
    try {
      summary.stoppedBecause = await this.loop(route, queue, transport, summary, deadline, health);
    } finally {
      if (opening) await opening.then((t) => t.close(), () => undefined).catch(() => undefined);
      await routeState.releaseLease(route.name, run.owner).catch(() => undefined);
      await this.deps.metrics.flush();
      log.info('drain finished', { ...summary });
    }
    return summary;
  }

  private async loop(
    route: Route,
    queue: MailQueue,
    transport: () => Promise<SmtpTransport>,
    summary: DrainSummary,
    deadline: number,
    health: PrimaryHealth | undefined,
  ): Promise<DrainSummary['stoppedBecause']> {
    const { clock, log, routeState } = this.deps;
    for (let first = true; ; first = false) {
      if (clock.now().getTime() >= deadline) return 'time-budget';
      if (!first && (await routeState.hold(route.name))) return 'held';
      let batch: QueuedMessage[];
      try {
        batch = await queue.receive(BATCH_SIZE, 0);
      } catch (error) {
        log.error('queue receive failed', { route: route.name, error: (error as Error).message });
        return 'queue-error';
      }
      if (batch.length === 0) return 'queue-empty';
      const failure = await this.deliverBatch(route, queue, transport, summary, batch);
      if (failure) {
        await this.markDown(route, health, failure);
        return 'connection-failed';
      }
    }
  }

  /** Delivers a batch with bounded concurrency; after a session failure, releases what was not started. */
  private async deliverBatch(
    route: Route,
    queue: MailQueue,
    transport: () => Promise<SmtpTransport>,
    summary: DrainSummary,
    batch: QueuedMessage[],
  ): Promise<string | undefined> {
    const waiting = [...batch];
    let failure: string | undefined;
    const worker = async () => {
      while (failure === undefined) {
        const qm = waiting.shift();
        if (!qm) return;
        let end: DeliveryEnd;
        try {
          end = await this.delivery.deliver({ route, queue, transport, summary }, qm);
        } catch (error) {
          // Store, queue or ledger trouble: leave the message to come back after its visibility timeout.
          summary.errors += 1;
          this.deps.log.error('message left for retry', { route: route.name, error: (error as Error).message });
          continue;
        }
        if (end.connectionFailed) failure ??= end.error;
      }
    };
    const workers = Math.max(1, Math.min(this.options.concurrency ?? 10, batch.length));
    await Promise.all(Array.from({ length: workers }, worker));
    for (const qm of waiting) {
      // Not attempted: visible again now, so the next drain after recovery takes it at once.
      await queue.defer(qm.handle, 0).then(() => (summary.released += 1), () => undefined);
    }
    return failure;
  }

  private async markDown(route: Route, previous: PrimaryHealth | undefined, error: string): Promise<void> {
    const now = this.deps.clock.now();
    const wasDown = previous?.status === 'down';
    await this.deps.routeState
      .saveHealth({
        route: route.name,
        status: 'down',
        since: wasDown ? previous.since : now,
        lastCheckAt: now,
        consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
        lastError: `drain: ${error}`,
        ...(previous?.latencyMs !== undefined ? { latencyMs: previous.latencyMs } : {}),
      })
      .catch((e: Error) => this.deps.log.error('could not save primary health', { route: route.name, error: e.message }));
    this.deps.metrics.count('PrimaryUp', 0, route.name);
  }
}
