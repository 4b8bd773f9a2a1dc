// Queues by URL with their counts, listed page by page like ListQueues;
// records what was asked and fails on request.
import type { QueueDepth, QueueDirectory } from '../../core/sweep/ports.js';

export class InMemoryQueueDirectory implements QueueDirectory {
  private readonly queues = new Map<string, QueueDepth>();
  private readonly tagsByUrl = new Map<string, Record<string, string>>();
  /** Deleted, but still listed for a while (ListQueues is eventually consistent). */
  private readonly gone = new Set<string>();
  /** Prefixes list() was asked for, in order. */
  readonly listed: string[] = [];
  /** Queue URLs per page served, as ListQueues with MaxResults = pageSize would return them. */
  readonly pages: string[][] = [];
  pageSize = 1000;
  /** Thrown by list() after this many pages (0: before the first). */
  failListAfterPages?: { pages: number; error: Error };
  readonly failDepth = new Map<string, Error>();
  readonly failTags = new Map<string, Error>();

  constructor(private readonly base = 'https://sqs.us-east-1.amazonaws.com/123456789012/') {}

  /** Adds a queue (by name) holding `messages` visible ones, or the given counts, with `tags`; returns its URL. */
  add(name: string, messages: number | Partial<QueueDepth> = 0, tags: Record<string, string> = {}): string {
    const url = `${this.base}${name}`;
    const counts = typeof messages === 'number' ? { visible: messages } : messages;
    this.queues.set(url, { visible: 0, inFlight: 0, delayed: 0, ...counts });
    this.tagsByUrl.set(url, { ...tags });
    return url;
  }

  async remove(url: string): Promise<void> {
    this.queues.delete(url);
    this.tagsByUrl.delete(url);
  }

  /** Deletes the queue but keeps listing it. */
  deleteButStillList(url: string): void {
    this.gone.add(url);
  }

  async *list(prefix: string): AsyncIterable<string> {
    this.listed.push(prefix);
    const matching = [...this.queues.keys()].filter((url) => url.slice(this.base.length).startsWith(prefix));
    for (let start = 0; start === 0 || start < matching.length; start += this.pageSize) {
      const failure = this.failListAfterPages;
      if (failure && this.pages.length >= failure.pages) throw failure.error;
      const page = matching.slice(start, start + this.pageSize);
      this.pages.push(page);
      yield* page;
    }
  }

  async depth(url: string): Promise<QueueDepth | undefined> {
    const failure = this.failDepth.get(url);
    if (failure) throw failure;
    const depth = this.queues.get(url);
    return depth && !this.gone.has(url) ? { ...depth } : undefined;
  }

  async tags(url: string): Promise<Record<string, string> | undefined> {
    const failure = this.failTags.get(url);
    if (failure) throw failure;
    const tags = this.tagsByUrl.get(url);
    return tags && !this.gone.has(url) ? { ...tags } : undefined;
  }
}
