// A message's forwards in memory (DynamoForwardRecords in AWS).
import type { ForwardRecord, ForwardRecords } from '../../core/operator/forward-records.js';

export class InMemoryForwardRecords implements ForwardRecords {
  private readonly records = new Map<string, ForwardRecord>();
  /** The next add() rejects with this (a forward whose record cannot be written). */
  failNextAdd?: Error;

  async add(record: ForwardRecord): Promise<void> {
    const error = this.failNextAdd;
    if (error) {
      delete this.failNextAdd;
      throw error;
    }
    // Keyed as the table's sort key: the same time, route and address are one record.
    this.records.set(`${record.messageId}\n${record.at.toISOString()}\n${record.route}\n${record.to}`, structuredClone(record));
  }

  async list(messageId: string): Promise<ForwardRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.messageId === messageId)
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((r) => structuredClone(r));
  }

  async remove(messageId: string, route: string): Promise<number> {
    let removed = 0;
    for (const [key, r] of this.records) {
      if (r.messageId !== messageId || r.route !== route) continue;
      this.records.delete(key);
      removed += 1;
    }
    return removed;
  }
}
