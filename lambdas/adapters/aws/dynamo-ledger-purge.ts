// Deletes a message's ledger rows and attempt history for some recipients
// (`backup-mx delete`). The drain never deletes an outcome, so this is its
// own small adapter over the ledger's key layout (dynamo-ledger.ts).
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LedgerPurge } from '../../core/operator/mail-ports.js';
import { messageKey, PK, SK, SORT } from './dynamo-keys.js';
import { queryAll } from './dynamo-query.js';

/** BatchWriteItem takes at most 25 requests. */
const BATCH = 25;
const TRIES = 5;

export class DynamoLedgerPurge implements LedgerPurge {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async purge(messageId: string, recipients: string[]): Promise<number> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
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
    for (let start = 0; start < keys.length; start += BATCH) {
      let requests = keys.slice(start, start + BATCH).map((key) => ({ DeleteRequest: { Key: key } }));
      for (let tries = 0; requests.length > 0; tries++) {
        if (tries === TRIES) throw new Error(`could not delete ${requests.length} ledger items of ${messageId}`);
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** tries));
        const result = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
    return keys.length;
  }
}
