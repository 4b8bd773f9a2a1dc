// The sweep: queue housekeeping while a route's primary is down or the route
// is held, when no drain touches the queue. It expires what is past its
// lifetime, re-enqueues what is near SQS's 14-day retention (or its DLQ
// redrive count: every sweep receives each message once), and never
// delivers. It has its own time budget (it talks no SMTP), several receive
// loops at once, and a 1 s receive wait (a 0 s receive may answer empty while
// mail waits). A sweep that saw the whole queue (or saw the primary come back)
// makes what it kept visible again at the end, so a recovering primary drains
// at once. One that ran out of time or messages leaves what it kept hidden for
// its hold (or until its expiry or re-enqueue is due, when sooner) and asks
// for another sweep at once, which then meets only what this one did not see:
// with a backlog that large, recovery may wait up to the hold.
import { emptySummary, type DrainSummary, type RunOptions } from '../drain/drain-summary.js';
import { type EngineDeps, type EngineOptions } from '../drain/drain-deps.js';
import { MessageOutcomes, QUARANTINE_DETAIL } from '../outcome/message-outcomes.js';
import { FINAL_STATES, type InboundMessage, type Route } from '../model.js';
import { warnIfDelayed } from '../outcome/delay-warning.js';
import { mustQuarantine } from '../outcome/notice-policy.js';
import type { MailQueue, QueuedMessage } from '../drain/ports.js';
import { reconcileIndex } from './reconcile-index.js';
import { heldBy, readHolds } from '../probe/route-hold.js';
import { RetryPolicy } from '../policy/retry-policy.js';
import { isStalled } from './stalled-route.js';
import { dropIfCanary } from '../canary/recognise-canary.js';

/** Default time the lease outlives the budget: the message in hand may still be finishing. */
const LEASE_MARGIN_SECONDS = 60;
/** A held message stays hidden this much past the sweep's budget, so the sweep never meets it twice. */
const VISIBILITY_MARGIN_SECONDS = 60;
/** Default hold of a message the sweep keeps: when the primary comes back, it waits at most this long. */
export const DEFAULT_SWEEP_HOLD_SECONDS = 900;
/** Receive loops of one sweep (each handles its batch of up to 10 at once). */
export const DEFAULT_SWEEP_CONCURRENCY = 4;
/** Seconds a sweep keeps back from its Lambda's timeout: it talks no SMTP, only AWS calls and DSNs. */
export const SWEEP_RESERVE_SECONDS = 30;
/** Why a sweep stopped with work left (or a failed receive left it unsure): start another one at once. */
export const SWEEP_CHAINS_ON: readonly string[] = ['time-budget', 'message-limit', 'queue-error'];
/** A message whose handling failed comes back this soon, not after the whole hold. */
export const SWEEP_RETRY_SECONDS = 300;

export class SweepRoute {
  private readonly retry: RetryPolicy;
  private readonly outcomes: MessageOutcomes;

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
  ) {
    this.retry = new RetryPolicy(options);
    this.outcomes = new MessageOutcomes(deps, options, this.retry);
  }

  async run(route: Route, run: RunOptions): Promise<DrainSummary> {
    const { clock, routeState, log } = this.deps;
    const summary = emptySummary(route.name, 'sweep');
    const started = clock.now();
    const deadline = started.getTime() + run.budgetSeconds * 1000;
    // First, and also for a route that is up: no lease needed (marking a finished entry done is idempotent).
    summary.reconciled = await reconcileIndex(this.deps, route).catch((e: Error) => {
      log.error('reconcile: could not read the index', { route: route.name, error: e.message });
      return 0;
    });
    if (!(await this.shouldSweep(route))) return { ...summary, stoppedBecause: 'primary-up' };
    if (!(await routeState.acquireLease(route.name, run.owner, started, new Date(deadline + (this.options.leaseMarginSeconds ?? LEASE_MARGIN_SECONDS) * 1000)))) {
      return { ...summary, stoppedBecause: 'lease-held' };
    }
    const queue = this.deps.queues(route);
    const kept: QueuedMessage[] = [];
    try {
      const visibility = Math.max(this.options.sweepVisibilitySeconds ?? DEFAULT_SWEEP_HOLD_SECONDS, run.budgetSeconds + VISIBILITY_MARGIN_SECONDS);
      summary.stoppedBecause = await this.loop(route, queue, summary, kept, deadline, visibility);
    } finally {
      if (!SWEEP_CHAINS_ON.includes(summary.stoppedBecause) && this.options.sweepReleasesAtEnd !== false) {
        // The pass is complete (or deliveries may start now): what this sweep holds must not wait out its hold.
        for (const qm of kept.splice(0)) {
          await this.outcomes.postpone(queue, qm, 0).then((how) => (how === 'deferred' ? (summary.released += 1) : (summary.reenqueued += 1)), () => undefined);
        }
      }
      summary.kept = kept.length;
      if (SWEEP_CHAINS_ON.includes(summary.stoppedBecause)) {
        // Work left: the probe's next round starts another sweep instead of waiting for the interval.
        await routeState.continueSweep(route.name).catch((e: Error) => log.error('could not ask for another sweep', { route: route.name, error: e.message }));
      }
      await routeState.releaseLease(route.name, run.owner).catch(() => undefined);
      await this.deps.metrics.flush();
      log.info('sweep finished', { ...summary });
    }
    return summary;
  }

  /** A sweep is only for a route that gets no deliveries right now: down, held (or in a maintenance window), or up but stalled (nothing finished for the stall time). */
  private async shouldSweep(route: Route): Promise<boolean> {
    if (heldBy(await readHolds(this.deps.routeState, route.name), this.deps.clock.now())) return true;
    if ((await this.deps.routeState.health(route.name))?.status === 'down') return true;
    return isStalled(await this.deps.index.lastDone(route.name), this.deps.clock.now(), this.options.sweepStallSeconds ?? 3600);
  }

  /**
   * Several receive loops share the run; each handles its batch at once.
   * `visibility` outlasts the run: a message the sweep holds must not come back to it (or be received twice).
   */
  private async loop(route: Route, queue: MailQueue, summary: DrainSummary, kept: QueuedMessage[], deadline: number, visibility: number): Promise<DrainSummary['stoppedBecause']> {
    const maxMessages = this.options.sweepMaxMessages ?? 5000;
    const wait = Math.max(1, this.options.receiveWaitSeconds ?? 1);
    let stop: DrainSummary['stoppedBecause'] | undefined;
    const receiver = async () => {
      while (stop === undefined) {
        if (this.deps.clock.now().getTime() >= deadline) return void (stop ??= 'time-budget');
        if (summary.messages >= maxMessages) return void (stop ??= 'message-limit');
        let batch: QueuedMessage[];
        try {
          if (!(await this.shouldSweep(route))) return void (stop ??= 'primary-up');
          batch = await queue.receive(10, wait, visibility);
        } catch (error) {
          this.deps.log.error('queue receive failed', { route: route.name, error: (error as Error).message });
          return void (stop ??= 'queue-error');
        }
        if (batch.length === 0) return void (stop ??= 'queue-empty');
        summary.messages += batch.length;
        await Promise.all(batch.map((qm) => this.handle(route, queue, qm, summary, kept, visibility)));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.sweepConcurrency ?? DEFAULT_SWEEP_CONCURRENCY) }, receiver));
    return stop ?? 'queue-empty';
  }

  /** One message; a failure leaves it hidden for the hold, or re-enqueued when its entry is too old or received too often. */
  private async handle(route: Route, queue: MailQueue, qm: QueuedMessage, summary: DrainSummary, kept: QueuedMessage[], visibility: number): Promise<void> {
    try {
      const keep = await this.sweepOne(route, queue, qm, summary);
      if (keep === undefined) return;
      kept.push(qm);
      // Hidden for the hold by the receive; sooner when its expiry or re-enqueue is due before.
      if (keep < visibility) await queue.defer(qm.handle, Math.max(0, keep));
    } catch (error) {
      summary.errors += 1;
      this.deps.log.error('sweep left message for retry', { route: route.name, error: (error as Error).message });
      if (this.outcomes.mustReenqueue(qm)) {
        // The failing call must not let SQS drop or redrive the entry: a fresh copy needs only the queue.
        await this.outcomes.reenqueue(queue, qm, 0, { route: route.name }).then(() => (summary.reenqueued += 1), () => undefined);
      } else {
        // Hidden for the whole hold, an expiry that failed would be hours late.
        kept.push(qm);
        await queue.defer(qm.handle, SWEEP_RETRY_SECONDS).catch(() => undefined);
      }
    }
  }

  /** Returns the seconds until the kept message needs looking at again, or undefined when it left the queue. */
  private async sweepOne(route: Route, queue: MailQueue, qm: QueuedMessage, summary: DrainSummary): Promise<number | undefined> {
    let message: InboundMessage;
    try {
      message = this.deps.parse(qm.body);
    } catch (error) {
      await this.outcomes.deadLetter(route, qm, undefined, 'malformed-notification', (error as { reason?: string }).reason ?? (error as Error).message);
      await queue.delete(qm.handle);
      summary.deadLettered += 1;
      return undefined;
    }
    if (await dropIfCanary(this.deps, route, queue, qm, message, summary)) return undefined;
    const now = this.deps.clock.now();
    if (mustQuarantine(message)) {
      // As the drain would: virus-positive mail is quarantined, whatever its age, never expired.
      const previous = await this.deps.ledger.outcomes(message.messageId);
      const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
      if (pending.length > 0) {
        await this.outcomes.deadLetter(route, qm, message, 'virus', QUARANTINE_DETAIL);
        await this.outcomes.recordAll(message, pending.map((recipient) => ({ recipient })), 'dead-lettered', previous, false);
      }
      await this.outcomes.finish(route, queue, qm, message);
      summary.deadLettered += pending.length;
      return undefined;
    }
    if (this.retry.isExpired(message.receivedAt, now)) {
      const previous = await this.deps.ledger.outcomes(message.messageId);
      await this.outcomes.confirmNotices(route, qm, message, previous);
      const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
      if (pending.length > 0) await this.outcomes.expire(route, qm, message, pending, previous);
      await this.outcomes.finish(route, queue, qm, message);
      summary.expired += pending.length;
      return undefined;
    }
    if (this.outcomes.mustReenqueue(qm)) {
      // Near SQS retention, or received so often (every sweep receives it once)
      // that SQS would soon redrive it to the DLQ with no record.
      await this.outcomes.reenqueue(queue, qm, 0, { route: route.name, messageId: message.messageId });
      summary.reenqueued += 1;
      return undefined;
    }
    await warnIfDelayed(this.deps, this.options, route, message); // the primary is down or held: say so once
    return this.secondsUntilDue(message, qm, now);
  }

  /** Seconds until the message expires or its entry must be re-enqueued, whichever comes first. */
  private secondsUntilDue(message: InboundMessage, qm: QueuedMessage, now: Date): number {
    const expiry = this.retry.expiresAt(message.receivedAt).getTime();
    const reenqueue = qm.enqueuedAt.getTime() + this.retry.settings.reenqueueAfterSeconds * 1000;
    return Math.ceil((Math.min(expiry, reenqueue) - now.getTime()) / 1000);
  }
}
