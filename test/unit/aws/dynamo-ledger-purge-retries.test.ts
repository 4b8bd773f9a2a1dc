// DynamoLedgerPurge (backup-mx delete) sends again what BatchWriteItem leaves
// unprocessed, through the rounds the grouped writer uses, and fails with the
// count left after five sends rather than report a purge it did not make.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoLedgerPurge } from '../../../lambdas/adapters/aws/dynamo-ledger-purge.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());
const purge = () => new DynamoLedgerPurge(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'table');
const rows = [
  { pk: 'msg#m1', sk: 'rcpt#a@example.com', recipient: 'a@example.com' },
  { pk: 'msg#m1', sk: 'rcpt#b@example.com', recipient: 'b@example.com' },
];
const unprocessed = (row: (typeof rows)[number]) => ({ table: [{ DeleteRequest: { Key: { pk: row.pk, sk: row.sk } } }] });
const sent = () => doc.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.table!.length);

describe('DynamoLedgerPurge and unprocessed items', () => {
  it('sends again only what was left unprocessed, until none is', async () => {
    doc.on(QueryCommand).resolves({ Items: rows });
    doc.on(BatchWriteCommand).resolvesOnce({ UnprocessedItems: unprocessed(rows[1]!) }).resolves({});
    expect(await purge().purge('m1', ['a@example.com', 'b@example.com'])).toBe(2);
    expect(sent()).toEqual([2, 1]);
  });

  it('fails after five sends when DynamoDB keeps leaving an item unprocessed', async () => {
    doc.on(QueryCommand).resolves({ Items: rows });
    doc.on(BatchWriteCommand).resolves({ UnprocessedItems: unprocessed(rows[0]!) });
    await expect(purge().purge('m1', ['a@example.com'])).rejects.toThrow('could not delete 1 ledger items of m1');
    expect(sent()).toEqual([1, 1, 1, 1, 1]);
  });
});
