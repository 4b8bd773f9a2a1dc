// Finds mail SES stored whose notification never reached us. SES retries
// publishing to SNS for about 4 hours and then drops the notification; the
// object stays in the bucket, unknown to the queue and the index, until the
// lifecycle rule deletes it. Its envelope (recipients, sender) was only in that
// notification, so it cannot be delivered automatically: it becomes a dead
// letter (which raises the dead-letter alarm) and a person decides.
import type { Route } from '../model.js';
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { MessageIndex } from '../accept/ports.js';
import type { MessageStore, StoredObject } from '../message/ports.js';

export interface FindUnqueuedDeps {
  store: MessageStore;
  index: MessageIndex;
  ledger: Ledger;
  deadLetters: DeadLetterStore;
  log: DeliveryLog;
  metrics: Metrics;
  clock: Clock;
}

/**
 * SES retries the SNS publish for about 4 hours: an object younger than that
 * plus an hour may still be announced, and dead-lettering it would raise a
 * false alarm (and invite a hand delivery that duplicates the real one).
 */
export const FIND_UNQUEUED_MIN_AGE_SECONDS = 5 * 3600;

export interface FindUnqueuedOptions {
  /** Where SES stores the route's mail (the rule's object key prefix, `mail/<route>/`). */
  prefixOf: (route: string) => string;
  /** An object younger than this may still have its notification on the way (default FIND_UNQUEUED_MIN_AGE_SECONDS). */
  minAgeSeconds?: number;
  /**
   * Objects older than this were looked at by earlier runs (default 1 day:
   * each object is looked at by about 19 hourly runs, so a failed run or two
   * lose nothing, and a big backlog is not re-read for a week).
   */
  maxAgeSeconds?: number;
  /** Objects looked up at once (default 16): a long outage leaves many objects to check. */
  concurrency?: number;
  /** Stop looking at new objects after this many seconds (the Lambda's time minus a margin). */
  budgetSeconds?: number;
}

export interface FindUnqueuedSummary {
  route: string;
  /** Objects in the age window. */
  examined: number;
  /** Of those, dead-lettered now. */
  deadLettered: number;
  /** True when the time budget ended the run before every object was looked at (the next run goes on). */
  truncated?: boolean;
}

/** SES writes this object when a rule's S3 action is created; it is no mail. */
export const SES_SETUP_OBJECT = 'AMAZON_SES_SETUP_NOTIFICATION';

export class FindUnqueuedObjects {
  constructor(
    private readonly deps: FindUnqueuedDeps,
    private readonly options: FindUnqueuedOptions,
  ) {}

  async run(route: Route): Promise<FindUnqueuedSummary> {
    const { store, clock } = this.deps;
    const summary: FindUnqueuedSummary = { route: route.name, examined: 0, deadLettered: 0 };
    if (!store.list) return summary;
    const started = clock.now().getTime();
    const newest = started - (this.options.minAgeSeconds ?? FIND_UNQUEUED_MIN_AGE_SECONDS) * 1000;
    const oldest = started - (this.options.maxAgeSeconds ?? 86_400) * 1000;
    const deadline = this.options.budgetSeconds === undefined ? Infinity : started + this.options.budgetSeconds * 1000;
    const concurrency = Math.max(1, this.options.concurrency ?? 16);
    const running = new Set<Promise<void>>();
    for await (const object of store.list(this.options.prefixOf(route.name))) {
      const stored = object.lastModified.getTime();
      if (stored > newest || stored < oldest) continue;
      const messageId = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (!messageId || messageId === SES_SETUP_OBJECT) continue;
      if (clock.now().getTime() >= deadline) {
        summary.truncated = true;
        break;
      }
      summary.examined += 1;
      const check = this.check(route, object, messageId, summary).finally(() => running.delete(check));
      running.add(check);
      if (running.size >= concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    return summary;
  }

  private async check(route: Route, object: StoredObject, messageId: string, summary: FindUnqueuedSummary): Promise<void> {
    const { clock, log } = this.deps;
    if (await this.isKnown(messageId)) return;
    await this.deps.deadLetters.put({
      messageId,
      route: route.name,
      reason: 'not-queued',
      detail:
        `stored by SES at ${object.lastModified.toISOString()} but its notification never reached the queue (SES stops ` +
        'publishing after about 4 hours); the envelope was only in that notification. Read the headers with ' +
        '`backup-mx show`, deliver it by hand, then `backup-mx delete` it',
      at: clock.now(),
      notification: '',
      objectKey: object.key,
    });
    this.deps.metrics.count('DeadLettered', 1, route.name);
    summary.deadLettered += 1;
    log.warn('dead-lettered an object that was never queued', { route: route.name, messageId, key: object.key });
  }

  /** Indexed (queued or done), already a dead letter, or with delivery outcomes: someone knows it. */
  private async isKnown(messageId: string): Promise<boolean> {
    if ((await this.deps.index.find(messageId)).length > 0) return true;
    if ((await this.deps.deadLetters.find(messageId)).length > 0) return true;
    return (await this.deps.ledger.outcomes(messageId)).size > 0;
  }
}
