// Grouped ledger reads: concurrent callers share BatchGetItem calls (consistent,
// at most 100 distinct keys), each gets only its own rows, unprocessed keys are
// read again, and a failed call fails only the callers in it.
import { BatchGetItemCommand, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_GET_MAX, DynamoBatchReader, LedgerReadError } from '../../../lambdas/adapters/aws/dynamo-batch-reader.js';

const doc = mockClient(DynamoDBClient);
afterEach(() => doc.reset());
const reader = () => new DynamoBatchReader(new DynamoDBClient({ region: 'us-east-1' }), 'table', async () => undefined);
const k = (m: string, r = 'a') => ({ pk: `msg#${m}`, sk: `rcpt#${r}` });
type RawKeys = { Keys: Record<string, AttributeValue>[]; ConsistentRead?: boolean };
type Keys = { Keys: Record<string, string>[]; ConsistentRead?: boolean };
const calls = (): Keys[] => doc.commandCalls(BatchGetItemCommand).map((c) => {
  const table = c.args[0].input.RequestItems!.table as RawKeys;
  return { Keys: table.Keys.map((key) => unmarshall(key) as Record<string, string>), ...(table.ConsistentRead !== undefined ? { ConsistentRead: table.ConsistentRead } : {}) };
});
/** Answers every key whose message id does not start with "missing". */
const echo = (input: { RequestItems: { table: RawKeys } }) => ({ Responses: { table: input.RequestItems.table.Keys.map((key) => unmarshall(key)).filter((key) => !String(key.pk).startsWith('msg#missing')).map((key) => marshall({ ...key, state: 'delivered' })) } });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('DynamoBatchReader', () => {
  it('reads asked in one turn share one consistent call, each getting its own rows', async () => {
    doc.on(BatchGetItemCommand).callsFake(echo);
    const r = reader();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => r.get([k(`m${i}`, 'a'), k(`m${i}`, 'b')])));
    expect(calls().map((c) => c.Keys.length)).toEqual([24]);
    expect(calls().every((c) => c.ConsistentRead === true)).toBe(true);
    results.forEach((items, i) => expect(items.map((it) => `${it.pk}/${it.sk}`)).toEqual([`msg#m${i}/rcpt#a`, `msg#m${i}/rcpt#b`]));
  });

  it('while one call is on its way, later reads gather into the next one', async () => {
    doc.on(BatchGetItemCommand).callsFake(echo);
    const r = reader();
    const first = r.get([k('first')]);
    await nextTurn(); // the first call is sent
    await Promise.all([first, r.get([k('a')]), r.get([k('b')])]);
    expect(calls().map((c) => c.Keys.length)).toEqual([1, 2]);
  });

  it('sends a key asked twice once, answers both, and leaves missing rows out', async () => {
    doc.on(BatchGetItemCommand).callsFake(echo);
    const r = reader();
    const [, a, b, gone] = await Promise.all([r.get([k('first')]), r.get([k('same')]), r.get([k('same')]), r.get([k('missing1')])]);
    expect(calls()).toHaveLength(1);
    expect(calls()[0]!.Keys).toEqual([k('first'), k('same'), k('missing1')]);
    expect(a).toEqual(b);
    expect(a).toHaveLength(1);
    expect(gone).toEqual([]);
  });

  it('never more than 100 keys per call', async () => {
    doc.on(BatchGetItemCommand).callsFake(echo);
    const r = reader();
    await Promise.all([r.get([k('first')]), ...Array.from({ length: 150 }, (_, i) => r.get([k(`n${i}`)]))]);
    expect(BATCH_GET_MAX).toBe(100);
    expect(calls().map((c) => c.Keys.length)).toEqual([100, 51]);
  });

  it('reads unprocessed keys again, and gives up with LedgerReadError', async () => {
    doc.on(BatchGetItemCommand).callsFakeOnce((input: { RequestItems: { table: RawKeys } }) => ({ Responses: { table: [] }, UnprocessedKeys: { table: input.RequestItems.table } })).callsFake(echo);
    expect(await reader().get([k('x')])).toHaveLength(1);
    doc.reset();
    doc.on(BatchGetItemCommand).callsFake((input: { RequestItems: { table: RawKeys } }) => ({ UnprocessedKeys: { table: input.RequestItems.table } }));
    await expect(reader().get([k('y')])).rejects.toBeInstanceOf(LedgerReadError);
  });
});

describe('DynamoBatchReader: per-caller accounting', () => {
  it('a key DynamoDB keeps leaving unprocessed fails only the callers that asked for it; the others get their rows', async () => {
    doc.on(BatchGetItemCommand).callsFake((input: { RequestItems: { table: RawKeys } }) => {
      const keys = input.RequestItems.table.Keys.map((key) => unmarshall(key));
      const stuck = keys.filter((key) => key.pk === 'msg#slow');
      const answered = keys.filter((key) => key.pk !== 'msg#slow').map((key) => marshall({ ...key, state: 'delivered' }));
      return { Responses: { table: answered }, ...(stuck.length > 0 ? { UnprocessedKeys: { table: { Keys: stuck.map((key) => marshall(key)) } } } : {}) };
    });
    const r = reader();
    const results = await Promise.allSettled([r.get([k('a'), k('a', 'b')]), r.get([k('slow'), k('c')]), r.get([k('d')])]);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LedgerReadError);
    expect((results[0] as PromiseFulfilledResult<Record<string, unknown>[]>).value.map((it) => `${it.pk}/${it.sk}`)).toEqual(['msg#a/rcpt#a', 'msg#a/rcpt#b']);
    expect((results[2] as PromiseFulfilledResult<Record<string, unknown>[]>).value).toHaveLength(1);
    // The first call had all five keys; the retries asked only for the stuck one.
    expect(calls()[0]!.Keys).toHaveLength(5);
    expect(calls().slice(1).every((c) => c.Keys.length === 1 && c.Keys[0]!.pk === 'msg#slow')).toBe(true);
  });
});
