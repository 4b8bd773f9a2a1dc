// Removes a dead-letter record only while it is still the one an operator's
// action read (conditional on its `at`): a drain that dead-lettered the
// message again meanwhile keeps its new record, and with it its DLQ copy.
import type { DeadLetterRecord } from '../model.js';
import type { DeadLetterStore } from '../outcome/ports.js';

export type RecordRemoval =
  | { kind: 'removed' }
  /** A drain of the route dead-lettered it again while this ran: its new record stays. */
  | { kind: 'dead-again'; reason: string }
  /** Removed by another requeue or delete meanwhile. */
  | { kind: 'already-gone' };

export async function removeRecordRead(deadLetters: DeadLetterStore, record: DeadLetterRecord, route: string): Promise<RecordRemoval> {
  const copy = record.copy ?? '';
  if ((await deadLetters.remove(record.messageId, route, copy, record.at)) > 0) return { kind: 'removed' };
  const now = await deadLetters.get(record.messageId, route, copy);
  return now ? { kind: 'dead-again', reason: now.reason } : { kind: 'already-gone' };
}
