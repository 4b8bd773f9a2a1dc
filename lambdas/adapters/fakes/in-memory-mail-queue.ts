// An SQS queue in memory: visibility timeouts, receive counts, delays and
// receipt handles behave like SQS, on an injected clock.
import type { Clock, MailQueue, QueuedMessage } from '../../core/ports.js';

const MAX_VISIBILITY_SECONDS = 12 * 3600;
const MAX_DELAY_SECONDS = 900;

export interface FakeQueueEntry {
  id: string;
  body: string;
  enqueuedAt: Date;
  visibleAt: Date;
  receiveCount: number;
  /** True until the first receive when it was enqueued with a delay. */
  delayed: boolean;
  /** Latest receipt handle; older ones no longer defer it. */
  handle?: string;
}

export class InMemoryMailQueue implements MailQueue {
  private entries: FakeQueueEntry[] = [];
  private readonly handles = new Map<string, string>();
  private sequence = 0;
  /** Visibility timeout applied by `receive` when none is given. */
  defaultVisibilitySeconds = 300;
  /** Bodies of deleted messages, in order. */
  readonly deleted: string[] = [];
  /** Every defer call, for assertions. */
  readonly defers: { body: string; delaySeconds: number }[] = [];
  /** Every enqueue call. */
  readonly enqueued: { body: string; delaySeconds: number }[] = [];
  /**
   * When set, SQS's redrive policy: a message already received this many times
   * goes to `redriven` (the DLQ) at its next receive instead of being returned.
   */
  maxReceiveCount?: number;
  /** Bodies moved to the DLQ by the redrive policy, in order. */
  readonly redriven: string[] = [];
  /** Set to make the next call of that operation throw. */
  failNext: Partial<Record<'receive' | 'delete' | 'defer' | 'enqueue' | 'depth', Error>> = {};

  constructor(private readonly clock: Clock) {}

  /** Every message still on the queue, hidden ones included. */
  all(): FakeQueueEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  async receive(max: number, _waitSeconds: number, visibilitySeconds?: number): Promise<QueuedMessage[]> {
    this.throwIfFailing('receive');
    const now = this.clock.now();
    const visibility = Math.min(visibilitySeconds ?? this.defaultVisibilitySeconds, MAX_VISIBILITY_SECONDS);
    const limit = this.maxReceiveCount;
    if (limit !== undefined) {
      for (const e of this.entries.filter((e) => e.visibleAt.getTime() <= now.getTime() && e.receiveCount >= limit)) {
        this.redriven.push(e.body);
        this.entries.splice(this.entries.indexOf(e), 1);
      }
    }
    const ready = this.entries.filter((e) => e.visibleAt.getTime() <= now.getTime()).slice(0, Math.max(1, Math.min(max, 10)));
    return ready.map((entry) => {
      entry.receiveCount += 1;
      entry.delayed = false;
      entry.visibleAt = new Date(now.getTime() + visibility * 1000);
      entry.handle = `h-${entry.id}-${++this.sequence}`;
      this.handles.set(entry.handle, entry.id);
      return { handle: entry.handle, body: entry.body, receiveCount: entry.receiveCount, enqueuedAt: new Date(entry.enqueuedAt) };
    });
  }

  async delete(handle: string): Promise<void> {
    this.throwIfFailing('delete');
    const id = this.handles.get(handle);
    if (id === undefined) throw new Error(`ReceiptHandleIsInvalid: ${handle}`);
    const index = this.entries.findIndex((e) => e.id === id);
    if (index < 0) return; // already deleted: SQS succeeds too
    this.deleted.push(this.entries[index]!.body);
    this.entries.splice(index, 1);
  }

  async defer(handle: string, delaySeconds: number): Promise<void> {
    this.throwIfFailing('defer');
    const id = this.handles.get(handle);
    const entry = this.entries.find((e) => e.id === id);
    if (!entry || entry.handle !== handle) throw new Error(`MessageNotInflight: ${handle}`);
    const delay = Math.max(0, Math.min(delaySeconds, MAX_VISIBILITY_SECONDS));
    this.defers.push({ body: entry.body, delaySeconds: delay });
    entry.visibleAt = new Date(this.clock.now().getTime() + delay * 1000);
  }

  async enqueue(body: string, delaySeconds = 0): Promise<void> {
    this.throwIfFailing('enqueue');
    const now = this.clock.now();
    const delay = Math.max(0, Math.min(delaySeconds, MAX_DELAY_SECONDS));
    this.enqueued.push({ body, delaySeconds: delay });
    this.entries.push({
      id: `m${++this.sequence}`,
      body,
      enqueuedAt: now,
      visibleAt: new Date(now.getTime() + delay * 1000),
      receiveCount: 0,
      delayed: delay > 0,
    });
  }

  async depth(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    this.throwIfFailing('depth');
    const now = this.clock.now().getTime();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const e of this.entries) {
      if (e.visibleAt.getTime() <= now) visible += 1;
      else if (e.delayed) delayed += 1;
      else inFlight += 1;
    }
    return { visible, inFlight, delayed };
  }

  private throwIfFailing(op: keyof InMemoryMailQueue['failNext']): void {
    const error = this.failNext[op];
    if (error) {
      delete this.failNext[op];
      throw error;
    }
  }
}
