// Dead letters by message id; `history` keeps every put, even overwritten ones.
import type { DeadLetterRecord } from '../../core/model.js';
import type { DeadLetterStore } from '../../core/ports.js';

export class InMemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetterRecord>();
  readonly history: DeadLetterRecord[] = [];
  failNext?: Error;

  async put(record: DeadLetterRecord): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.history.push(structuredClone(record));
    this.records.set(record.messageId, structuredClone(record));
  }

  async list(route?: string): Promise<DeadLetterRecord[]> {
    return [...this.records.values()]
      .filter((r) => route === undefined || r.route === route)
      .map((r) => structuredClone(r));
  }

  async get(messageId: string): Promise<DeadLetterRecord | undefined> {
    const record = this.records.get(messageId);
    return record && structuredClone(record);
  }

  async remove(messageId: string): Promise<void> {
    this.records.delete(messageId);
  }
}
