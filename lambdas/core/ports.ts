// The ports the use cases need. Each has an in-memory fake (adapters/fakes) and
// a real adapter; one contract suite per port runs against both.
import type { Readable } from 'node:stream';
import type {
  AttemptRecord,
  DeadLetterRecord,
  InboundMessage,
  PrimaryHealth,
  PrimaryServer,
  RecipientOutcome,
  SmtpReply,
} from './model.js';

/** Raw message bytes (S3). */
export interface MessageStore {
  /**
   * Opens the object for streaming. Throws MessageMissingError when it does
   * not exist; any other error is transient.
   */
  open(key: string): Promise<{ body: Readable; size: number }>;
  /** Size in bytes, or undefined when the object does not exist. */
  size(key: string): Promise<number | undefined>;
  /** Removes the object; succeeds when it is already gone. */
  remove(key: string): Promise<void>;
  /**
   * Every object under `prefix` with when it was stored, page by page.
   * Optional: without it no sweep for objects that were never queued runs.
   */
  list?(prefix: string): AsyncIterable<StoredObject>;
}

export interface StoredObject {
  key: string;
  lastModified: Date;
}

/** One message as received from a route's queue. */
export interface QueuedMessage {
  /** Receipt handle: needed to delete or defer this receive. */
  handle: string;
  /** The queue body: an SES notification (JSON text). */
  body: string;
  /** How many times the queue has handed this message out, this one included. */
  receiveCount: number;
  /** When this copy entered the queue (a re-enqueued copy has a later time). */
  enqueuedAt: Date;
}

/** A route's SQS queue. */
export interface MailQueue {
  /**
   * Up to `max` messages (1–10), waiting up to `waitSeconds` for the first.
   * `visibilitySeconds`, when given, overrides the queue's visibility timeout
   * for this receive (the sweep uses a short one).
   */
  receive(max: number, waitSeconds: number, visibilitySeconds?: number): Promise<QueuedMessage[]>;
  /** Removes the message for good. Only after its outcome is recorded. */
  delete(handle: string): Promise<void>;
  /** Hides the message for `delaySeconds` (clamped to SQS's 12 h) before it is retried. */
  defer(handle: string, delaySeconds: number): Promise<void>;
  /** Puts a fresh copy of `body` on the queue (re-enqueue before SQS retention ends). */
  enqueue(body: string, delaySeconds?: number): Promise<void>;
  /** Approximate counts, for status and the probe's "mail waiting" check. */
  depth(): Promise<{ visible: number; inFlight: number; delayed: number }>;
}

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
   * copy is one queue entry, as SQS counts). Optional: without it the probe
   * counts listQueued().
   */
  queuedStats?(route: string): Promise<{ queued: number; oldestReceivedAt?: Date }>;
  /**
   * The route's `limit` oldest queued summaries, reading no more than those
   * (the sweep's reconcile). Optional: without it listQueued() is cut.
   */
  oldestQueued?(route: string, limit: number): Promise<MessageSummary[]>;
  /** Removes the summary for `route` and `copy`, every copy's on the route when `copy` is omitted, every route's when both are. */
  remove(messageId: string, route?: string, copy?: string): Promise<void>;
}

/** Primary health, drain leases and hold flags (DynamoDB). */
export interface RouteState {
  health(route: string): Promise<PrimaryHealth | undefined>;
  saveHealth(health: PrimaryHealth): Promise<void>;
  /**
   * Claims the route's drain lease until `until`. Returns false if another
   * owner holds an unexpired lease (conditional write).
   */
  acquireLease(route: string, owner: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease back; does nothing if `owner` no longer holds it. */
  releaseLease(route: string, owner: string): Promise<void>;
  /** The hold set by an operator, if any: a held route gets no deliveries. */
  hold(route: string): Promise<{ since: Date; reason?: string } | undefined>;
  setHold(route: string, hold: { since: Date; reason?: string } | undefined): Promise<void>;
  /**
   * Claims this hour's sweep (item `sk=sweep`): records `now` as the last sweep
   * and returns true when the previous one is older than `intervalSeconds` (or
   * absent); returns false otherwise (conditional write, so two probes never
   * both start one). Optional: without it the probe starts no sweeps.
   */
  claimSweep?(route: string, now: Date, intervalSeconds: number): Promise<boolean>;
  /** When the last sweep was claimed, if ever (for status). */
  lastSweep?(route: string): Promise<Date | undefined>;
  /**
   * The last sweep stopped with work left (time or message limit): the next
   * claimSweep succeeds whatever the interval, so the probe chains another
   * sweep within one round. Optional, like claimSweep.
   */
  continueSweep?(route: string): Promise<void>;
}

/** Envelope of one SMTP transaction. */
export interface Envelope {
  /** '' sends MAIL FROM:<>. */
  from: string;
  to: string[];
  /** Message size in bytes as it will be sent (object + our Received header), for SIZE= (RFC 1870). */
  size?: number;
}

/** Per-recipient result of one SMTP transaction. */
export interface TransactionResult {
  /** One entry per envelope recipient: its RCPT reply if refused, else the DATA reply. */
  replies: { recipient: string; reply: SmtpReply }[];
  /**
   * True when the session itself failed (connect, greeting, TLS, drop, timeout):
   * the primary should be treated as down and no further message tried.
   */
  connectionFailed: boolean;
  /** True when the failure came after the final dot was sent: the primary may have kept it. */
  afterData?: boolean;
  /** True when the content opener declined (returned undefined) once a session was free: nothing was sent. */
  notStarted?: boolean;
  /**
   * True when the server ended the session (421) after refusing recipients:
   * its error limit (Postfix smtpd_hard_error_limit), not an outage. The
   * recipients whose reply is that 421 were not answered and may go again on
   * a new session; `connectionFailed` is true as well.
   */
  errorLimit?: boolean;
}

/**
 * The message to send: a stream, or an opener the transport calls only once a
 * session is free (so the object is not opened while it waits for one, and
 * the caller can check its deadline and hold at the last moment). The opener
 * gives the stream and its size (for SIZE=), or undefined: then nothing is
 * sent and the result says `notStarted`.
 */
export type MessageContent = Readable | (() => Promise<{ body: Readable; size?: number } | undefined>);

/** An SMTP client to one primary; pooled, opened by the drain, closed at its end. */
export interface SmtpTransport {
  /**
   * Sends `content` (the full message, streamed) with the envelope. Never
   * throws for SMTP-level or network errors: they come back in the result.
   * An opener that throws is as one that declines (the caller keeps its error).
   */
  send(envelope: Envelope, content: MessageContent): Promise<TransactionResult>;
  close(): Promise<void>;
}

export interface SmtpTransportFactory {
  open(primary: PrimaryServer): Promise<SmtpTransport>;
}

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  /** What failed, at which step ("connect: ECONNREFUSED", "EHLO: 421 ..."). */
  error?: string;
  greeting?: string;
  /** True when the primary answered but refused our AUTH credentials (535 and the like). */
  authRefused?: boolean;
  /**
   * True when AUTH was not even tried: the session's peer was not authenticated
   * (no TLS, or a certificate neither verified nor pinned). A route
   * misconfiguration or someone in the middle; the password never went out.
   */
  authWithheld?: boolean;
  /**
   * A short digest of the route's current AUTH credentials (the ones refused,
   * with authRefused), when the primary names a secret and it could be read.
   */
  credentialDigest?: string;
}

export interface ProbeCheckOptions {
  /** No AUTH even when the primary names a secret: reachability only (after a refusal). */
  skipAuth?: boolean;
}

/** Connect, 220, EHLO, STARTTLS if the mode asks, AUTH when configured, QUIT; each step with a timeout. */
export interface PrimaryProbe {
  check(primary: PrimaryServer, options?: ProbeCheckOptions): Promise<ProbeResult>;
}

/** An open callout session: MAIL FROM:<> done, RCPT TO per address, never DATA. */
export interface CalloutSession {
  /** The primary's reply to RCPT TO:<address>; rejects when the session failed. */
  check(address: string): Promise<SmtpReply>;
  /** QUIT (no DATA was ever sent) and close. */
  close(): Promise<void>;
}

/** RCPT TO callouts to a primary, for `recipients verify`. */
export interface RecipientCallout {
  /**
   * Connects as the drain would (TLS mode, AUTH) and sends MAIL FROM:<>.
   * Rejects with the failing step ("AUTH: 535 5.7.8 ...") when it cannot.
   */
  open(primary: PrimaryServer): Promise<CalloutSession>;
}

/** What one ARC seal needs besides the message. */
export interface SealRequest {
  domain: string;
  selector: string;
  keySecretName: string;
  /** The ARC-Authentication-Results value after "i=N; " (authserv-id; results). */
  authResults: string;
}

/** ARC sealing (RFC 8617) of a message about to be delivered. */
export interface MessageSealer {
  /**
   * Reads `content` (the message exactly as it will follow the seal) to the end
   * and returns the header fields to put above it (ARC-Seal, ARC-Message-Signature,
   * ARC-Authentication-Results, each ending in CRLF), or '' when the message must
   * not be sealed (it carries an ARC chain that does not validate). Rejects when
   * it cannot seal (key missing or unusable).
   */
  seal(content: Readable, request: SealRequest): Promise<string>;
}

/** The loop guard on a primary's resolved address (see core/policy/loop-guard). */
export interface PrimaryAddressGuard {
  /** Why delivering to `primary` would loop back to us, or undefined when it would not (also when DNS cannot tell). */
  refusal(primary: PrimaryServer): Promise<string | undefined>;
}

/** Sends a DSN or delay warning through SES (SendRawEmail). */
export interface BounceMailer {
  /** Rejects with NoticeSendingPausedError while SES sending is paused (the notice waits); any other error is a failure. */
  send(raw: string, envelope: Envelope): Promise<void>;
}

/** What a drain invocation does: deliver (default) or sweep (expire/re-enqueue while down or held). */
export type DrainMode = 'deliver' | 'sweep';

/** Starts a drain for a route now (async Lambda invoke; a direct call locally). */
export interface DrainStarter {
  /** The invoke event is `{ route, mode }`; `mode` defaults to 'deliver'. */
  start(route: string, mode?: DrainMode): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** One structured line per delivery attempt, with the same keys every time. */
export interface DeliveryLog {
  attempt(entry: {
    messageId: string;
    recipient: string;
    relay: string;
    delaySeconds: number;
    dsn: string;
    status: string;
    reply: string;
    route: string;
  }): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The route figures the probe publishes every round, each only when it was
 * read (the alarms treat a missing figure as breaching: docs/alarms.md).
 * HeldNotices: notices waiting for the operator; DeadLetters: dead-letter
 * records not yet requeued or deleted.
 */
export type GaugeName = 'QueuedMessages' | 'OldestQueuedAgeSeconds' | 'HeldNotices' | 'DeadLetters' | 'RouteProblems';

/** The stack-wide figures (no route dimension). */
export type StackGaugeName = 'OrphanedQueueMessages' | 'CanaryRoundTripSeconds' | 'StackProblems';

/** Counters and timings (EMF in Lambda). */
export interface Metrics {
  count(
    name: 'Delivered' | 'Deferred' | 'Bounced' | 'DeadLettered' | 'Expired' | 'PrimaryUp' | 'NoticesSent' | 'NoticesSuppressed' | 'NoticesHeld',
    value: number,
    route: string,
  ): void;
  delay(seconds: number, route: string): void;
  /** A point-in-time figure of the route's queue, from the message index (the probe, every round). */
  gauge?(name: GaugeName, value: number, route: string): void;
  /** Why a drain or sweep run stopped (one count per run, the reason as a dimension). */
  drainStopped?(reason: string, route: string): void;
  /**
   * A figure of the whole stack, no route dimension: the hourly watch on queues
   * no route uses; the canary's round trip, in seconds, when it arrives.
   */
  stackGauge?(name: StackGaugeName, value: number): void;
  /** A count for the whole stack, no route dimension (calls the trigger refused); `detail` rides along in the record, never as a dimension. */
  stackCount?(name: 'TriggerRefused', value: number, detail?: Record<string, string>): void;
  flush(): Promise<void> | void;
}

/** Thrown by MessageStore.open when the object does not exist. */
export class MessageMissingError extends Error {
  constructor(readonly key: string) {
    super(`message object not found: ${key}`);
    this.name = 'MessageMissingError';
  }
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
