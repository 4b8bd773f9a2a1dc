// The message summary item, written whole by accept and, at the end, by the
// drain: the index's "done" as a plain put of the whole summary item, so it can go in
// the same grouped BatchWriteItem as the ledger rows (DynamoBatchWriter)
// instead of an UpdateItem of its own per message. The drain has everything
// the accept step wrote (sender, recipients, received time, subject, size) in
// the notification and the object it read. A put also settles the race with
// a late accept: the item exists, so accept's conditional put leaves it done.
// The item is the same as markDone's UpdateItem leaves: state done, last
// delivery time, TTL started, out of the queued index (no GSI keys), keyed by
// copy (`meta#<route>#<copy>`) like the accept step's summary. The size is the
// object's as the drain opened it (absent when it finished without opening it).
import type { MessageSummary } from '../../core/accept/ports.js';
import { expiresAtFor, GSI, key, messageKey, metaSort, PK, queuedIndexKey, SK, TTL } from './dynamo-keys.js';
import type { Item } from './dynamo-query.js';

/**
 * Every attribute a queued summary can have: all accept may write under
 * `msg#` (IAM dynamodb:Attributes, lib/constructs/backup-mx-function.ts).
 * None of a ledger row's (recipient, attempts, updatedAt, reply, notice) nor
 * a dead letter's (reason, detail, notification, objectKey): an item accept
 * writes under another sort key of the message is inert for the drain.
 */
export const QUEUED_SUMMARY_ATTRIBUTES = [PK, SK, 'messageId', 'route', 'sender', 'recipients', 'receivedAt', 'size', 'subject', 'state', 'copy', GSI.partitionKey, GSI.sortKey] as const;

/**
 * The summary item as accept and markDone write it: queued ones carry the
 * byRoute index keys, finished ones a TTL from their last delivery instead.
 * Undefined attributes are dropped by the document client.
 */
export function summaryItem(summary: MessageSummary): Item {
  const queued = summary.state === 'queued';
  return {
    ...key(messageKey(summary.messageId), metaSort(summary.route, summary.copy)),
    messageId: summary.messageId,
    route: summary.route,
    sender: summary.sender,
    recipients: summary.recipients,
    receivedAt: summary.receivedAt.toISOString(),
    size: summary.size,
    subject: summary.subject,
    state: summary.state,
    lastDeliveryAt: summary.lastDeliveryAt?.toISOString(),
    copy: summary.copy,
    [GSI.partitionKey]: queued ? queuedIndexKey(summary.route) : undefined,
    [GSI.sortKey]: queued ? summary.receivedAt.toISOString() : undefined,
    [TTL]: queued ? undefined : expiresAtFor(summary.lastDeliveryAt ?? summary.receivedAt),
  };
}

/** The done summary of a message finished at `at`, for a plain put grouped with the ledger rows. */
export function doneIndexItem(summary: Omit<MessageSummary, 'state' | 'lastDeliveryAt'>, at: Date): Item {
  return summaryItem({ ...summary, state: 'done', lastDeliveryAt: at });
}
