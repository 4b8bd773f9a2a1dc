// Deletes a message's ledger rows and attempt history for some recipients
// (`backup-mx delete`). The drain never deletes an outcome, so this is its
// own small adapter over the ledger's key layout (dynamo-ledger.ts).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LedgerPurge } from '../../core/operator/mail-ports.js';
import { deleteKeys } from './dynamo-batch-delete.js';
import { messageKey, PK, SK, SORT } from './dynamo-keys.js';
import { queryPartition } from './dynamo-query.js';


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
    return deleteKeys(this.doc, this.tableName, keys, `ledger items of ${messageId}`);
  }
}
