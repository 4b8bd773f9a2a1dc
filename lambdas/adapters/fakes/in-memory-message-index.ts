// Message summaries by id, route and copy (like the table's `meta#<route>#<copy>`
// key), listed by route like the byRoute index.
import type { DoneFacts, MessageHold, MessageIndex, MessageSummary } from '../../core/accept/ports.js';
import type { FaultInjector } from './fault-injector.js';

const sortOf = (route: string, copy: string | undefined) => `${route}${copy ? `#${copy}` : ''}`;
const keyOf = (messageId: string, route: string, copy: string | undefined) => `${messageId}\n${sortOf(route, copy)}`;
const keyOfSummary = (s: MessageSummary) => keyOf(s.messageId, s.route, s.copy);
// DynamoDB orders sort keys by their bytes, not by locale.
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class InMemoryMessageIndex implements MessageIndex {
  private readonly summaries = new Map<string, MessageSummary>();
  /** Each message id's item keys, so a lookup by id reads its own items, not the whole index (scale tests). */
  private readonly byMessage = new Map<string, Set<string>>();
  private readonly lastDoneByRoute = new Map<string, Date>();
  failNext?: Error;
  /** Seeded failures of `index.add` and `index.markDone`. */
  faults?: FaultInjector;

  /** Reads of holdOf, one per call (what the drain's grouped read replaces on AWS). */
  holdReads = 0;

  async add(summary: MessageSummary): Promise<boolean> {
    this.throwIfFailing('add');
    const key = keyOf(summary.messageId, summary.route, summary.copy);
    if (this.summaries.has(key)) return false;
    // As DynamoDB's: accept may not write the operator's hold (IAM dynamodb:Attributes).
    const { held: _held, ...rest } = structuredClone(summary);
    this.put(rest);
    return true;
  }

  async holdOf(messageId: string, route: string, copy: string): Promise<MessageHold | undefined> {
    this.holdReads += 1;
    const found = this.summaries.get(keyOf(messageId, route, copy || undefined));
    return found?.state === 'queued' && found.held ? structuredClone(found.held) : undefined;
  }

  async setHold(messageId: string, route: string, copy: string, hold: MessageHold | undefined): Promise<boolean> {
    const found = this.summaries.get(keyOf(messageId, route, copy || undefined));
    if (found?.state !== 'queued') return false;
    if (hold) found.held = structuredClone(hold);
    else delete found.held;
    return true;
  }


  async find(messageId: string): Promise<MessageSummary[]> {
    return [...(this.byMessage.get(messageId) ?? [])]
      .map((key) => this.summaries.get(key)!)
      .sort((a, b) => byteOrder(sortOf(a.route, a.copy), sortOf(b.route, b.copy)))
      .map((s) => structuredClone(s));
  }

  async get(messageId: string, route?: string, copy?: string): Promise<MessageSummary | undefined> {
    if (route !== undefined && copy !== undefined) {
      const found = this.summaries.get(keyOf(messageId, route, copy));
      return found && structuredClone(found);
    }
    return (await this.find(messageId)).find((s) => matches(s, route, copy));
  }

  async markDone(messageId: string, route: string, at: Date, copy?: string, facts?: DoneFacts): Promise<void> {
    this.throwIfFailing('markDone');
    const last = this.lastDoneByRoute.get(route);
    if (!last || last < at) this.lastDoneByRoute.set(route, new Date(at));
    const found = this.summaries.get(keyOf(messageId, route, copy));
    if (facts) {
      // As DynamoDB's plain put: the whole item is replaced (with no size when the drain did not open the object).
      this.put({ messageId, route, ...facts, recipients: [...facts.recipients], receivedAt: new Date(facts.receivedAt), state: 'done', lastDeliveryAt: new Date(at), ...(copy ? { copy } : {}) });
    } else if (!found) {
      this.put({ messageId, route, sender: '', recipients: [], receivedAt: new Date(at), state: 'done', lastDeliveryAt: new Date(at), ...(copy ? { copy } : {}) });
    } else {
      found.state = 'done';
      found.lastDeliveryAt = new Date(at);
      delete found.held;
    }
    // A summary indexed before copies were kept (no copy) is finished by its first copy's markDone.
    const older = copy ? this.summaries.get(keyOf(messageId, route, undefined)) : undefined;
    if (older?.state === 'queued') {
      older.state = 'done';
      older.lastDeliveryAt = new Date(at);
    }
  }

  async lastDone(route: string): Promise<Date | undefined> {
    const last = this.lastDoneByRoute.get(route);
    return last && new Date(last);
  }

  async listQueued(route?: string): Promise<MessageSummary[]> {
    return [...this.summaries.values()]
      .filter((s) => s.state === 'queued' && (route === undefined || s.route === route))
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      .map((s) => structuredClone(s));
  }

  async queuedStats(route: string): Promise<{ queued: number; oldestReceivedAt?: Date }> {
    const queued = await this.listQueued(route);
    return queued.length === 0 ? { queued: 0 } : { queued: queued.length, oldestReceivedAt: queued[0]!.receivedAt };
  }

  /** One pass keeping the `limit` oldest (no sort of the whole index: the scale runs call it every sweep). */
  async oldestQueued(route: string, limit: number): Promise<MessageSummary[]> {
    const oldest: MessageSummary[] = [];
    for (const s of this.summaries.values()) {
      if (s.state !== 'queued' || s.route !== route) continue;
      if (oldest.length === limit && s.receivedAt >= oldest[limit - 1]!.receivedAt) continue;
      const at = oldest.findIndex((o) => s.receivedAt < o.receivedAt);
      oldest.splice(at === -1 ? oldest.length : at, 0, s);
      if (oldest.length > limit) oldest.pop();
    }
    return oldest.map((s) => structuredClone(s));
  }

  async remove(messageId: string, route?: string, copy?: string): Promise<void> {
    for (const summary of await this.find(messageId)) {
      if (!matches(summary, route, copy)) continue;
      const key = keyOfSummary(summary);
      this.summaries.delete(key);
      this.byMessage.get(messageId)?.delete(key);
    }
    if (this.byMessage.get(messageId)?.size === 0) this.byMessage.delete(messageId);
  }

  private put(summary: MessageSummary): void {
    const key = keyOfSummary(summary);
    this.summaries.set(key, summary);
    const keys = this.byMessage.get(summary.messageId) ?? new Set<string>();
    keys.add(key);
    this.byMessage.set(summary.messageId, keys);
  }

  private throwIfFailing(op: 'add' | 'markDone'): void {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.faults?.check(`index.${op}`);
  }
}

function matches(summary: MessageSummary, route: string | undefined, copy: string | undefined): boolean {
  if (route !== undefined && summary.route !== route) return false;
  return copy === undefined || (summary.copy ?? '') === copy;
}
