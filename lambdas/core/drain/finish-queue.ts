// Finishing delivered messages off the worker's path. Once a message's
// outcomes are stored, what is left (its index entry marked done, then its
// queue entry deleted: MessageOutcomes.finish) no longer decides anything, so
// the worker hands it here and takes the next message. Finishes gather for a
// few milliseconds and go together: their done summaries share one grouped
// BatchWriteItem and their deletes one or two DeleteMessageBatch calls,
// instead of a call of each per message. The drain waits for every finish
// before it releases its lease, so "delete only after the outcome is stored"
// and "done before deleted" both still hold; a run that dies first leaves the
// entries in the queue, and their next receive finds every recipient final
// and sends nothing.
import type { InboundMessage, Route } from '../model.js';
import type { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { MailQueue, QueuedMessage } from './ports.js';

/** Finishes sent together: 20 done summaries fit one BatchWriteItem (25), their deletes two batches of 10. */
export const FINISH_BATCH = 20;
/** How long a finish waits for company when fewer than FINISH_BATCH are waiting. */
export const FINISH_LINGER_MS = 20;

interface Finish {
  route: Route;
  queue: MailQueue;
  qm: QueuedMessage;
  message: InboundMessage;
  size?: number;
}

export class FinishQueue {
  private waiting: Finish[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly outcomes: MessageOutcomes,
    /** A finish that failed (its entry stays in the queue and comes back; nothing is sent again). */
    private readonly failed: (error: Error, messageId: string) => void,
    private readonly batch = FINISH_BATCH,
    private readonly lingerMs = FINISH_LINGER_MS,
  ) {}

  /** Queues the finish of a message whose recipients are all final and stored. */
  add(route: Route, queue: MailQueue, qm: QueuedMessage, message: InboundMessage, size?: number): void {
    this.waiting.push({ route, queue, qm, message, ...(size !== undefined ? { size } : {}) });
    if (this.waiting.length >= this.batch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
  }

  /** Resolves once every finish added so far has been tried. */
  async settled(): Promise<void> {
    this.flush();
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const finishes = this.waiting;
    this.waiting = [];
    // All in one turn: the grouped writer and the queue's deletes put them in shared calls.
    const run = Promise.all(finishes.map((f) => this.outcomes.finish(f.route, f.queue, f.qm, f.message, f.size).catch((error: Error) => this.report(error, f.message.messageId)))).then(() => undefined);
    this.running.add(run);
    run.finally(() => this.running.delete(run)).catch(() => undefined);
  }

  /** A reporter that throws must not turn into an unhandled rejection (the entry stays queued either way). */
  private report(error: Error, messageId: string): void {
    try {
      this.failed(error, messageId);
    } catch {
      // nothing more to do: the queue entry comes back after its visibility timeout
    }
  }
}
