// Dead letters by message id and route (like the table's `dead#<route>` key);
// `history` keeps every put, even overwritten ones.
import type { DeadLetterRecord } from '../../core/model.js';
import type { DeadLetterStore } from '../../core/ports.js';
import type { FaultInjector } from './fault-injector.js';

const keyOf = (messageId: string, route: string | undefined) => `${messageId}\n${route ?? ''}`;
// DynamoDB orders sort keys by their bytes, not by locale.
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class InMemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetterRecord>();
  readonly history: DeadLetterRecord[] = [];
  failNext?: Error;
  /** Seeded failures of `deadLetters.put`. */
  faults?: FaultInjector;

  async put(record: DeadLetterRecord): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.faults?.check('deadLetters.put');
    this.history.push(structuredClone(record));
    this.records.set(keyOf(record.messageId, record.route), structuredClone(record));
  }

  async list(route?: string): Promise<DeadLetterRecord[]> {
    return [...this.records.values()]
      .filter((r) => route === undefined || r.route === route)
      .map((r) => structuredClone(r));
  }

  async find(messageId: string): Promise<DeadLetterRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.messageId === messageId)
      .sort((a, b) => byteOrder(a.route ?? '', b.route ?? ''))
      .map((r) => structuredClone(r));
  }

  async get(messageId: string, route?: string): Promise<DeadLetterRecord | undefined> {
    if (route === undefined) return (await this.find(messageId))[0];
    const record = this.records.get(keyOf(messageId, route));
    return record && structuredClone(record);
  }

  async remove(messageId: string, route?: string): Promise<void> {
    for (const record of await this.find(messageId)) {
      if (route === undefined || (record.route ?? '') === route) this.records.delete(keyOf(messageId, record.route));
    }
  }
}
