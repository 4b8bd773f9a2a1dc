// Ports of the outcome stage: the per-recipient ledger, the dead letters, the
// mailer that sends DSNs and delay warnings, and the delay warnings already
// sent. The notices' budget and hold are in notice-ports.ts.
import type { Envelope } from '../drain/ports.js';
import type { AttemptRecord, DeadLetterRecord, RecipientOutcome } from '../model.js';

/**
 * Where messages go when they can be neither delivered nor bounced. Records
 * are kept per message id, route and copy: SES gives a message matched by two
 * routes' rules the same id in both, and a route split over several receipt
 * rules gets one copy per rule (record.copy; see core/message/message-copy). A record
 * with no copy is the one legacy item of its route.
 */
export interface DeadLetterStore {
  /**
   * Records the dead letter (DynamoDB) and sends its notification to the DLQ.
   * A second put for the same id, route and copy overwrites the first; another
   * copy's record is kept beside it.
   */
  put(record: DeadLetterRecord): Promise<void>;
  list(route?: string): Promise<DeadLetterRecord[]>;
  /**
   * How many records the route holds, at most DEAD_LETTERS_COUNTED_AT_MOST,
   * reading no notification: the probe's DeadLetters gauge every round, which
   * keeps its alarm in ALARM until each record is requeued or deleted.
   */
  count(route: string): Promise<number>;
  /** Every route's and copy's record for this message id (usually one; [] if none). */
  find(messageId: string): Promise<DeadLetterRecord[]>;
  /**
   * The record for `route` and `copy` ('' for the one without a copy); with no
   * copy, the route's first; with no route, the first of `find` (undefined if none).
   */
  get(messageId: string, route?: string, copy?: string): Promise<DeadLetterRecord | undefined>;
  /**
   * Forgets the record for `route` and `copy` ('' for the one without a copy),
   * every copy's on the route when `copy` is omitted, every route's when both
   * are (after a requeue or delete). A record is removed only while it is the
   * one this call read (conditional on its `at`), and with `writtenAt` only if
   * it is the one written then: a record a drain put after the caller read it
   * stays. Returns how many records were removed.
   */
  remove(messageId: string, route?: string, copy?: string, writtenAt?: Date): Promise<number>;
}

/**
 * Where DeadLetterStore.count stops: the alarm needs only "more than none",
 * and a count read every minute must not grow with a flood of dead letters
 * (virus-positive mail is dead-lettered); `mailq --dead` lists them all.
 */
export const DEAD_LETTERS_COUNTED_AT_MOST = 1000;

/** The per-recipient delivery ledger and attempt history (DynamoDB). */
export interface Ledger {
  /** Outcomes recorded so far for the message, by recipient. */
  outcomes(messageId: string): Promise<Map<string, RecipientOutcome>>;
  /**
   * The same, for these recipients only, read consistently by key (grouped
   * with other messages' reads where the store allows). Optional: without it
   * the drain calls outcomes().
   */
  outcomesFor?(messageId: string, recipients: string[]): Promise<Map<string, RecipientOutcome>>;
  /** Writes one recipient's outcome; called right after the server's reply. */
  record(messageId: string, outcome: RecipientOutcome): Promise<void>;
  /** Appends one attempt to the message's history. */
  addAttempt(attempt: AttemptRecord): Promise<void>;
  /**
   * The replies of one transaction at once: each entry's outcome (when given)
   * and attempt, in as few writes as the store allows; resolves only when all
   * are stored, rejects otherwise (some may be stored: writes are idempotent).
   * Optional: without it the drain calls record and addAttempt per recipient.
   */
  recordAttempts?(messageId: string, entries: { outcome?: RecipientOutcome; attempt: AttemptRecord }[]): Promise<void>;
  attempts(messageId: string): Promise<AttemptRecord[]>;
}

/** Sends a DSN or delay warning through SES (SendRawEmail). */
export interface BounceMailer {
  /** Rejects with NoticeSendingPausedError while SES sending is paused (the notice waits); any other error is a failure. */
  send(raw: string, envelope: Envelope): Promise<void>;
}

/**
 * Thrown by BounceMailer.send when SES refuses because sending is paused for
 * the notices' configuration set (the stack's automatic pause) or for the
 * account: the notice is held and waits, it is not a failure.
 */
export class NoticeSendingPausedError extends Error {
  constructor(readonly scope: 'configuration-set' | 'account', detail: string) {
    super(`SES sending is paused for the ${scope === 'account' ? 'account' : 'notices\' configuration set'}: ${detail}`);
    this.name = 'NoticeSendingPausedError';
  }
}

/** A delay warning once sent (or being sent) for a message on a route. */
export interface DelayNoticeRecord {
  messageId: string;
  route: string;
  /**
   * The copy it was sent for (core/message/message-copy): a route split over several
   * receipt rules has one copy per rule, each with its own recipients, and each
   * gets its warning. Absent on records from before copies were kept.
   */
  copy?: string;
  at: Date;
  recipients: string[];
}

/** Remembers delay warnings so each message copy gets at most one. */
export interface DelayNotices {
  /** Claims the copy's one warning (conditional write): false when it already has one. */
  claim(record: DelayNoticeRecord): Promise<boolean>;
  /** Gives a claim back after the notice could not be sent, so a later attempt tries again. */
  release(messageId: string, route: string, copy?: string): Promise<void>;
  /** The copy's record ('' or omitted copy: the record without one, else the route's first). */
  get(messageId: string, route: string, copy?: string): Promise<DelayNoticeRecord | undefined>;
  /** Every copy's record of the message on the route. */
  find(messageId: string, route: string): Promise<DelayNoticeRecord[]>;
}
