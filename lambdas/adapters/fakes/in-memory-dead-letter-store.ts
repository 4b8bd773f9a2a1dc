// Dead letters by message id, route and copy (like the table's
// `dead#<route>#<copy>` key); `history` keeps every put, even overwritten ones.
import type { DeadLetterRecord } from '../../core/model.js';
import { DEAD_LETTERS_COUNTED_AT_MOST, type DeadLetterStore } from '../../core/outcome/ports.js';
import type { FaultInjector } from './fault-injector.js';

const sortOf = (route: string | undefined, copy: string | undefined) => `${route ?? ''}${copy ? `#${copy}` : ''}`;
const keyOf = (messageId: string, route: string | undefined, copy: string | undefined) => `${messageId}\n${sortOf(route, copy)}`;
const keyOfRecord = (r: DeadLetterRecord) => keyOf(r.messageId, r.route, r.copy);
// DynamoDB orders sort keys by their bytes, not by locale.
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class InMemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetterRecord>();
  /** Each message id's record keys, so a lookup by id reads its own records only (scale tests). */
  private readonly byMessage = new Map<string, Set<string>>();
  readonly history: DeadLetterRecord[] = [];
  failNext?: Error;
  /** While set, `count` throws it (the probe's read of the figure fails). */
  failCount?: Error;
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
    const key = keyOfRecord(record);
    this.records.set(key, structuredClone(record));
    const keys = this.byMessage.get(record.messageId) ?? new Set<string>();
    keys.add(key);
    this.byMessage.set(record.messageId, keys);
  }

  async list(route?: string): Promise<DeadLetterRecord[]> {
    return [...this.records.values()]
      .filter((r) => route === undefined || r.route === route)
      .map((r) => structuredClone(r));
  }

  async count(route: string): Promise<number> {
    if (this.failCount) throw this.failCount;
    let count = 0;
    for (const r of this.records.values()) if (r.route === route) count += 1;
    return Math.min(count, DEAD_LETTERS_COUNTED_AT_MOST);
  }

  async find(messageId: string): Promise<DeadLetterRecord[]> {
    return [...(this.byMessage.get(messageId) ?? [])]
      .map((key) => this.records.get(key)!)
      .sort((a, b) => byteOrder(sortOf(a.route, a.copy), sortOf(b.route, b.copy)))
      .map((r) => structuredClone(r));
  }

  async get(messageId: string, route?: string, copy?: string): Promise<DeadLetterRecord | undefined> {
    if (route !== undefined && copy !== undefined) {
      const record = this.records.get(keyOf(messageId, route === '' ? undefined : route, copy));
      return record && structuredClone(record);
    }
    return (await this.find(messageId)).find((r) => matches(r, route, copy));
  }

  async remove(messageId: string, route?: string, copy?: string, writtenAt?: Date): Promise<number> {
    let removed = 0;
    for (const record of await this.find(messageId)) {
      if (!matches(record, route, copy)) continue;
      if (writtenAt !== undefined && record.at.getTime() !== writtenAt.getTime()) continue;
      const key = keyOfRecord(record);
      this.records.delete(key);
      this.byMessage.get(messageId)?.delete(key);
      removed += 1;
    }
    if (this.byMessage.get(messageId)?.size === 0) this.byMessage.delete(messageId);
    return removed;
  }
}

function matches(record: DeadLetterRecord, route: string | undefined, copy: string | undefined): boolean {
  if (route !== undefined && (record.route ?? '') !== route) return false;
  return copy === undefined || (record.copy ?? '') === copy;
}
