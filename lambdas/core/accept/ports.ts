// Ports the accept step writes and every later stage reads: the index of
// accepted messages (summaries by route and copy) and the envelope archive
// behind replay and export.


/** Summary of a message for `mailq` and `status`. */
export interface MessageSummary {
  messageId: string;
  route: string;
  sender: string;
  recipients: string[];
  receivedAt: Date;
  size?: number;
  subject?: string;
  /** 'queued' until every recipient is final, then 'done'. */
  state: 'queued' | 'done';
  lastDeliveryAt?: Date;
  /** Which copy of the message (core/message/message-copy), when the route got several; absent on older summaries. */
  copy?: string;
  /** The operator's hold on this copy (`hold --message`): the drain defers it untouched until released. Never written by accept. */
  held?: MessageHold;
}

/** An operator's hold on one queued message copy (core/operator/hold-messages.ts). */
export interface MessageHold {
  since: Date;
  reason?: string;
}

/** The summary facts the drain knows: the notification's, and the object's size when it opened it. */
export type DoneFacts = Pick<MessageSummary, 'sender' | 'recipients' | 'receivedAt' | 'subject' | 'size'>;

/**
 * Index of messages by route, so queues can be listed without draining them.
 * Summaries are kept per message id, route and copy: SES gives a message
 * matched by two routes' rules the same id in both, and a route split over
 * several receipt rules gets one copy per rule (summary.copy; see
 * core/message/message-copy), each with its own summary. In the `copy` parameters
 * below, '' names the summary without a copy (older items).
 */
export interface MessageIndex {
  /** Records an accepted message; returns false if that copy was already indexed for its route. */
  add(summary: MessageSummary): Promise<boolean>;
  /** Every route's and copy's summary of this message id (usually one; [] if none). */
  find(messageId: string): Promise<MessageSummary[]>;
  /** The summary for `route` and `copy`; with no copy, the route's first; with no route, the first of `find` (undefined if none). */
  get(messageId: string, route?: string, copy?: string): Promise<MessageSummary | undefined>;
  /**
   * Marks the route's copy `copy` done (only that copy: another rule's copy of
   * the message stays queued) and records `at` as the route's last finished
   * message when it is the latest. A summary never indexed gets a 'done'
   * tombstone, so a late `add` of that copy (an SNS retry of the accept)
   * returns false instead of listing a finished message as queued for good.
   * With `facts` (what the accept step indexed, from the notification) an
   * adapter may write the whole done summary as a plain put, grouped with
   * other writes in flight; it resolves only once this copy's item is stored.
   */
  markDone(messageId: string, route: string, at: Date, copy?: string, facts?: DoneFacts): Promise<void>;
  /** When the route last finished a message (delivered, bounced or dead-lettered), for status. */
  lastDone(route: string): Promise<Date | undefined>;
  /** Queued summaries, one per copy (two copies of one message are two entries with the same id). */
  listQueued(route?: string): Promise<MessageSummary[]>;
  /**
   * How many of the route's message copies are not final and when the oldest
   * of them arrived (undefined when none), whatever SQS's visibility says (a
   * copy is one queue entry, as SQS counts).
   */
  queuedStats(route: string): Promise<{ queued: number; oldestReceivedAt?: Date }>;
  /**
   * The route's `limit` oldest queued summaries, oldest first, reading no more
   * than those (the sweep's reconcile).
   */
  oldestQueued(route: string, limit: number): Promise<MessageSummary[]>;
  /**
   * The hold on the route's copy `copy` ('' for the summary without one), read
   * consistently by key and grouped with the ledger's reads in flight where the
   * store allows (the drain asks it beside a message's ledger rows: no request
   * of its own). Undefined when the copy is not held, done, or not indexed.
   */
  holdOf(messageId: string, route: string, copy: string): Promise<MessageHold | undefined>;
  /**
   * Sets (or with undefined lifts) the hold on the route's copy `copy` ('' for
   * the summary without one). Only a queued summary takes a hold: returns false
   * when the copy is not indexed or not queued any more. Written by the operator only.
   */
  setHold(messageId: string, route: string, copy: string, hold: MessageHold | undefined): Promise<boolean>;
  /** Removes the summary for `route` and `copy`, every copy's on the route when `copy` is omitted, every route's when both are. */
  remove(messageId: string, route?: string, copy?: string): Promise<void>;
}

/** One archived envelope: the SES notification of a message as it arrived on a route. */
export interface ArchivedEnvelope {
  messageId: string;
  route: string;
  receivedAt: Date;
  /** The notification (JSON text) exactly as the route's queue got it. */
  notification: string;
  /** Which copy of the message (core/message/message-copy): a route split over several receipt rules keeps one envelope per copy. */
  copy?: string;
}

/**
 * The envelope of every accepted message, kept as long as the bucket keeps the
 * raw object (the queue copy is gone once delivered), so replay and export can
 * find messages by route and time after delivery.
 */
export interface EnvelopeArchive {
  /** Stores the envelope until `expiresAt`; storing one (same id, route and copy) twice keeps one; another copy is kept beside it. */
  keep(envelope: ArchivedEnvelope, expiresAt: Date): Promise<void>;
  /** Envelopes of `route` received in [since, until), oldest first, every copy of a message. */
  list(route: string, since: Date, until: Date): Promise<ArchivedEnvelope[]>;
}
