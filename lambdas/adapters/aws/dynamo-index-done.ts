// The index's "done" as a plain put of the whole summary item, so it can go in
// the same grouped BatchWriteItem as the ledger rows (DynamoBatchWriter)
// instead of an UpdateItem of its own per message. The drain has everything
// the accept step wrote (sender, recipients, received time, subject, size) in
// the notification and the object it read. A put also settles the race with
// a late accept: the item exists, so accept's conditional put leaves it done.
// The item is the same as markDone's UpdateItem leaves: state done, last
// delivery time, TTL started, out of the queued index (no GSI keys), keyed by
// copy (`meta#<route>#<copy>`) like the accept step's summary. The size is the
// object's as the drain opened it (absent when it finished without opening it).
import type { MessageSummary } from '../../core/ports.js';
import type { DynamoBatchWriter } from './dynamo-batch-writer.js';
import { expiresAtFor, key, messageKey, metaSort, TTL } from './dynamo-keys.js';
import type { Item } from './dynamo-query.js';

export function doneIndexItem(summary: Omit<MessageSummary, 'state' | 'lastDeliveryAt'>, at: Date): Item {
  return {
    ...key(messageKey(summary.messageId), metaSort(summary.route, summary.copy)),
    messageId: summary.messageId,
    route: summary.route,
    sender: summary.sender,
    recipients: summary.recipients,
    receivedAt: summary.receivedAt.toISOString(),
    ...(summary.size !== undefined ? { size: summary.size } : {}),
    ...(summary.subject !== undefined ? { subject: summary.subject } : {}),
    ...(summary.copy ? { copy: summary.copy } : {}),
    state: 'done',
    lastDeliveryAt: at.toISOString(),
    [TTL]: expiresAtFor(at),
  };
}

/** Writes done summaries through a writer shared with the ledger. */
export class DynamoIndexDone {
  constructor(private readonly writer: DynamoBatchWriter) {}

  /** Resolves once the done item is stored (grouped with other writes in flight). */
  put(summary: Omit<MessageSummary, 'state' | 'lastDeliveryAt'>, at: Date): Promise<void> {
    return this.writer.write([doneIndexItem(summary, at)]);
  }
}
