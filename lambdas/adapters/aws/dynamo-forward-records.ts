// A message's forwards in the state table, under the message's partition
// beside its ledger rows: `forward#<ISO>#<route>#<to>`. No prefix the ledger,
// the index or the dead-letter store reads matches it, and the drain reads a
// message's rows by key (BatchGetItem of `rcpt#…`), so a drain never reads
// one. Each has the ledger rows' TTL (ledgerExpiresAt), and `delete` removes
// it with them: it never outlives the message's other records.
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ForwardRecord, ForwardRecords } from '../../core/operator/forward-records.js';
import { deleteKeys } from './dynamo-batch-delete.js';
import { forwardSort, ledgerExpiresAt, messageKey, PK, SK, SORT, TTL } from './dynamo-keys.js';
import { optionalString, queryAll, type Item } from './dynamo-query.js';

/** The attributes a forward record holds (data-ownership.test.ts lists them). */
export const FORWARD_ATTRIBUTES = [PK, SK, 'messageId', 'route', 'at', 'to', 'sentAs', 'by', TTL] as const;


export class DynamoForwardRecords implements ForwardRecords {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(record: ForwardRecord): Promise<void> {
    const item: Item = {
      [PK]: messageKey(record.messageId),
      [SK]: forwardSort(record.at, record.route, record.to),
      messageId: record.messageId,
      route: record.route,
      at: record.at.toISOString(),
      to: record.to,
      by: record.by,
      [TTL]: ledgerExpiresAt(record.at),
      ...(record.sentAs !== undefined ? { sentAs: record.sentAs } : {}),
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async list(messageId: string): Promise<ForwardRecord[]> {
    return (await this.items(messageId)).map(toRecord).sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  async remove(messageId: string, route: string): Promise<number> {
    const keys = (await this.items(messageId)).filter((item) => item.route === route).map((item) => ({ [PK]: item[PK], [SK]: item[SK] }));
    return deleteKeys(this.doc, this.tableName, keys, `forward records of ${messageId}`);
  }

  private items(messageId: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': messageKey(messageId), ':prefix': SORT.forwardPrefix },
      ConsistentRead: true,
    });
  }
}

function toRecord(item: Item): ForwardRecord {
  const record: ForwardRecord = { messageId: String(item.messageId), route: String(item.route ?? ''), at: new Date(String(item.at)), to: String(item.to), by: String(item.by ?? '') };
  const sentAs = optionalString(item.sentAs);
  if (sentAs !== undefined) record.sentAs = sentAs;
  return record;
}
