// Paging helpers (DynamoDB returns at most 1 MB per Query/Scan page) and the
// conditional put the claims, leases and first writes share.
import {
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

import { CONDITION_FAILED, isAwsError } from './aws-errors.js';

export type Item = Record<string, unknown>;

/** A Put with a ConditionExpression: true when it was written, false when the condition did not hold. */
export async function conditionalPut(doc: DynamoDBDocumentClient, input: PutCommandInput & { ConditionExpression: string }): Promise<boolean> {
  try {
    await doc.send(new PutCommand(input));
    return true;
  } catch (error) {
    if (isAwsError(error, CONDITION_FAILED)) return false;
    throw error;
  }
}

export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of one partition (attribute `pkName` equal to `pk`), read consistently. */
export async function queryPartition(doc: DynamoDBDocumentClient, tableName: string, pkName: string, pk: string): Promise<Item[]> {
  return queryAll(doc, {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': pkName },
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });
}

export async function scanAll(doc: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export const optionalDate = (value: unknown): Date | undefined =>
  typeof value === 'string' ? new Date(value) : undefined;
export const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const optionalNumber = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
