// Deletes a message's ledger rows and attempt history for some recipients.
// The Ledger port has no delete (the engine never needs one); only `delete`
// does, so it works on the table directly with the shared key layout.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { messageKey, PK, SK, SORT } from '../lambdas/adapters/aws/dynamo-keys.js';
import { queryAll } from '../lambdas/adapters/aws/dynamo-query.js';

/** Returns how many items were deleted. */
export async function purgeLedgerRows(
  doc: DynamoDBDocumentClient,
  tableName: string,
  messageId: string,
  recipients: string[],
): Promise<number> {
  const items = await queryAll(doc, {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': PK },
    ExpressionAttributeValues: { ':pk': messageKey(messageId) },
    ConsistentRead: true,
  });
  const keys = items
    .filter((item) => {
      const sk = String(item[SK]);
      const ledgerRow = sk.startsWith(SORT.recipientPrefix) || sk.startsWith(SORT.attemptPrefix);
      return ledgerRow && recipients.includes(String(item.recipient));
    })
    .map((item) => ({ [PK]: item[PK], [SK]: item[SK] }));
  for (let start = 0; start < keys.length; start += 25) {
    let requests = keys.slice(start, start + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    for (let tries = 0; requests.length > 0; tries++) {
      if (tries === 5) throw new Error(`could not delete ${requests.length} ledger items of ${messageId}`);
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** tries));
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return keys.length;
}
