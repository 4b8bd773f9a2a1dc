// Reads ledger rows by key with BatchGetItem, grouping the reads of concurrent
// callers (the drain reads the recipients of a whole receive at once): reads
// asked in the same turn of the event loop share one call, and while one call
// is on its way the next callers' keys gather into the following one, up to
// 100 keys (DynamoDB's limit), duplicates sent once. Reads are consistent, and
// a read always goes in a call sent after it was asked for, so it sees every
// write that finished before it (a second copy of a message read after the
// first copy's outcomes were stored finds them). A key DynamoDB keeps leaving
// unprocessed fails only the callers that asked for it. Raw client, as the writer.
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { NextTurn, untilProcessed } from './dynamo-batch-rounds.js';
import type { DynamoClient } from './dynamo-batch-writer.js';
import { PK, SK } from './dynamo-keys.js';
import type { Item } from './dynamo-query.js';

/** DynamoDB's limit per BatchGetItem. */
export const BATCH_GET_MAX = 100;
const BATCH_GET_RETRIES = 5;

export class LedgerReadError extends Error {
  constructor(readonly unprocessed: number) {
    super(`ledger batch read: ${unprocessed} of its keys still unprocessed after ${BATCH_GET_RETRIES} retries`);
    this.name = 'LedgerReadError';
  }
}

type Key = Record<string, string>;
interface Request {
  keys: Key[];
  resolve: (items: Item[]) => void;
  reject: (error: Error) => void;
}

const keyId = (key: Key | Item) => `${String(key[PK])}\u0000${String(key[SK])}`;

export class DynamoBatchReader {
  private queue: Request[] = [];
  private reading = false;
  private readonly nextTurn = new NextTurn(() => void this.drain());

  constructor(
    /** The raw client (AwsClients.batchDynamo); a document client also works (raw commands pass through it). */
    private readonly dynamo: DynamoClient,
    private readonly tableName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** The items that exist among `keys` (missing ones are simply absent). */
  get(keys: Key[]): Promise<Item[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise<Item[]>((resolve, reject) => {
      this.queue.push({ keys, resolve, reject });
      if (!this.reading) this.nextTurn.request(); // a running drain takes it in its next call
    });
  }

  private async drain(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      while (this.queue.length > 0) {
        // Whole requests, up to 100 distinct keys (one request bigger than that goes alone, in several calls).
        const batch: Request[] = [];
        const keys = new Map<string, Key>();
        while (this.queue.length > 0) {
          const next = this.queue[0]!;
          const added = next.keys.filter((k) => !keys.has(keyId(k))).length;
          if (batch.length > 0 && keys.size + added > BATCH_GET_MAX) break;
          for (const k of next.keys) keys.set(keyId(k), k);
          batch.push(this.queue.shift()!);
        }
        try {
          const { items, left } = await this.read([...keys.values()]);
          const byKey = new Map(items.map((item) => [keyId(item), item]));
          for (const request of batch) {
            const unread = request.keys.filter((k) => left.has(keyId(k))).length;
            if (unread > 0) {
              request.reject(new LedgerReadError(unread));
              continue;
            }
            request.resolve(request.keys.flatMap((k) => {
              const item = byKey.get(keyId(k));
              return item ? [item] : [];
            }));
          }
        } catch (error) {
          for (const request of batch) request.reject(error as Error);
        }
      }
    } finally {
      this.reading = false;
    }
  }

  /** The items found, and the keys still unprocessed after the retries. */
  private async read(keys: Key[]): Promise<{ items: Item[]; left: Set<string> }> {
    const items: Item[] = [];
    const left = new Set<string>();
    for (let at = 0; at < keys.length; at += BATCH_GET_MAX) {
      const keysOfCall: Record<string, AttributeValue>[] = keys.slice(at, at + BATCH_GET_MAX).map((k) => marshall(k));
      const unread = await untilProcessed(
        keysOfCall,
        async (pending) => {
          const result = await (this.dynamo as DynamoDBClient).send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
          for (const raw of result.Responses?.[this.tableName] ?? []) items.push(unmarshall(raw) as Item);
          return result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        },
        { retries: BATCH_GET_RETRIES, sleep: this.sleep },
      );
      for (const key of unread) left.add(keyId(unmarshall(key) as Item));
    }
    return { items, left };
  }
}
