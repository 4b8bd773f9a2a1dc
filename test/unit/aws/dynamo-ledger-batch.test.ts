// DynamoLedger.recordAttempts: one BatchWriteItem per 25 items, unprocessed
// items retried, and a clear error when DynamoDB keeps refusing them.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoLedger, LedgerWriteError } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
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
const requestsOf = (call: number) => (doc.commandCalls(BatchWriteCommand)[call]!.args[0].input.RequestItems!.table as Request[]);

describe('DynamoLedger.recordAttempts', () => {
  it('writes outcome and attempt items together, 25 per call', async () => {
    doc.on(BatchWriteCommand).resolves({});
    await ledger().recordAttempts('m1', Array.from({ length: 13 }, (_, i) => entry(`r${i}@example.com`)));
    expect(doc.commandCalls(BatchWriteCommand).map((_, i) => requestsOf(i).length)).toEqual([25, 1]);
    const keys = [...requestsOf(0), ...requestsOf(1)].map((r) => String(r.PutRequest.Item.sk));
    expect(keys.filter((k) => k.startsWith('rcpt#'))).toHaveLength(13);
    expect(keys.filter((k) => k.startsWith('attempt#'))).toHaveLength(13);
  });

  it('writes only the attempt for an entry without an outcome', async () => {
    doc.on(BatchWriteCommand).resolves({});
    await ledger().recordAttempts('m1', [{ attempt: entry('gone@example.com').attempt }]);
    expect(requestsOf(0).map((r) => String(r.PutRequest.Item.sk))).toEqual([expect.stringMatching(/^attempt#/)]);
  });

  it('retries what DynamoDB left unprocessed', async () => {
    doc
      .on(BatchWriteCommand)
      .callsFakeOnce((input: { RequestItems: { table: Request[] } }) => ({ UnprocessedItems: { table: input.RequestItems.table.slice(1) } }))
      .resolves({});
    await ledger().recordAttempts('m1', [entry('a@example.com'), entry('b@example.com')]);
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(2);
    expect(requestsOf(1)).toEqual(requestsOf(0).slice(1));
  });

  it('gives up with LedgerWriteError when items stay unprocessed', async () => {
    doc.on(BatchWriteCommand).callsFake((input: { RequestItems: { table: Request[] } }) => ({ UnprocessedItems: { table: input.RequestItems.table } }));
    await expect(ledger().recordAttempts('m1', [entry('a@example.com')])).rejects.toBeInstanceOf(LedgerWriteError);
    expect(doc.commandCalls(BatchWriteCommand)).toHaveLength(6);
  }, 10_000);
});
