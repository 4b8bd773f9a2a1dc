// Requeue: puts dead-lettered messages back in their route's queue. The
// recipients that were not delivered are reset in the ledger so the drain
// tries them again (delivered ones stay skipped). A fresh copy is always
// enqueued, even when the message may still have a live entry (a partial
// bounce leaves the other recipients queued): the ledger makes two copies
// safe, while trusting the index (which a failed markDone or a late accept can
// leave stale) or searching the queue (receiving every visible entry, which
// pushes the backlog towards SQS's redrive) could lose the recipient. The
// dead-letter record is removed last, so a failure half-way leaves it listed
// as dead, never lost; then its copy on the SQS dead-letter queue goes, so the
// DLQ alarm clears. A drain may take the fresh copy at once and dead-letter it
// again (a virus verdict): the record is removed only while it is still the
// one read (its `at`), and only the DLQ copies of that record go, so the
// drain's new record keeps its copy and the alarm stays up.
import { queuedSummary } from '../accept/queued-summary.js';
import type { MessageIndex, MessageSummary } from '../accept/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import type { MailQueue } from '../drain/ports.js';
import { copyOf } from '../message/message-copy.js';
import type { MessageStore } from '../message/ports.js';
import { FINAL_STATES, type DeadLetterRecord, type InboundMessage, type Route } from '../model.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { Clock } from '../runtime/ports.js';
import { removeDeadLetterCopies, type CopyCleanup, type WantedCopy } from './dead-letter-cleanup.js';
import { removeRecordRead, type RecordRemoval } from './record-removal.js';
import type { DeadLetterQueue } from './mail-ports.js';

export interface RequeueDeps {
  routes: Route[];
  deadLetters: DeadLetterStore;
  deadLetterQueue: DeadLetterQueue;
  ledger: Ledger;
  index: MessageIndex;
  store: MessageStore;
  queues: (route: Route) => MailQueue;
  parse: NotificationParser;
  clock: Clock;
  /** The queue lifetime (RetryPolicy): an expired message would be expired again at once. */
  isExpired(receivedAt: Date, now: Date): boolean;
}

/** Why one record cannot be requeued; the caller words it. */
export type RequeueRefusal =
  | { why: 'route-not-configured'; route?: string }
  | { why: 'envelope-unknown' }
  | { why: 'unparsable'; detail: string }
  | { why: 'raw-message-gone'; objectKey: string }
  /** Expired, and the index says a live entry with the old timestamp may remain (which would expire the reset recipients). */
  | { why: 'live-expired-entry'; route: string }
  /** Expired, and no renewed lifetime asked for. */
  | { why: 'expired'; receivedAt: Date; now: Date };

export class RequeueRefusedError extends Error {
  constructor(readonly refusal: RequeueRefusal) {
    super(`requeue refused: ${refusal.why}`);
    this.name = 'RequeueRefusedError';
  }
}

/** What became of one record. */
export type RequeueResult =
  | { record: DeadLetterRecord; refused: RequeueRefusal }
  /** An error on the way (a store or queue call failed): the record stays, the others go on. */
  | { record: DeadLetterRecord; failed: Error }
  /** Nothing left to deliver: only the record went (or not, `removal` says). */
  | { record: DeadLetterRecord; allDelivered: true; removal: RecordRemoval }
  | {
      record: DeadLetterRecord;
      route: string;
      /** Recipients the fresh copy delivers to; `reset` of them were final in the ledger. */
      pending: number;
      reset: number;
      /** The index listed the copy as queued: a live entry may remain beside the fresh one. */
      wasQueued: boolean;
      removal: RecordRemoval;
    };

/** The records an id names: found, or why there are none. */
export type RequeueLookup =
  | { records: DeadLetterRecord[] }
  | { queued: MessageSummary }
  | { unknown: true };

export interface RequeueReport {
  results: RequeueResult[];
  /** The DLQ copies of every record handled. */
  copies: CopyCleanup;
  /** Records a drain dead-lettered again after they were removed (a new record stands): the new one's reason. */
  deadAgain: { record: DeadLetterRecord; reason: string }[];
}

export class RequeueDeadLetters {
  constructor(private readonly deps: RequeueDeps) {}

  /** The message's dead letters (on `route` only, when given). */
  async find(messageId: string, route?: string): Promise<RequeueLookup> {
    const found = (await this.deps.deadLetters.find(messageId)).filter((r) => route === undefined || r.route === route);
    if (found.length > 0) return { records: found };
    const queued = await this.deps.index.get(messageId, route);
    return queued ? { queued } : { unknown: true };
  }

  /** Every dead letter of these routes. */
  async all(routes: string[]): Promise<DeadLetterRecord[]> {
    return (await Promise.all(routes.map((r) => this.deps.deadLetters.list(r)))).flat();
  }

  /**
   * Requeues each record (`each` hears of it as it is done), then removes their
   * DLQ copies. A record that fails is reported and the rest go on: its record
   * is removed last, so a failure leaves it listed as dead, never lost.
   */
  async run(records: DeadLetterRecord[], options: { renewLifetime?: boolean }, each: (result: RequeueResult) => void = () => {}): Promise<RequeueReport> {
    const results: RequeueResult[] = [];
    const wanted: WantedCopy[] = [];
    for (const record of records) {
      let result: RequeueResult;
      try {
        result = await this.one(record, options);
      } catch (error) {
        result = error instanceof RequeueRefusedError ? { record, refused: error.refusal } : { record, failed: error as Error };
      }
      results.push(result);
      each(result);
      if ('refused' in result || 'failed' in result) continue;
      // The copies of the record read (and older ones it carries), whether or not it was still there to remove.
      wanted.push({ messageId: record.messageId, ...(record.route !== undefined ? { route: record.route } : {}), ...(record.copy ? { copy: record.copy } : {}), writtenUpTo: record.at });
    }
    const copies = await removeDeadLetterCopies(this.deps.deadLetterQueue, wanted);
    return { results, copies, deadAgain: await this.deadAgain(results) };
  }

  private async one(record: DeadLetterRecord, options: { renewLifetime?: boolean }): Promise<RequeueResult> {
    const { deps } = this;
    const id = record.messageId;
    const route = deps.routes.find((r) => r.name === record.route);
    if (!route) throw new RequeueRefusedError({ why: 'route-not-configured', ...(record.route !== undefined ? { route: record.route } : {}) });
    if (record.reason === 'not-queued') throw new RequeueRefusedError({ why: 'envelope-unknown' });
    let message: InboundMessage;
    try {
      message = deps.parse(record.notification);
    } catch (error) {
      throw new RequeueRefusedError({ why: 'unparsable', detail: (error as Error).message });
    }
    // A route split over several receipt rules has one dead letter per copy: this one is the record's own.
    const copy = copyOf(message);
    const outcomes = await deps.ledger.outcomes(id);
    const pending = message.recipients.filter((r) => outcomes.get(r)?.state !== 'delivered');
    if (pending.length === 0) return { record, allDelivered: true, removal: await removeRecordRead(deps.deadLetters, record, route.name) };
    const size = await deps.store.size(message.objectKey);
    if (size === undefined) throw new RequeueRefusedError({ why: 'raw-message-gone', objectKey: message.objectKey });

    const now = deps.clock.now();
    let body = record.notification;
    let receivedAt = message.receivedAt;
    if (deps.isExpired(message.receivedAt, now)) {
      // A live entry with the old timestamp would expire the reset recipients: the index says whether one may remain.
      if ((await deps.index.get(id, route.name, copy))?.state === 'queued') throw new RequeueRefusedError({ why: 'live-expired-entry', route: route.name });
      if (!options.renewLifetime) throw new RequeueRefusedError({ why: 'expired', receivedAt: message.receivedAt, now });
      body = withTimestamp(body, now);
      receivedAt = now;
    }

    // Reset what was not delivered, so the drain attempts it again. Before the
    // live-entry check: a drain finishing that entry from now on sees them.
    let reset = 0;
    for (const recipient of message.recipients) {
      const outcome = outcomes.get(recipient);
      if (!outcome || outcome.state === 'delivered' || !FINAL_STATES.includes(outcome.state)) continue;
      await deps.ledger.record(id, { ...outcome, state: 'queued', updatedAt: now });
      reset += 1;
    }
    // The index before the enqueue: a drain may finish the fresh copy at once, and
    // its 'done' must come after this 'queued', or mailq would list it for good.
    const wasQueued = (await deps.index.get(id, route.name, copy))?.state === 'queued';
    if (!wasQueued) {
      await deps.index.remove(id, route.name, copy); // a done summary or tombstone
      await deps.index.add(queuedSummary(message, route.name, { size, receivedAt }));
    }
    await deps.queues(route).enqueue(body);
    return { record, route: route.name, pending: pending.length, reset, wasQueued, removal: await removeRecordRead(deps.deadLetters, record, route.name) };
  }

  /**
   * A drain may have taken the fresh copy and dead-lettered it again after its
   * record was removed: that new record (and its DLQ copy) stays.
   */
  private async deadAgain(results: RequeueResult[]): Promise<{ record: DeadLetterRecord; reason: string }[]> {
    const found: { record: DeadLetterRecord; reason: string }[] = [];
    for (const result of results) {
      if ('refused' in result || 'failed' in result || result.removal.kind === 'dead-again') continue;
      const { record } = result;
      const now = await this.deps.deadLetters.get(record.messageId, record.route ?? '', record.copy ?? '').catch(() => undefined);
      if (now && now.at.getTime() !== record.at.getTime()) found.push({ record, reason: now.reason });
    }
    return found;
  }
}

/** The notification with mail.timestamp set to `at` (inside an SNS envelope too). */
function withTimestamp(body: string, at: Date): string {
  const outer = JSON.parse(body) as Record<string, any>;
  if (outer.Type === 'Notification' && typeof outer.Message === 'string') {
    return JSON.stringify({ ...outer, Message: withTimestamp(outer.Message, at) });
  }
  outer.mail = { ...outer.mail, timestamp: at.toISOString() };
  return JSON.stringify(outer);
}
