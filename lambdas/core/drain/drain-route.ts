// The drain: delivers one route's queue to its primary. It takes the route's
// lease, refuses to work while the route is held or inside a maintenance window
// (or either cannot be read: maybe held) or its primary is known down, and takes batches until the queue
// is empty or the time budget is nearly spent. A session-level failure marks
// the primary down and stops the route at once instead of burning through the queue.
import { refusedFields } from '../policy/auth-backoff.js';
import { MessageDelivery } from './deliver-message.js';
import type { DeliveryEnd, Prefetched } from './delivery-context.js';
import { prefetchReads } from './early-reads.js';
import { emptySummary, type DrainSummary, type RunOptions } from './drain-summary.js';
import { type EngineDeps, type EngineOptions } from './drain-deps.js';
import { FinishQueue } from './finish-queue.js';
import { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { PrimaryHealth, Route } from '../model.js';
import type { MailQueue, QueuedMessage, SmtpTransport } from './ports.js';
import { RetryPolicy } from '../policy/retry-policy.js';
import { recordDrainRun } from '../problems/record-drain-run.js';
import { effectiveRoute, type PrimaryRedirect } from '../probe/effective-primary.js';
import { heldBy, heldMessage, holdsOf } from '../probe/route-hold.js';
import { runHoldReader } from './run-hold-reader.js';

/** Default time the lease outlives the budget: the message in hand may still be finishing. */
const LEASE_MARGIN_SECONDS = 60;
const BATCH_SIZE = 10;
// How old a hold read may be when a transaction is about to start (run-hold-reader.ts).
export { HOLD_CACHE_SECONDS } from './run-hold-reader.js';

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

  async run(configured: Route, run: RunOptions): Promise<DrainSummary> {
    const { clock, routeState, log } = this.deps;
    const summary = emptySummary(configured.name, 'deliver');
    const started = clock.now();
    const deadline = started.getTime() + run.budgetSeconds * 1000;

    let route: Route;
    let redirect: PrimaryRedirect | undefined;
    let health: PrimaryHealth | undefined;
    try {
      // One request: the hold, the windows, the redirect and the health.
      const controls = await routeState.controls(configured.name, { withHealth: true });
      redirect = controls.redirect;
      health = controls.health;
      const held = heldBy(holdsOf(controls), started);
      if (held) {
        if (held.kind === 'window') log.info(heldMessage(held), { route: configured.name, window: held.window.id });
        return { ...summary, stoppedBecause: 'held' };
      }
      // Where the mail goes this run: the redirect target, unless a deploy changed the primary it replaced.
      route = effectiveRoute(configured, redirect).route;
    } catch (error) {
      // An operator's hold must never be skipped because its read failed, nor a redirect (the mail would go to the old host): nothing this run, the next one reads again.
      log.error('hold check failed: the route is treated as held, nothing is delivered this run', { route: configured.name, error: (error as Error).message });
      return { ...summary, stoppedBecause: 'hold-unknown' };
    }
    if (health?.status === 'down') return { ...summary, stoppedBecause: 'primary-down' };
    const leaseUntil = new Date(deadline + (this.options.leaseMarginSeconds ?? LEASE_MARGIN_SECONDS) * 1000);
    if (!(await routeState.acquireLease(route.name, run.owner, started, leaseUntil))) return { ...summary, stoppedBecause: 'lease-held' };

    const queue = this.deps.queues(route);
    let opening: Promise<SmtpTransport> | undefined;
    const transport = () => (opening ??= this.deps.transports.open(route.primary));
    try {
      summary.stoppedBecause = await this.loop(route, redirect, queue, transport, summary, deadline, health, run.signal);
    } finally {
      if (opening) await opening.then((t) => t.close(), () => undefined).catch(() => undefined);
      // Under the lease: the record is read and written by one run at a time.
      await recordDrainRun(this.deps, summary, clock.now());
      await routeState.releaseLease(route.name, run.owner).catch(() => undefined);
      // Why it stopped: 'connection-failed' while the probe says up is an alarm (AUTH, TLS, 421 every session).
      // A run that only dropped the hourly canary says nothing: its stop reason would be one more metric billed every month.
      const onlyCanaries = summary.canaries !== undefined && summary.messages === summary.canaries && summary.stoppedBecause === 'queue-empty';
      if (!onlyCanaries) this.deps.metrics.drainStopped(summary.stoppedBecause, route.name);
      await this.deps.metrics.flush();
      log.info('drain finished', { ...summary });
    }
    return summary;
  }

  /**
   * Workers take messages from a local buffer that one receive at a time keeps
   * filled (the next batch is fetched while the current one is still being
   * delivered), so no worker waits for the slowest message of a batch. Stops on
   * an empty receive, the time budget, a hold, a queue error or a session
   * failure; messages received but not started are then made visible again.
   * Each receive's ledger rows are read at once (one grouped read, not one per
   * message), and delivered messages are finished off the workers' path
   * (FinishQueue), all before the drain returns.
   */
  private async loop(
    route: Route,
    redirect: PrimaryRedirect | undefined,
    queue: MailQueue,
    transport: () => Promise<SmtpTransport>,
    summary: DrainSummary,
    deadline: number,
    health: PrimaryHealth | undefined,
    signal?: AbortSignal,
  ): Promise<DrainSummary['stoppedBecause']> {
    const { clock, log } = this.deps;
    const concurrency = Math.max(1, this.options.concurrency ?? 10);
    const run: RunState = { buffer: [], prefetched: new Map(), stop: undefined, failure: undefined, authRefused: false };
    const inFlight = new Set<string>();
    const started = new Set<string>();
    const hold = runHoldReader(this.deps, route, redirect);
    const isHeld = hold.isHeld;
    const heldStop = (): DrainSummary['stoppedBecause'] => (hold.unreadable ? 'hold-unknown' : hold.redirected ? 'redirected' : 'held');
    const finishing = new FinishQueue(this.outcomes, (error, messageId) => {
      summary.errors += 1;
      log.error('message left for retry', { route: route.name, messageId, error: error.message });
    });
    const receiver = this.receiver(route, queue, run, deadline, isHeld, heldStop, signal);

    const worker = async () => {
      while (run.failure === undefined) {
        if (run.buffer.length < concurrency && run.stop === undefined) {
          if (run.buffer.length === 0) await receiver.refill();
          else void receiver.refill(); // prefetch while this worker delivers
        }
        if (signal?.aborted) {
          run.stop ??= 'interrupted'; // take nothing new; the buffer is released below
          return;
        }
        if (clock.now().getTime() >= deadline) {
          run.stop ??= 'time-budget'; // take nothing new, prefetched or not
          return;
        }
        const qm = run.buffer.shift();
        if (!qm) {
          if (run.stop !== undefined) return;
          continue;
        }
        // An operator's hold stops what is already received too, not only the next receive.
        if (await isHeld()) {
          run.buffer.unshift(qm); // released below
          run.stop ??= heldStop();
          return;
        }
        let end: DeliveryEnd;
        try {
          end = await this.delivery.deliver({ route, queue, transport, summary, inFlight, deadline, ...(signal ? { signal } : {}), isHeld, finishing, prefetched: run.prefetched, started }, qm);
        } catch (error) {
          // Store, queue or ledger trouble: leave the message to come back after its visibility timeout.
          summary.errors += 1;
          log.error('message left for retry', { route: route.name, error: (error as Error).message });
          continue;
        }
        if (end.connectionFailed && run.failure === undefined) {
          run.failure = end.error;
          run.authRefused = end.authRefused === true;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await finishing.settled();
    await receiver.settled();
    run.prefetched.clear();
    await this.releaseUnstarted(queue, run.buffer, summary);
    if (run.failure !== undefined) {
      await this.markDown(route, health, run.failure, run.authRefused);
      return 'connection-failed';
    }
    return run.stop ?? 'queue-empty';
  }

  /**
   * The one receive at a time that keeps the workers' buffer filled: concurrent
   * callers of `refill` share it. It stops the run (sets `run.stop`) on a stop
   * signal, the deadline, a hold found after the first receive, an empty
   * receive or a queue error; each batch's ledger rows are asked for at once.
   */
  private receiver(
    route: Route,
    queue: MailQueue,
    run: RunState,
    deadline: number,
    isHeld: () => Promise<boolean>,
    heldStop: () => DrainSummary['stoppedBecause'],
    signal?: AbortSignal,
  ): { refill: () => Promise<void>; settled: () => Promise<void> } {
    const { clock, log } = this.deps;
    let receives = 0;
    let refilling: Promise<void> | undefined;
    const refill = () =>
      (refilling ??= (async () => {
        try {
          if (signal?.aborted) return void (run.stop ??= 'interrupted');
          if (clock.now().getTime() >= deadline) return void (run.stop ??= 'time-budget');
          if (receives > 0 && (await isHeld())) return void (run.stop ??= heldStop());
          receives += 1;
          // A short wait makes SQS ask every server (a 0 s receive samples some and
          // may answer empty while mail waits); it only costs time when the queue is empty.
          const batch = await queue.receive(BATCH_SIZE, this.options.receiveWaitSeconds ?? 1);
          if (batch.length === 0) run.stop ??= 'queue-empty';
          else {
            run.buffer.push(...batch);
            for (const [qm, early] of prefetchReads(this.deps, this.outcomes, route.name, batch)) run.prefetched.set(qm, early);
          }
        } catch (error) {
          log.error('queue receive failed', { route: route.name, error: (error as Error).message });
          run.stop ??= 'queue-error';
        } finally {
          refilling = undefined;
        }
      })());
    return { refill, settled: async () => void (await refilling) };
  }

  /**
   * Received but not attempted: visible again now, so the next drain takes it at once
   * (a fresh copy when the entry is near SQS's retention or its redrive count).
   */
  private async releaseUnstarted(queue: MailQueue, buffer: QueuedMessage[], summary: DrainSummary): Promise<void> {
    for (const qm of buffer.splice(0)) {
      await this.outcomes
        .postpone(queue, qm, 0)
        .then((how) => (how === 'deferred' ? (summary.released += 1) : (summary.reenqueued += 1)), () => undefined);
    }
  }

  /**
   * A refused AUTH is recorded as the probe records it, so the probe's AUTH
   * backoff applies (else the next round would log in, succeed or not, and
   * start a drain that logs in again: two failures a minute for fail2ban).
   */
  private async markDown(route: Route, previous: PrimaryHealth | undefined, error: string, authRefused: boolean): Promise<void> {
    const now = this.deps.clock.now();
    const wasDown = previous?.status === 'down';
    await this.deps.routeState
      .saveHealth({
        route: route.name,
        status: 'down',
        since: wasDown ? previous.since : now,
        lastCheckAt: now,
        consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
        ...(authRefused ? refusedFields(previous, now, `drain: ${error}`) : { lastError: `drain: ${error}` }),
        ...(previous?.latencyMs !== undefined ? { latencyMs: previous.latencyMs } : {}),
      })
      .catch((e: Error) => this.deps.log.error('could not save primary health', { route: route.name, error: e.message }));
    this.deps.metrics.count('PrimaryUp', 0, route.name);
  }
}

/** What the workers and the receiver of one drain run share. */
interface RunState {
  /** Received messages no worker has taken yet. */
  buffer: QueuedMessage[];
  /** Their parsed notifications and ledger reads (early-reads.ts). */
  prefetched: Map<QueuedMessage, Prefetched>;
  /** Why the run stops taking messages, once it does. */
  stop: DrainSummary['stoppedBecause'] | undefined;
  /** A session failure: the primary is marked down and the run ends. */
  failure: string | undefined;
  authRefused: boolean;
}
