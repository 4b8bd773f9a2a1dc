// Ports of the operator's actions on one message (requeue, delete): the SQS
// dead-letter queue whose copies must go once their record is handled, and
// the ledger rows a delete forgets. The engine's own stages never need
// either, so they live here rather than on the outcome stage's ports.

/** A DLQ copy to remove: the message id, and its route when known (a message in two routes has a copy per route). */
export interface DeadLetterCopyKey {
  messageId: string;
  route?: string;
  /**
   * Which of the message's copies on the route (core/message/message-copy: a
   * route split over several receipt rules dead-letters one per rule), when
   * known: only that copy's queue message is removed.
   */
  copy?: string;
  /**
   * The `at` of the record removed: only copies put at or before it go (a
   * later one stands for a record a drain wrote since, which stays). Copies
   * with no time (redriven, or sent before the attribute existed) match
   * whatever it is. Omitted: every copy of the key.
   */
  writtenUpTo?: Date;
}

export interface CopyRemoval {
  /** Copies removed, per wanted key (same order). */
  removed: number[];
  /** Copies received and looked at. */
  scanned: number;
  /** False when the scan's bound stopped it before the queue ran dry. */
  complete: boolean;
}

/**
 * The shared dead-letter queue: the drain puts a copy of each dead letter
 * there (so its depth alarm tells a person) and SQS redrive puts poison
 * messages there with no record. Once a dead letter is requeued or deleted
 * its copy must go, or the alarm stays up.
 */
export interface DeadLetterQueue {
  /** Approximate number of copies on the queue (visible, in flight and delayed). */
  depth(): Promise<number>;
  /** Deletes the copies of `wanted` and leaves every other copy as it was (visible). */
  removeCopies(wanted: DeadLetterCopyKey[]): Promise<CopyRemoval>;
}

/** Forgets a message's ledger rows (`delete` only: the engine never deletes an outcome). */
export interface LedgerPurge {
  /** Deletes the outcomes and attempt history of these recipients of the message; returns how many rows went. */
  purge(messageId: string, recipients: string[]): Promise<number>;
}
