// Deletes items by key in BatchWriteItem rounds of 25, sending again what
// DynamoDB leaves unprocessed; throws naming what was left, so an operator's
// delete never reports items gone that are still there.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { untilProcessed } from './dynamo-batch-rounds.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH = 25;
/** Further rounds for what DynamoDB leaves unprocessed (five sends in all). */
const RETRIES = 4;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deletes every key; `what` names them in the error ("ledger items of <id>"). Returns how many were deleted. */
export async function deleteKeys(doc: DynamoDBDocumentClient, tableName: string, keys: Record<string, unknown>[], what: string): Promise<number> {
  for (let start = 0; start < keys.length; start += BATCH) {
    const requests = keys.slice(start, start + BATCH).map((key) => ({ DeleteRequest: { Key: key } }));
    const left = await untilProcessed(
      requests,
      async (batch) => {
        const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
        return (result.UnprocessedItems?.[tableName] ?? []) as typeof batch;
      },
      { retries: RETRIES, sleep },
    );
    if (left.length > 0) throw new Error(`could not delete ${left.length} ${what}`);
  }
  return keys.length;
}
