// Message summaries by id, listed by route like the byRoute index.
import type { MessageIndex, MessageSummary } from '../../core/ports.js';

export class InMemoryMessageIndex implements MessageIndex {
  private readonly summaries = new Map<string, MessageSummary>();
  failNext?: Error;

  async add(summary: MessageSummary): Promise<boolean> {
    this.throwIfFailing();
    if (this.summaries.has(summary.messageId)) return false;
    this.summaries.set(summary.messageId, structuredClone(summary));
    return true;
  }

  async get(messageId: string): Promise<MessageSummary | undefined> {
    const found = this.summaries.get(messageId);
    return found && structuredClone(found);
  }

  async markDone(messageId: string, at: Date): Promise<void> {
    this.throwIfFailing();
    const found = this.summaries.get(messageId);
    if (!found) return;
    found.state = 'done';
    found.lastDeliveryAt = new Date(at);
  }

  async listQueued(route?: string): Promise<MessageSummary[]> {
    return [...this.summaries.values()]
      .filter((s) => s.state === 'queued' && (route === undefined || s.route === route))
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      .map((s) => structuredClone(s));
  }

  async remove(messageId: string): Promise<void> {
    this.summaries.delete(messageId);
  }

  private throwIfFailing(): void {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }
}
