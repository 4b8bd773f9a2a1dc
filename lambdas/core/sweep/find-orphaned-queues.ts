// Finds this stack's queues that no route uses any more but that still hold
// mail. Queues are retained (lib/constructs/route-queues.ts): after a route is
// renamed or removed, or the stack destroyed and deployed again, the old queue
// keeps the notifications (the envelopes) of mail in the bucket, nothing
// drains it, and SQS drops each one 14 days after it was sent. The watch says
// so, loudly, with the command that moves them (core/operator/adopt-queue.ts).
// The name prefix only narrows the listing; the stack's tag on the queue
// decides whose it is (core/sweep/queue-owner.ts), so stack "BackupMx" never counts
// or offers to adopt a queue of stack "BackupMx-eu".
import type { QueueDirectory } from './ports.js';
import type { DeliveryLog, Metrics } from '../runtime/ports.js';
import type { OrphanWatchRecords } from '../problems/problem-ports.js';
import { ownerOf, STACK_TAG, tagCommand } from './queue-owner.js';

export interface FindOrphanedQueuesDeps {
  queues: QueueDirectory;
  log: DeliveryLog;
  metrics: Metrics;
  /** Where the finding is recorded for the probe's orphaned-queue condition (only a finding the watch can vouch for). */
  records?: OrphanWatchRecords;
  /** The time of the finding (the record's `at`); the system clock by default. */
  now?: () => Date;
}

export interface FindOrphanedQueuesOptions {
  /**
   * The stack's name: its queues carry it in their STACK_TAG, and CloudFormation
   * names a queue without a QueueName `<stack name>-<logical id>-<suffix>`.
   */
  stackName: string;
  /** URLs of the queues in use: every route's and the dead-letter queue. */
  inUse: string[];
  /** The configured routes, for the adopt command (with one route it is named there). */
  routes: string[];
}

export interface OrphanedQueue {
  url: string;
  /** Visible, in flight and delayed, together. */
  messages: number;
}

export interface FindOrphanedQueuesSummary {
  /** Queues tagged as this stack's that no route uses. */
  examined: number;
  /** Of those, the ones holding messages. */
  orphaned: OrphanedQueue[];
  /** Their messages together: the OrphanedQueueMessages figure. */
  messages: number;
  /** Queues under the name prefix that another stack tagged as its own: never read or counted. */
  otherStacks: number;
  /** Queues under the name prefix no stack tagged (retained before the tag existed, or not backup-mx's): logged, not counted. */
  untagged: string[];
  /** Calls that failed (each logged); a failed list ends the look at the pages it had. */
  failures: number;
}

/** A queue deleted since it was listed (or whose tags could not be read): not looked at further. */
const GONE = Symbol('gone');

/** SQS retention counts from the first send, whatever happens later (ARCHITECTURE: AWS limits). */
export const ORPHAN_AGE_LIMIT = 'SQS drops them 14 days after they were sent';

/** The last path segment of a queue URL: URLs of one queue may differ in host form, names do not. */
export function queueNameOf(url: string): string {
  return url.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** The command that moves an old queue's messages into a route's queue. */
export function adoptCommand(url: string, routes: string[]): string {
  return `npx backup-mx adopt ${url} --route ${routes.length === 1 ? routes[0] : '<route>'}`;
}

export class FindOrphanedQueues {
  constructor(
    private readonly deps: FindOrphanedQueuesDeps,
    private readonly options: FindOrphanedQueuesOptions,
  ) {}

  /** Never throws: a failure is logged and must not cost the hourly run its other work. */
  async run(): Promise<FindOrphanedQueuesSummary> {
    const { log } = this.deps;
    const summary: FindOrphanedQueuesSummary = { examined: 0, orphaned: [], messages: 0, otherStacks: 0, untagged: [], failures: 0 };
    const { stackName } = this.options;
    // Narrows the listing only ("BackupMx-" also lists stack "BackupMx-eu"'s queues): the tag decides.
    const prefix = `${stackName}-`;
    const inUse = new Set(this.options.inUse.map(queueNameOf));
    try {
      for await (const url of this.deps.queues.list(prefix)) {
        const name = queueNameOf(url);
        if (!name.startsWith(prefix) || inUse.has(name)) continue;
        const owner = await this.ownerOfQueue(url, summary);
        if (owner === GONE) continue;
        if (owner !== stackName) {
          if (owner === undefined) summary.untagged.push(url);
          else summary.otherStacks += 1;
          continue;
        }
        summary.examined += 1;
        const messages = await this.messagesIn(url, summary);
        if (messages > 0) this.report(url, messages, summary);
      }
    } catch (error) {
      summary.failures += 1;
      log.error('orphaned-queue watch: could not list the queues', { prefix, error: messageOf(error) });
    }
    if (summary.untagged.length > 0) this.reportUntagged(summary.untagged);
    // After a failure, only a figure that still raises the alarm (what the pages so far
    // showed): a 0 nobody could vouch for is left out, and the alarm reads no figure as breaching.
    if (summary.failures === 0 || summary.messages > 0) {
      this.deps.metrics.stackGauge?.('OrphanedQueueMessages', summary.messages);
      await this.record(summary.messages);
    }
    return summary;
  }

  /** A record the probe can trust; when it cannot be written, the probe finds the watch silent after two hours. */
  private async record(messages: number): Promise<void> {
    const { records, now = () => new Date() } = this.deps;
    await records?.record({ at: now(), messages }).catch((error: unknown) =>
      this.deps.log.error('orphaned-queue watch: could not record what it found (the probe reports the watch silent after two hours)', { messages, error: messageOf(error) }),
    );
  }

  private report(url: string, messages: number, summary: FindOrphanedQueuesSummary): void {
    summary.orphaned.push({ url, messages });
    summary.messages += messages;
    const { routes } = this.options;
    const command = adoptCommand(url, routes);
    const which = routes.length === 1 ? '' : ` (<route>: one of ${routes.join(', ')})`;
    this.deps.log.error(
      `queue ${url} is used by no route but holds ${messages} message(s): the envelopes of mail in the bucket, which nothing delivers; ` +
        `${ORPHAN_AGE_LIMIT}. Move them into a route's queue: ${command}${which}`,
      { queueUrl: url, messages, command, routes },
    );
  }

  /**
   * Queues named like ours without the tag: one of ours retained by a version
   * before the tag, or another tool's. The watch may not read them (its IAM
   * grant needs the tag), so it only says how to claim one.
   */
  private reportUntagged(urls: string[]): void {
    const { stackName } = this.options;
    this.deps.log.warn(
      `orphaned-queue watch: ${urls.length} queue(s) named like this stack's carry no ${STACK_TAG} tag, so they are not watched. ` +
        `If one is this stack's (kept from before the tag existed), tag it and the next hourly run counts it: ${tagCommand('<queue url>', stackName)} (README: Upgrading)`,
      { queueUrls: urls, stackName },
    );
  }

  /** The stack that tagged the queue, undefined for none; GONE when it was deleted since it was listed or its tags could not be read (logged). */
  private async ownerOfQueue(url: string, summary: FindOrphanedQueuesSummary): Promise<string | undefined | typeof GONE> {
    try {
      const tags = await this.deps.queues.tags(url);
      return tags === undefined ? GONE : ownerOf(tags);
    } catch (error) {
      summary.failures += 1;
      this.deps.log.error('orphaned-queue watch: could not read a queue\'s tags', { queueUrl: url, error: messageOf(error) });
      return GONE;
    }
  }

  /** Messages in the queue; 0 when it is gone since it was listed or could not be read (logged). */
  private async messagesIn(url: string, summary: FindOrphanedQueuesSummary): Promise<number> {
    try {
      const depth = await this.deps.queues.depth(url);
      return depth ? depth.visible + depth.inFlight + depth.delayed : 0;
    } catch (error) {
      summary.failures += 1;
      this.deps.log.error('orphaned-queue watch: could not read a queue\'s message counts', { queueUrl: url, error: messageOf(error) });
      return 0;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
