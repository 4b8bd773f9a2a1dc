// The sweep: queue housekeeping while a route's primary is down or the route
// is held, when no drain touches the queue. It expires what is past its
// lifetime, re-enqueues what is near SQS's 14-day retention (or its DLQ
// redrive count: every sweep receives each message once), and makes every
// other message visible again at the end so a recovering primary drains at
// once. It never delivers. Bounded by message count and time.
import { emptySummary, type DrainSummary, type EngineDeps, type EngineOptions, type RunOptions } from './engine-types.js';
import { MessageOutcomes, QUARANTINE_DETAIL } from './message-outcomes.js';
import { FINAL_STATES, type InboundMessage, type Route } from './model.js';
import { warnIfDelayed } from './delay-warning.js';
import { mustQuarantine } from './notice-policy.js';
import type { MailQueue, QueuedMessage } from './ports.js';
import { RetryPolicy } from './retry-policy.js';

/** Default time the lease outlives the budget: the message in hand may still be finishing. */
const LEASE_MARGIN_SECONDS = 60;
/** A held message stays hidden this much past the sweep's budget, so the sweep never meets it twice. */
const VISIBILITY_MARGIN_SECONDS = 60;

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
    if (!(await this.shouldSweep(route))) return { ...summary, stoppedBecause: 'primary-up' };
    if (!(await routeState.acquireLease(route.name, run.owner, started, new Date(deadline + (this.options.leaseMarginSeconds ?? LEASE_MARGIN_SECONDS) * 1000)))) {
      return { ...summary, stoppedBecause: 'lease-held' };
    }
    const queue = this.deps.queues(route);
    const kept: QueuedMessage[] = [];
    try {
      const visibility = Math.max(this.options.sweepVisibilitySeconds ?? 300, run.budgetSeconds + VISIBILITY_MARGIN_SECONDS);
      summary.stoppedBecause = await this.loop(route, queue, summary, kept, deadline, visibility);
    } finally {
      for (const qm of kept) {
        // Visible again now: the next drain (after recovery) or sweep sees it.
        await queue.defer(qm.handle, 0).then(() => (summary.released += 1), () => undefined);
      }
      await routeState.releaseLease(route.name, run.owner).catch(() => undefined);
      await this.deps.metrics.flush();
      log.info('sweep finished', { ...summary });
    }
    return summary;
  }

  /** A sweep is only for a route that gets no deliveries right now. */
  private async shouldSweep(route: Route): Promise<boolean> {
    if (await this.deps.routeState.hold(route.name)) return true;
    return (await this.deps.routeState.health(route.name))?.status === 'down';
  }

  /** `visibility` outlasts the run: a message the sweep holds must not come back to it (or be received twice). */
  private async loop(route: Route, queue: MailQueue, summary: DrainSummary, kept: QueuedMessage[], deadline: number, visibility: number): Promise<DrainSummary['stoppedBecause']> {
    const maxMessages = this.options.sweepMaxMessages ?? 5000;
    for (;;) {
      if (this.deps.clock.now().getTime() >= deadline) return 'time-budget';
      if (summary.messages >= maxMessages) return 'message-limit';
      if (!(await this.shouldSweep(route))) return 'primary-up';
      let batch: QueuedMessage[];
      try {
        batch = await queue.receive(10, 0, visibility);
      } catch (error) {
        this.deps.log.error('queue receive failed', { route: route.name, error: (error as Error).message });
        return 'queue-error';
      }
      if (batch.length === 0) return 'queue-empty';
      for (const qm of batch) {
        summary.messages += 1;
        try {
          if (await this.sweepOne(route, queue, qm, summary)) kept.push(qm);
        } catch (error) {
          summary.errors += 1;
          this.deps.log.error('sweep left message for retry', { route: route.name, error: (error as Error).message });
          kept.push(qm);
        }
      }
    }
  }

  /** Returns true when the message stays on the queue untouched. */
  private async sweepOne(route: Route, queue: MailQueue, qm: QueuedMessage, summary: DrainSummary): Promise<boolean> {
    let message: InboundMessage;
    try {
      message = this.deps.parse(qm.body);
    } catch (error) {
      await this.outcomes.deadLetter(route, qm, undefined, 'malformed-notification', (error as { reason?: string }).reason ?? (error as Error).message);
      await queue.delete(qm.handle);
      summary.deadLettered += 1;
      return false;
    }
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
      return false;
    }
    if (this.retry.isExpired(message.receivedAt, now)) {
      const previous = await this.deps.ledger.outcomes(message.messageId);
      const pending = message.recipients.filter((r) => !FINAL_STATES.includes(previous.get(r)?.state ?? 'queued'));
      if (pending.length > 0) await this.outcomes.expire(route, qm, message, pending, previous);
      await this.outcomes.finish(route, queue, qm, message);
      summary.expired += pending.length;
      return false;
    }
    if (this.outcomes.mustReenqueue(qm)) {
      // Near SQS retention, or received so often (every sweep receives it once)
      // that SQS would soon redrive it to the DLQ with no record.
      await this.outcomes.reenqueue(queue, qm, 0, { route: route.name, messageId: message.messageId });
      summary.reenqueued += 1;
      return false;
    }
    await warnIfDelayed(this.deps, this.options, route, message); // the primary is down or held: say so once
    return true;
  }
}
