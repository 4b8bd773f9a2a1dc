// Grouped ledger reads: concurrent callers share BatchGetItem calls (consistent,
// at most 100 distinct keys), each gets only its own rows, unprocessed keys are
// read again, and a failed call fails only the callers in it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_GET_MAX, DynamoBatchReader, LedgerReadError } from '../../../lambdas/adapters/aws/dynamo-batch-reader.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());
const reader = () => new DynamoBatchReader(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'table', async () => undefined);
const k = (m: string, r = 'a') => ({ pk: `msg#${m}`, sk: `rcpt#${r}` });
type Keys = { Keys: Record<string, string>[]; ConsistentRead?: boolean };
const calls = () => doc.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems!.table as Keys);
/** Answers every key whose message id does not start with "missing". */
const echo = (input: { RequestItems: { table: Keys } }) => ({ Responses: { table: input.RequestItems.table.Keys.filter((key) => !key.pk!.startsWith('msg#missing')).map((key) => ({ ...key, state: 'delivered' })) } });

describe('DynamoBatchReader', () => {
  it('the first read goes at once; reads asked meanwhile share the next consistent call, each getting its own rows', async () => {
    doc.on(BatchGetCommand).callsFake(echo);
    const r = reader();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => r.get([k(`m${i}`, 'a'), k(`m${i}`, 'b')])));
    expect(calls().map((c) => c.Keys.length)).toEqual([2, 22]);
    expect(calls().every((c) => c.ConsistentRead === true)).toBe(true);
    results.forEach((items, i) => expect(items.map((it) => `${it.pk}/${it.sk}`)).toEqual([`msg#m${i}/rcpt#a`, `msg#m${i}/rcpt#b`]));
  });

  it('sends a key asked twice once, answers both, and leaves missing rows out', async () => {
    doc.on(BatchGetCommand).callsFake(echo);
    const r = reader();
    const [, a, b, gone] = await Promise.all([r.get([k('first')]), r.get([k('same')]), r.get([k('same')]), r.get([k('missing1')])]);
    expect(calls()[1]!.Keys).toEqual([k('same'), k('missing1')]);
    expect(a).toEqual(b);
    expect(a).toHaveLength(1);
    expect(gone).toEqual([]);
  });

  it('never more than 100 keys per call', async () => {
    doc.on(BatchGetCommand).callsFake(echo);
    const r = reader();
    await Promise.all([r.get([k('first')]), ...Array.from({ length: 150 }, (_, i) => r.get([k(`n${i}`)]))]);
    expect(BATCH_GET_MAX).toBe(100);
    expect(calls().map((c) => c.Keys.length)).toEqual([1, 100, 50]);
  });

  it('reads unprocessed keys again, and gives up with LedgerReadError', async () => {
    doc.on(BatchGetCommand).callsFakeOnce((input: { RequestItems: { table: Keys } }) => ({ Responses: { table: [] }, UnprocessedKeys: { table: input.RequestItems.table } })).callsFake(echo);
    expect(await reader().get([k('x')])).toHaveLength(1);
    doc.reset();
    doc.on(BatchGetCommand).callsFake((input: { RequestItems: { table: Keys } }) => ({ UnprocessedKeys: { table: input.RequestItems.table } }));
    await expect(reader().get([k('y')])).rejects.toBeInstanceOf(LedgerReadError);
  });
});
