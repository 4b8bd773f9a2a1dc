// Dead letters by message id, route and copy (like the table's
// `dead#<route>#<copy>` key); `history` keeps every put, even overwritten ones.
import type { DeadLetterRecord } from '../../core/model.js';
import type { DeadLetterStore } from '../../core/ports.js';
import type { FaultInjector } from './fault-injector.js';

const sortOf = (route: string | undefined, copy: string | undefined) => `${route ?? ''}${copy ? `#${copy}` : ''}`;
const keyOf = (messageId: string, route: string | undefined, copy: string | undefined) => `${messageId}\n${sortOf(route, copy)}`;
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
    this.records.set(keyOf(record.messageId, record.route, record.copy), structuredClone(record));
  }

  async list(route?: string): Promise<DeadLetterRecord[]> {
    return [...this.records.values()]
      .filter((r) => route === undefined || r.route === route)
      .map((r) => structuredClone(r));
  }

  async find(messageId: string): Promise<DeadLetterRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.messageId === messageId)
      .sort((a, b) => byteOrder(sortOf(a.route, a.copy), sortOf(b.route, b.copy)))
      .map((r) => structuredClone(r));
  }

  async get(messageId: string, route?: string, copy?: string): Promise<DeadLetterRecord | undefined> {
    return (await this.find(messageId)).find((r) => matches(r, route, copy));
  }

  async remove(messageId: string, route?: string, copy?: string): Promise<void> {
    for (const record of await this.find(messageId)) {
      if (matches(record, route, copy)) this.records.delete(keyOf(messageId, record.route, record.copy));
    }
  }
}

function matches(record: DeadLetterRecord, route: string | undefined, copy: string | undefined): boolean {
  if (route !== undefined && (record.route ?? '') !== route) return false;
  return copy === undefined || (record.copy ?? '') === copy;
}
