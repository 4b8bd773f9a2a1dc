// Grouped ledger writes: concurrent callers share BatchWriteItem calls (writes
// asked in the same event-loop turn share the first), each resolves only when
// its own items are stored, a failed call fails only the callers with items in
// it (an item left unprocessed only its own caller), and a batch never names
// one key twice. Items go marshalled on the raw client.
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_WRITE_MAX, DynamoBatchWriter, LedgerWriteError } from '../../../lambdas/adapters/aws/dynamo-batch-writer.js';

const doc = mockClient(DynamoDBClient);
afterEach(() => doc.reset());
const writer = () => new DynamoBatchWriter(new DynamoDBClient({ region: 'us-east-1' }), 'table', async () => undefined);
const item = (message: string, sk: string) => ({ pk: `msg#${message}`, sk, state: 'delivered', reply: undefined });
type Request = WriteRequest;
const stored = (r: Request) => unmarshall(r.PutRequest!.Item!);
const batches = () => doc.commandCalls(BatchWriteItemCommand).map((c) => (c.args[0].input.RequestItems!.table as Request[]).map((r) => `${stored(r).pk}/${stored(r).sk}`));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('DynamoBatchWriter', () => {
  it('writes asked in one turn share one call, marshalled without undefined attributes', async () => {
    doc.on(BatchWriteItemCommand).resolves({});
    const w = writer();
    const writes = Array.from({ length: 12 }, (_, i) => w.write([item(`m${i}`, 'rcpt#a'), item(`m${i}`, 'attempt#1#a')]));
    await Promise.all(writes);
    // 24 items in one call; not 12 calls.
    expect(batches().map((b) => b.length)).toEqual([24]);
    expect(BATCH_WRITE_MAX).toBe(25);
    const first = doc.commandCalls(BatchWriteItemCommand)[0]!.args[0].input.RequestItems!.table![0]!.PutRequest!.Item!;
    expect(first).toEqual({ pk: { S: 'msg#m0' }, sk: { S: 'rcpt#a' }, state: { S: 'delivered' } });
  });

  it('while one call is on its way, later writes gather into the next one', async () => {
    doc.on(BatchWriteItemCommand).resolves({});
    const w = writer();
    const first = w.write([item('m0', 'rcpt#a')]);
    await nextTurn(); // the first call is sent
    const later = Array.from({ length: 5 }, (_, i) => w.write([item(`n${i}`, 'rcpt#a')]));
    await Promise.all([first, ...later]);
    expect(batches().map((b) => b.length)).toEqual([1, 5]);
  });

  it('never more than 25 items per call; a caller split over two calls resolves after both', async () => {
    doc.on(BatchWriteItemCommand).resolves({});
    const w = writer();
    const first = w.write([item('m0', 'rcpt#a')]);
    const big = w.write(Array.from({ length: 30 }, (_, i) => item('big', `rcpt#r${i}`)));
    let bigDone = false;
    void big.then(() => (bigDone = true));
    await first;
    expect(bigDone).toBe(false);
    await big;
    expect(batches().map((b) => b.length)).toEqual([25, 6]);
  });

  it('a batch never names one key twice: the second write of a key goes in the next call, in order', async () => {
    doc.on(BatchWriteItemCommand).resolves({});
    const w = writer();
    await Promise.all([w.write([item('x', 'rcpt#a')]), w.write([item('m1', 'rcpt#a')]), w.write([item('m1', 'rcpt#a')]), w.write([item('m2', 'rcpt#a')])]);
    expect(batches()).toEqual([['msg#x/rcpt#a', 'msg#m1/rcpt#a'], ['msg#m1/rcpt#a', 'msg#m2/rcpt#a']]);
  });

  it('a batch that keeps failing rejects exactly the callers with items in it; later ones still succeed', async () => {
    let call = 0;
    doc.on(BatchWriteItemCommand).callsFake((input: { RequestItems: { table: Request[] } }) => {
      call++;
      // The second group (calls 2–7, retries included) stays unprocessed; everything else is stored.
      return call >= 2 && call <= 7 ? { UnprocessedItems: { table: input.RequestItems.table } } : {};
    });
    const w = writer();
    const ok = w.write([item('m0', 'rcpt#a')]);
    await nextTurn();
    const doomed = [w.write([item('m1', 'rcpt#a')]), w.write([item('m2', 'rcpt#a')])];
    const results = await Promise.allSettled([ok, ...doomed]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LedgerWriteError);
    await expect(w.write([item('m3', 'rcpt#a')])).resolves.toBeUndefined();
  });

  it('a call that throws rejects its callers (the drain leaves those messages for a retry)', async () => {
    doc.on(BatchWriteItemCommand).rejectsOnce(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' })).resolves({});
    const w = writer();
    await expect(w.write([item('m1', 'rcpt#a')])).rejects.toThrow(/capacity/);
    await expect(w.write([item('m2', 'rcpt#a')])).resolves.toBeUndefined();
  });
});

describe('DynamoBatchWriter: per-caller accounting', () => {
  it('an item DynamoDB keeps leaving unprocessed fails only the caller it belongs to; the others in the same calls resolve', async () => {
    const stuck = 'msg#m1/rcpt#b';
    doc.on(BatchWriteItemCommand).callsFake((input: { RequestItems: { table: Request[] } }) => {
      // Every call (retries included) stores all but m1's second row (one throttled partition).
      const left = input.RequestItems.table.filter((r) => `${stored(r).pk}/${stored(r).sk}` === stuck);
      return left.length > 0 ? { UnprocessedItems: { table: left } } : {};
    });
    const w = writer();
    const results = await Promise.allSettled([
      w.write([item('m0', 'rcpt#a'), item('m0', 'attempt#1#a')]),
      w.write([item('m1', 'rcpt#a'), item('m1', 'rcpt#b')]),
      w.write([item('m2', 'rcpt#a')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LedgerWriteError);
    expect((results[1] as PromiseRejectedResult).reason.unprocessed).toBe(1);
    // One first call with all five items, then only the stuck one is sent again.
    expect(batches()[0]).toHaveLength(5);
    expect(batches().slice(1).every((b) => b.length === 1 && b[0] === stuck)).toBe(true);
  });

  it('a caller split over two calls is rejected when its item in the second call stays unprocessed, and a caller of the first call alone resolves', async () => {
    doc.on(BatchWriteItemCommand).callsFake((input: { RequestItems: { table: Request[] } }) => {
      const left = input.RequestItems.table.filter((r) => stored(r).sk === 'rcpt#r29');
      return left.length > 0 ? { UnprocessedItems: { table: left } } : {};
    });
    const w = writer();
    const small = w.write([item('m0', 'rcpt#a')]);
    const big = w.write(Array.from({ length: 30 }, (_, i) => item('big', `rcpt#r${i}`)));
    const results = await Promise.allSettled([small, big]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });
});
