// DynamoLedger.recordAttempts: one BatchWriteItem per 25 items, unprocessed
// items retried, and a clear error when DynamoDB keeps refusing them. The
// grouped reads and writes are raw commands (marshalled by the ledger).
import { BatchGetItemCommand, BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoLedger, LedgerWriteError } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { FOLDED_ATTEMPTS_MAX } from '../../../lambdas/adapters/aws/ledger-history.js';
import type { AttemptRecord, RecipientOutcome } from '../../../lambdas/core/model.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());

const ledger = () => new DynamoLedger(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'table');
const at = new Date('2026-01-05T10:00:00Z');
const reply = { code: 250, enhanced: '2.0.0', text: 'Ok' };
const entry = (recipient: string): { outcome: RecipientOutcome; attempt: AttemptRecord } => ({
  outcome: { recipient, state: 'delivered', reply, attempts: 1, updatedAt: at },
  attempt: { messageId: 'm1', recipient, at, relay: 'mx:25', state: 'delivered', reply, delaySeconds: 3 },
});
type Request = { PutRequest: { Item: Record<string, unknown> } };
const BatchWriteCommand = BatchWriteItemCommand;
const requestsOf = (call: number): Request[] => (doc.commandCalls(BatchWriteCommand)[call]!.args[0].input.RequestItems!.table as WriteRequest[]).map((r) => ({ PutRequest: { Item: unmarshall(r.PutRequest!.Item!) } }));

describe('DynamoLedger.recordAttempts', () => {
  it('after a read of the rows, folds each attempt into its outcome row: one item per recipient, 25 per call', async () => {
    doc.on(BatchWriteCommand).resolves({});
    doc.on(BatchGetItemCommand).resolves({ Responses: { table: [] } });
    const l = ledger();
    const recipients = Array.from({ length: 26 }, (_, i) => `r${i}@example.com`);
    await l.outcomesFor('m1', recipients);
    await l.recordAttempts('m1', recipients.map(entry));
    expect(doc.commandCalls(BatchWriteCommand).map((_, i) => requestsOf(i).length)).toEqual([25, 1]);
    const items = [...requestsOf(0), ...requestsOf(1)].map((r) => r.PutRequest.Item);
    expect(items.every((item) => String(item.sk).startsWith('rcpt#'))).toBe(true);
    expect(items[0]!.history).toEqual([{ at: at.toISOString(), relay: 'mx:25', state: 'delivered', reply, delaySeconds: 3 }]);
  });

  it('a row that already holds FOLDED_ATTEMPTS_MAX attempts keeps them and gets an attempt row', async () => {
    doc.on(BatchWriteCommand).resolves({});
    const old = { at: '2026-01-04T10:00:00.000Z', relay: 'mx:25', state: 'deferred', reply: { code: 451, text: 'later' }, delaySeconds: 1 };
    doc.on(BatchGetItemCommand).resolves({ Responses: { table: [marshall({ pk: 'msg#m1', sk: 'rcpt#a@example.com', recipient: 'a@example.com', state: 'deferred', attempts: 2, updatedAt: old.at, history: [old, old] })] } });
    const l = ledger();
    await l.outcomesFor('m1', ['a@example.com']);
    await l.recordAttempts('m1', [entry('a@example.com')]);
    const items = requestsOf(0).map((r) => r.PutRequest.Item);
    expect(items.map((i) => String(i.sk).split('#')[0])).toEqual(['rcpt', 'attempt']);
    expect(items[0]!.history).toEqual([old, old]);
    expect(FOLDED_ATTEMPTS_MAX).toBe(2);
  });

  it('without a read in this run, the outcome goes by UpdateItem (the row keeps its history) and the attempt as a row', async () => {
    doc.on(BatchWriteCommand).resolves({});
    doc.on(UpdateCommand).resolves({});
    await ledger().recordAttempts('m1', Array.from({ length: 13 }, (_, i) => entry(`r${i}@example.com`)));
    expect(doc.commandCalls(UpdateCommand)).toHaveLength(13);
    const update = doc.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.UpdateExpression).toMatch(/^SET /);
    expect(JSON.stringify(update)).not.toContain('history');
    expect(doc.commandCalls(BatchWriteCommand).map((_, i) => requestsOf(i).length)).toEqual([13]);
    expect(requestsOf(0).every((r) => String(r.PutRequest.Item.sk).startsWith('attempt#'))).toBe(true);
  });

  it('writes only the attempt for an entry without an outcome', async () => {
    doc.on(BatchWriteCommand).resolves({});
    await ledger().recordAttempts('m1', [{ attempt: entry('gone@example.com').attempt }]);
    expect(requestsOf(0).map((r) => String(r.PutRequest.Item.sk))).toEqual([expect.stringMatching(/^attempt#/)]);
  });

  it('retries what DynamoDB left unprocessed', async () => {
    doc
      .on(BatchWriteCommand)
      .callsFakeOnce((input: { RequestItems: { table: WriteRequest[] } }) => ({ UnprocessedItems: { table: input.RequestItems.table.slice(1) } }))
      .resolves({});
    await ledger().recordAttempts('m1', [entry('a@example.com'), entry('b@example.com')]);
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(2);
    expect(requestsOf(1)).toEqual(requestsOf(0).slice(1));
  });

  it('gives up with LedgerWriteError when items stay unprocessed', async () => {
    doc.on(BatchWriteCommand).callsFake((input: { RequestItems: { table: WriteRequest[] } }) => ({ UnprocessedItems: { table: input.RequestItems.table } }));
    await expect(ledger().recordAttempts('m1', [entry('a@example.com')])).rejects.toBeInstanceOf(LedgerWriteError);
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(6);
  }, 10_000);
});
