// The operator's hold on one queued copy (`hold --message`): two attributes of
// its summary item (`msg#<id>` / `meta#<route>#<copy>`), heldSince and
// heldReason. Only setHold writes them; the drain reads them in the
// BatchGetItem of the message's ledger rows (DynamoBatchReader).
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MessageHold } from '../../core/accept/ports.js';
import { CONDITION_FAILED, isAwsError } from './aws-errors.js';
import type { DynamoBatchReader } from './dynamo-batch-reader.js';
import { key, messageKey, metaSort, PK } from './dynamo-keys.js';
import { optionalDate, optionalString, type Item } from './dynamo-query.js';

/** The summary item's hold attributes, written by setHold only (not in QUEUED_SUMMARY_ATTRIBUTES: accept may not write them). */
const HELD_SINCE = 'heldSince';
const HELD_REASON = 'heldReason';
export const HOLD_ATTRIBUTES = [HELD_SINCE, HELD_REASON] as const;

export function holdOfItem(item: Item): MessageHold | undefined {
  const since = optionalDate(item[HELD_SINCE]);
  if (!since) return undefined;
  const reason = optionalString(item[HELD_REASON]);
  return reason === undefined ? { since } : { since, reason };
}

/** The copy's hold, read through the grouped reader; only a queued summary counts as held. */
export async function readHold(reader: DynamoBatchReader, messageId: string, route: string, copy: string): Promise<MessageHold | undefined> {
  const [item] = await reader.get([key(messageKey(messageId), metaSort(route, copy || undefined))]);
  return item && item.state === 'queued' ? holdOfItem(item) : undefined;
}

/**
 * SET or REMOVE the hold attributes, only on a queued summary (a condition):
 * accept's IAM may not write them (QUEUED_SUMMARY_ATTRIBUTES), and the
 * drain's done put drops them with the queued state. False when no queued
 * summary matched.
 */
export async function writeHold(
  doc: DynamoDBDocumentClient,
  tableName: string,
  messageId: string,
  route: string,
  copy: string,
  hold: MessageHold | undefined,
): Promise<boolean> {
  const names = { '#pk': PK, '#state': 'state', '#since': HELD_SINCE, '#reason': HELD_REASON };
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key(messageKey(messageId), metaSort(route, copy || undefined)),
        UpdateExpression: !hold ? 'REMOVE #since, #reason' : hold.reason ? 'SET #since = :since, #reason = :reason' : 'SET #since = :since REMOVE #reason',
        ConditionExpression: 'attribute_exists(#pk) AND #state = :queued',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':queued': 'queued', ...(hold ? { ':since': hold.since.toISOString(), ...(hold.reason ? { ':reason': hold.reason } : {}) } : {}) },
      }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, CONDITION_FAILED)) return false;
    throw error;
  }
}
