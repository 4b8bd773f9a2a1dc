// An SQS queue in memory, on an injected clock, behaving like SQS where the
// use cases depend on it: visibility timeouts (a message whose timeout ran out
// is handed to the next receiver while the first may still be working on it),
// receive counts, send delays, receipt handles (only the latest one of a
// message is valid: a delete with an older one succeeds and deletes nothing, a
// defer with one fails), short polls that may answer empty while messages wait
// (SQS asks only a sample of its servers unless the receive waits; off unless
// `shortPollMissRate` is set), retention counted from the original enqueue (14
// days at most; a message redriven to the DLQ keeps its first enqueue time
// there), and redrive to a DLQ once a message was received maxReceiveCount
// times. Receives take the messages that became visible first and cost
// O(log n), so a scale test can hold 100k.
import type { Clock } from '../../core/runtime/ports.js';
import type { MailQueue, QueuedMessage } from '../../core/drain/ports.js';
import type { FaultInjector } from './fault-injector.js';

const MAX_VISIBILITY_SECONDS = 12 * 3600;
const MAX_DELAY_SECONDS = 900;
/** SQS's longest MessageRetentionPeriod (and its default for our queues). */
export const SQS_MAX_RETENTION_SECONDS = 14 * 86_400;

export interface FakeQueueEntry {
  id: string;
  body: string;
  /** When the message first entered a queue (kept through a redrive, as SQS does). */
  enqueuedAt: Date;
  visibleAt: Date;
  receiveCount: number;
  /** True until the first receive when it was enqueued with a delay. */
  delayed: boolean;
  /** Latest receipt handle; older ones no longer defer it. */
  handle?: string;
}

type Slot = { at: number; seq: number; id: string };

export class InMemoryMailQueue implements MailQueue {
  private readonly entries = new Map<string, FakeQueueEntry>();
  private readonly heap: Slot[] = [];
  private readonly slotOf = new Map<string, number>(); // id → seq of its live heap slot
  private sequence = 0;
  /** Visibility timeout applied by `receive` when none is given. */
  defaultVisibilitySeconds = 300;
  /** MessageRetentionPeriod: messages older than this (since first enqueue) are dropped, as SQS does. */
  retentionSeconds = SQS_MAX_RETENTION_SECONDS;
  /** False keeps `deleted`, `defers` and `enqueued` empty (scale tests). */
  recordCalls = true;
  /** Bodies of deleted messages, in order. */
  readonly deleted: string[] = [];
  /** Every defer call, for assertions. */
  readonly defers: { body: string; delaySeconds: number }[] = [];
  /** Every enqueue call. */
  readonly enqueued: { body: string; delaySeconds: number }[] = [];
  /**
   * When set, SQS's redrive policy: a message already received this many times
   * goes to the DLQ at its next receive instead of being returned.
   */
  maxReceiveCount?: number;
  /** Where redriven messages go (with their original enqueue time); `redriven` lists them either way. */
  deadLetterQueue?: InMemoryMailQueue;
  /** Bodies moved to the DLQ by the redrive policy, in order. */
  readonly redriven: string[] = [];
  /** Bodies SQS dropped because they outlived the retention period, in order: mail lost. */
  readonly droppedByRetention: string[] = [];
  /** Set to make the next call of that operation throw. */
  failNext: Partial<Record<'receive' | 'delete' | 'defer' | 'enqueue' | 'depth', Error>> = {};
  /** Seeded failures and modelled latency per operation (`queue.receive`, ...). */
  faults?: FaultInjector;
  /**
   * The chance that a short poll (a receive that does not wait) finds nothing
   * although messages are visible: SQS's short poll samples a subset of its
   * servers, a wait of 1 s or more asks them all. 1 is the worst case.
   */
  shortPollMissRate = 0;
  /** Draws for shortPollMissRate (a seeded PRNG in scale tests). */
  random: () => number = Math.random;
  /** Short polls that answered empty with messages visible. */
  shortPollMisses = 0;
  /** Deletes with a receipt handle that was no longer the latest: they succeeded and deleted nothing. */
  staleDeletes = 0;

  constructor(private readonly clock: Clock) {}

  /** Every message still on the queue, hidden ones included (drops what retention ended). */
  all(): FakeQueueEntry[] {
    this.dropExpired();
    return [...this.entries.values()].map((e) => ({ ...e, enqueuedAt: new Date(e.enqueuedAt), visibleAt: new Date(e.visibleAt) }));
  }

  /** Messages on the queue now, hidden ones included. */
  get size(): number {
    return this.entries.size;
  }

  async receive(max: number, waitSeconds: number, visibilitySeconds?: number): Promise<QueuedMessage[]> {
    this.throwIfFailing('receive');
    const now = this.clock.now().getTime();
    if (!(waitSeconds >= 1) && this.shortPollMissRate > 0 && this.heap.length > 0 && this.heap[0]!.at <= now && this.random() < this.shortPollMissRate) {
      this.shortPollMisses += 1;
      return [];
    }
    const visibility = Math.min(visibilitySeconds ?? this.defaultVisibilitySeconds, MAX_VISIBILITY_SECONDS);
    const want = Math.max(1, Math.min(max, 10));
    const got: QueuedMessage[] = [];
    const taken: FakeQueueEntry[] = [];
    while (got.length < want && this.heap.length > 0 && this.heap[0]!.at <= now) {
      const slot = this.pop();
      const entry = this.entries.get(slot.id);
      if (!entry || this.slotOf.get(slot.id) !== slot.seq) continue; // stale slot
      if (this.outlivedRetention(entry, now)) {
        this.drop(entry);
        continue;
      }
      if (this.maxReceiveCount !== undefined && entry.receiveCount >= this.maxReceiveCount) {
        this.redrive(entry);
        continue;
      }
      entry.receiveCount += 1;
      entry.delayed = false;
      entry.handle = `h-${entry.id}-${++this.sequence}`;
      this.slotOf.delete(entry.id); // rescheduled below: one receive never returns a message twice
      taken.push(entry);
      got.push({ handle: entry.handle, body: entry.body, receiveCount: entry.receiveCount, enqueuedAt: new Date(entry.enqueuedAt) });
    }
    for (const entry of taken) this.schedule(entry, now + visibility * 1000);
    return got;
  }

  async delete(handle: string): Promise<void> {
    this.throwIfFailing('delete');
    const id = idOfHandle(handle);
    if (id === undefined) throw new Error(`ReceiptHandleIsInvalid: ${handle}`);
    const entry = this.entries.get(id);
    if (!entry) return; // already deleted: SQS succeeds too
    if (entry.handle !== handle) {
      // Received again since (its visibility ran out): SQS answers success and keeps the message.
      this.staleDeletes += 1;
      return;
    }
    if (this.recordCalls) this.deleted.push(entry.body);
    this.remove(entry);
  }

  async defer(handle: string, delaySeconds: number): Promise<void> {
    this.throwIfFailing('defer');
    const id = idOfHandle(handle);
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (!entry || entry.handle !== handle) throw new Error(`MessageNotInflight: ${handle}`);
    const delay = Math.max(0, Math.min(delaySeconds, MAX_VISIBILITY_SECONDS));
    if (this.recordCalls) this.defers.push({ body: entry.body, delaySeconds: delay });
    this.schedule(entry, this.clock.now().getTime() + delay * 1000);
  }

  async enqueue(body: string, delaySeconds = 0): Promise<void> {
    this.throwIfFailing('enqueue');
    const delay = Math.max(0, Math.min(delaySeconds, MAX_DELAY_SECONDS));
    if (this.recordCalls) this.enqueued.push({ body, delaySeconds: delay });
    this.insert(body, this.clock.now(), delay, 0);
  }

  async depth(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    this.throwIfFailing('depth');
    const now = this.clock.now().getTime();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    let outlived: FakeQueueEntry[] | undefined;
    for (const e of this.entries.values()) {
      if (this.outlivedRetention(e, now)) (outlived ??= []).push(e);
      else if (e.visibleAt.getTime() <= now) visible += 1;
      else if (e.delayed) delayed += 1;
      else inFlight += 1;
    }
    for (const e of outlived ?? []) this.drop(e);
    return { visible, inFlight, delayed };
  }

  /** Drops every message past the retention period, hidden or not (SQS does not wait for a receive). */
  dropExpired(): void {
    const now = this.clock.now().getTime();
    const outlived: FakeQueueEntry[] = [];
    for (const entry of this.entries.values()) if (this.outlivedRetention(entry, now)) outlived.push(entry);
    for (const entry of outlived) this.drop(entry);
  }

  private insert(body: string, enqueuedAt: Date, delaySeconds: number, receiveCount: number): void {
    const now = this.clock.now().getTime();
    const entry: FakeQueueEntry = { id: `m${++this.sequence}`, body, enqueuedAt: new Date(enqueuedAt), visibleAt: new Date(now), receiveCount, delayed: delaySeconds > 0 };
    this.entries.set(entry.id, entry);
    this.schedule(entry, now + delaySeconds * 1000);
  }

  private outlivedRetention(entry: FakeQueueEntry, now: number): boolean {
    return now - entry.enqueuedAt.getTime() >= this.retentionSeconds * 1000;
  }

  private drop(entry: FakeQueueEntry): void {
    this.droppedByRetention.push(entry.body);
    this.remove(entry);
  }

  private redrive(entry: FakeQueueEntry): void {
    this.redriven.push(entry.body);
    this.remove(entry);
    this.deadLetterQueue?.insert(entry.body, entry.enqueuedAt, 0, 0);
  }

  private remove(entry: FakeQueueEntry): void {
    this.entries.delete(entry.id);
    this.slotOf.delete(entry.id);
  }

  private schedule(entry: FakeQueueEntry, at: number): void {
    entry.visibleAt = new Date(at);
    const seq = ++this.sequence;
    this.slotOf.set(entry.id, seq);
    this.push({ at, seq, id: entry.id });
  }

  // A binary min-heap on (visible time, sequence); superseded slots are skipped when popped.
  private push(slot: Slot): void {
    const h = this.heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Slot {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private throwIfFailing(op: keyof InMemoryMailQueue['failNext']): void {
    const error = this.failNext[op];
    if (error) {
      delete this.failNext[op];
      throw error;
    }
    this.faults?.check(`queue.${op}`);
  }
}

const before = (a: Slot, b: Slot) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Handles look like `h-<id>-<n>`; anything else is not ours. */
function idOfHandle(handle: string): string | undefined {
  const match = /^h-(m\d+)-\d+$/.exec(handle);
  return match?.[1];
}
