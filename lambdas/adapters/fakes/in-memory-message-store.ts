// Message bytes in a Map. `open` streams in small chunks so readers that
// assume one chunk holds the whole head are caught by tests.
import { Readable } from 'node:stream';
import { MessageMissingError, type MessageStore, type StoredObject } from '../../core/message/ports.js';
import type { FaultInjector } from './fault-injector.js';

export class InMemoryMessageStore implements MessageStore {
  readonly objects = new Map<string, Buffer>();
  /** Keys opened, in order. */
  readonly opened: string[] = [];
  readonly removed: string[] = [];
  /** Chunk size used when streaming an object. */
  chunkSize = 64;
  /** When set, the next `open` or `size` throws it (a transient store error). */
  failNext?: Error;
  /** Seeded failures of `store.open` and `store.size`. */
  faults?: FaultInjector;
  /** False keeps `opened` empty (scale tests). */
  recordCalls = true;

  /** When each object was put (S3's LastModified). */
  readonly storedAt = new Map<string, Date>();

  put(key: string, bytes: Buffer | string, storedAt: Date = new Date()): void {
    this.objects.set(key, Buffer.isBuffer(bytes) ? Buffer.from(bytes) : Buffer.from(bytes, 'utf8'));
    this.storedAt.set(key, storedAt);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    this.throwIfFailing('list');
    for (const key of [...this.objects.keys()].sort()) {
      if (key.startsWith(prefix)) yield { key, lastModified: this.storedAt.get(key) ?? new Date(0) };
    }
  }

  async open(key: string): Promise<{ body: Readable; size: number }> {
    this.throwIfFailing('open');
    if (this.recordCalls) this.opened.push(key);
    const bytes = this.objects.get(key);
    if (!bytes) throw new MessageMissingError(key);
    const size = this.chunkSize;
    function* chunks(): Generator<Buffer> {
      for (let i = 0; i < bytes!.length; i += size) yield bytes!.subarray(i, i + size);
    }
    return { body: Readable.from(chunks(), { objectMode: false }), size: bytes.length };
  }

  async size(key: string): Promise<number | undefined> {
    this.throwIfFailing('size');
    return this.objects.get(key)?.length;
  }

  async remove(key: string): Promise<void> {
    this.removed.push(key);
    this.objects.delete(key);
    this.storedAt.delete(key);
  }

  private throwIfFailing(op: 'open' | 'size' | 'list'): void {
    const error = this.failNext;
    if (error) {
      this.failNext = undefined;
      throw error;
    }
    this.faults?.check(`store.${op}`);
  }
}
