// Puts items with BatchWriteItem, grouping the writes of concurrent callers:
// the drain's workers each store one transaction's replies at once, and while
// one batch is on its way the next callers' items gather into the following
// one (up to 25 items, DynamoDB's limit). An idle writer sends after the
// current turn of the event loop, so writes asked in the same turn (a flush of
// finished messages) share one call; far fewer calls when the drain is busy.
// Each caller's promise resolves only when all of its own items are stored,
// and rejects if any of them could not be: grouping changes the calls, not the
// guarantee. An item DynamoDB keeps leaving unprocessed fails only the caller
// it belongs to (a rejected caller re-sends or defers its message, so failing
// callers whose items were stored would push their mail down that path for
// nothing). Items are marshalled here and sent on the raw client (see
// AwsClients.batchDynamo).
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { NextTurn, untilProcessed } from './dynamo-batch-rounds.js';
import type { Item } from './dynamo-query.js';
import { PK, SK } from './dynamo-keys.js';

/** The raw client, or a document client (a raw command passes through it unchanged). */
export type DynamoClient = DynamoDBClient | DynamoDBDocumentClient;

/** DynamoDB's limit per BatchWriteItem. */
export const BATCH_WRITE_MAX = 25;
export const BATCH_RETRIES = 5;
/** How items are marshalled, here and by the document client (clients.ts): undefined attributes left out, no class instances. */
export const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

/** DynamoDB kept leaving some of this caller's items unprocessed (throttling): its write is left for a retry. */
export class LedgerWriteError extends Error {
  constructor(readonly unprocessed: number) {
    super(`ledger batch write: ${unprocessed} of its items still unprocessed after ${BATCH_RETRIES} retries`);
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
  private readonly nextTurn = new NextTurn(() => void this.drain());

  constructor(
    /** The raw client (AwsClients.batchDynamo); a document client also works (raw commands pass through it). */
    private readonly dynamo: DynamoClient,
    private readonly tableName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Resolves once every item is stored; rejects if one of them could not be (others may be: puts are idempotent). */
  write(items: Item[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: items.length, failed: false, resolve, reject };
      for (const item of items) this.queue.push({ item, waiter });
      if (!this.sending) this.nextTurn.request(); // a running drain takes them in its next batch
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
      const key = keyOf(this.queue[0]!.item);
      if (keys.has(key)) break;
      keys.add(key);
      batch.push(this.queue.shift()!);
    }
    return batch;
  }

  private async send(batch: Pending[]): Promise<void> {
    let left: Set<string>;
    try {
      left = await this.put(batch.map((p) => p.item));
    } catch (error) {
      // The call itself failed: nothing is known about its items.
      for (const { waiter } of batch) {
        if (waiter.failed) continue;
        waiter.failed = true;
        waiter.reject(error as Error);
      }
      return;
    }
    const stuck = new Map<Waiter, number>();
    for (const { item, waiter } of batch) {
      if (left.has(keyOf(item))) stuck.set(waiter, (stuck.get(waiter) ?? 0) + 1);
    }
    for (const { waiter } of batch) {
      if (waiter.failed) continue;
      const unprocessed = stuck.get(waiter);
      if (unprocessed !== undefined) {
        waiter.failed = true;
        waiter.reject(new LedgerWriteError(unprocessed));
        continue;
      }
      waiter.remaining -= 1;
      if (waiter.remaining === 0) waiter.resolve();
    }
  }

  /** The keys of the items still unprocessed after the retries (none when all are stored). */
  private async put(items: Item[]): Promise<Set<string>> {
    const requests: WriteRequest[] = items.map((item) => ({ PutRequest: { Item: marshall(item, MARSHALL) } }));
    const left = await untilProcessed(
      requests,
      async (pending) => {
        const { UnprocessedItems } = await (this.dynamo as DynamoDBClient).send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        return (UnprocessedItems?.[this.tableName] ?? []).filter((r) => r.PutRequest?.Item);
      },
      { retries: BATCH_RETRIES, sleep: this.sleep },
    );
    return new Set(left.map((r) => keyOf(unmarshall(r.PutRequest!.Item as Record<string, AttributeValue>))));
  }
}

/** An item's table key as one string (a batch names each key once). */
const keyOf = (item: Item) => `${String(item[PK])}\u0000${String(item[SK])}`;
