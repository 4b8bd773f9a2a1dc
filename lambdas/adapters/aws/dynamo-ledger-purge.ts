// Deletes a message's ledger rows and attempt history for some recipients
// (`backup-mx delete`). The drain never deletes an outcome, so this is its
// own small adapter over the ledger's key layout (dynamo-ledger.ts).
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LedgerPurge } from '../../core/operator/mail-ports.js';
import { untilProcessed } from './dynamo-batch-rounds.js';
import { messageKey, PK, SK, SORT } from './dynamo-keys.js';
import { queryPartition } from './dynamo-query.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH = 25;
/** Further rounds for what DynamoDB leaves unprocessed (five sends in all). */
const RETRIES = 4;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class DynamoLedgerPurge implements LedgerPurge {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async purge(messageId: string, recipients: string[]): Promise<number> {
    const items = await queryPartition(this.doc, this.tableName, PK, messageKey(messageId));
    const keys = items
      .filter((item) => {
        const sk = String(item[SK]);
        const ledgerRow = sk.startsWith(SORT.recipientPrefix) || sk.startsWith(SORT.attemptPrefix);
        return ledgerRow && recipients.includes(String(item.recipient));
      })
      .map((item) => ({ [PK]: item[PK], [SK]: item[SK] }));
    for (let start = 0; start < keys.length; start += BATCH) {
      const requests = keys.slice(start, start + BATCH).map((key) => ({ DeleteRequest: { Key: key } }));
      const left = await untilProcessed(
        requests,
        async (batch) => {
          const result = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: batch } }));
          return (result.UnprocessedItems?.[this.tableName] ?? []) as typeof batch;
        },
        { retries: RETRIES, sleep },
      );
      if (left.length > 0) throw new Error(`could not delete ${left.length} ledger items of ${messageId}`);
    }
    return keys.length;
  }
}
