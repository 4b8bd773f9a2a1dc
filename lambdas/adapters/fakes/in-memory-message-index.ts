// Message summaries by id and route (like the table's `meta#<route>` key),
// listed by route like the byRoute index.
import type { MessageIndex, MessageSummary } from '../../core/ports.js';
import type { FaultInjector } from './fault-injector.js';

const keyOf = (messageId: string, route: string) => `${messageId}\n${route}`;
// DynamoDB orders sort keys by their bytes, not by locale.
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class InMemoryMessageIndex implements MessageIndex {
  private readonly summaries = new Map<string, MessageSummary>();
  private readonly lastDoneByRoute = new Map<string, Date>();
  failNext?: Error;
  /** Seeded failures of `index.add` and `index.markDone`. */
  faults?: FaultInjector;

  async add(summary: MessageSummary): Promise<boolean> {
    this.throwIfFailing('add');
    const key = keyOf(summary.messageId, summary.route);
    if (this.summaries.has(key)) return false;
    this.summaries.set(key, structuredClone(summary));
    return true;
  }

  async find(messageId: string): Promise<MessageSummary[]> {
    return [...this.summaries.values()]
      .filter((s) => s.messageId === messageId)
      .sort((a, b) => byteOrder(a.route, b.route))
      .map((s) => structuredClone(s));
  }

  async get(messageId: string, route?: string): Promise<MessageSummary | undefined> {
    if (route === undefined) return (await this.find(messageId))[0];
    const found = this.summaries.get(keyOf(messageId, route));
    return found && structuredClone(found);
  }

  async markDone(messageId: string, route: string, at: Date): Promise<void> {
    this.throwIfFailing('markDone');
    const last = this.lastDoneByRoute.get(route);
    if (!last || last < at) this.lastDoneByRoute.set(route, new Date(at));
    const found = this.summaries.get(keyOf(messageId, route));
    if (!found) {
      this.summaries.set(keyOf(messageId, route), { messageId, route, sender: '', recipients: [], receivedAt: new Date(at), state: 'done', lastDeliveryAt: new Date(at) });
      return;
    }
    found.state = 'done';
    found.lastDeliveryAt = new Date(at);
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

  async remove(messageId: string, route?: string): Promise<void> {
    for (const summary of await this.find(messageId)) {
      if (route === undefined || summary.route === route) this.summaries.delete(keyOf(messageId, summary.route));
    }
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
