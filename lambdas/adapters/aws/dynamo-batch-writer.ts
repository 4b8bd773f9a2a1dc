// Puts items with BatchWriteItem, grouping the writes of concurrent callers:
// the drain's workers each store one transaction's replies at once, and while
// one batch is on its way the next callers' items gather into the following
// one (up to 25 items, DynamoDB's limit). No wait when the drain is idle (the
// first write goes at once); far fewer calls when it is busy. Each caller's
// promise resolves only when all of its own items are stored, and rejects if
// any of them could not be: grouping changes the calls, not the guarantee.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Item } from './dynamo-query.js';
import { PK, SK } from './dynamo-keys.js';

/** DynamoDB's limit per BatchWriteItem. */
export const BATCH_WRITE_MAX = 25;
export const BATCH_RETRIES = 5;

/** DynamoDB kept leaving some ledger items unprocessed (throttling): the batch is left for a retry. */
export class LedgerWriteError extends Error {
  constructor(readonly unprocessed: number) {
    super(`ledger batch write: ${unprocessed} items still unprocessed after ${BATCH_RETRIES} retries`);
    this.name = 'LedgerWriteError';
  }
}

interface Waiter {
  remaining: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Pending {
  item: Item;
  waiter: Waiter;
}

export class DynamoBatchWriter {
  private readonly queue: Pending[] = [];
  private sending = false;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Resolves once every item is stored; rejects if one of them could not be (others may be: puts are idempotent). */
  write(items: Item[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: items.length, failed: false, resolve, reject };
      for (const item of items) this.queue.push({ item, waiter });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) await this.send(this.nextBatch());
    } finally {
      this.sending = false;
    }
  }

  /** Up to 25 items in arrival order, stopping before a key already in the batch (a batch may not name one twice). */
  private nextBatch(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    while (batch.length < BATCH_WRITE_MAX && this.queue.length > 0) {
      const key = `${String(this.queue[0]!.item[PK])}\u0000${String(this.queue[0]!.item[SK])}`;
      if (keys.has(key)) break;
      keys.add(key);
      batch.push(this.queue.shift()!);
    }
    return batch;
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      await this.put(batch.map((p) => p.item));
      for (const { waiter } of batch) {
        waiter.remaining -= 1;
        if (waiter.remaining === 0 && !waiter.failed) waiter.resolve();
      }
    } catch (error) {
      for (const { waiter } of batch) {
        if (waiter.failed) continue;
        waiter.failed = true;
        waiter.reject(error as Error);
      }
    }
  }

  private async put(items: Item[]): Promise<void> {
    let requests = items.map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round > 0) {
        if (round > BATCH_RETRIES) throw new LedgerWriteError(requests.length);
        await this.sleep(Math.min(1_000, 25 * 2 ** round));
      }
      const { UnprocessedItems } = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
      requests = (UnprocessedItems?.[this.tableName] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
    }
  }
}
