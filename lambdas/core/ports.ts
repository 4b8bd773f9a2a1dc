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
 * are kept per message id and route: SES gives a message matched by two
 * routes' rules the same id in both.
 */
export interface DeadLetterStore {
  /**
   * Records the dead letter (DynamoDB) and sends its notification to the DLQ.
   * A second put for the same id and route overwrites the first.
   */
  put(record: DeadLetterRecord): Promise<void>;
  list(route?: string): Promise<DeadLetterRecord[]>;
  /** Every route's record for this message id (usually one; [] if none). */
  find(messageId: string): Promise<DeadLetterRecord[]>;
  /** The record for `route`; with no route, the first of `find` (undefined if none). */
  get(messageId: string, route?: string): Promise<DeadLetterRecord | undefined>;
  /** Forgets the record for `route`, or every route's when omitted (after a requeue or delete). */
  remove(messageId: string, route?: string): Promise<void>;
}

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
}

/**
 * Index of messages by route, so queues can be listed without draining them.
 * Summaries are kept per message id and route: SES gives a message matched by
 * two routes' rules the same id in both, and each route has its own summary.
 */
export interface MessageIndex {
  /** Records an accepted message; returns false if it was already indexed for its route. */
  add(summary: MessageSummary): Promise<boolean>;
  /** Every route's summary of this message id (usually one; [] if none). */
  find(messageId: string): Promise<MessageSummary[]>;
  /** The summary for `route`; with no route, the first of `find` (undefined if none). */
  get(messageId: string, route?: string): Promise<MessageSummary | undefined>;
  /**
   * Marks the route's copy done (does nothing to a summary never indexed) and
   * records `at` as the route's last finished message when it is the latest.
   */
  markDone(messageId: string, route: string, at: Date): Promise<void>;
  /** When the route last finished a message (delivered, bounced or dead-lettered), for status. */
  lastDone(route: string): Promise<Date | undefined>;
  listQueued(route?: string): Promise<MessageSummary[]>;
  /** Removes the summary for `route`, or every route's when omitted. */
  remove(messageId: string, route?: string): Promise<void>;
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
}

/** An SMTP client to one primary; pooled, opened by the drain, closed at its end. */
export interface SmtpTransport {
  /**
   * Sends `content` (the full message, streamed) with the envelope. Never
   * throws for SMTP-level or network errors: they come back in the result.
   */
  send(envelope: Envelope, content: Readable): Promise<TransactionResult>;
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
}

/** Connect, 220, EHLO, STARTTLS if the mode asks, QUIT; each step with a timeout. */
export interface PrimaryProbe {
  check(primary: PrimaryServer): Promise<ProbeResult>;
}

/** Sends a DSN through SES (SendRawEmail). */
export interface BounceMailer {
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

/** Counters and timings (EMF in Lambda). */
export interface Metrics {
  count(name: 'Delivered' | 'Deferred' | 'Bounced' | 'DeadLettered' | 'Expired' | 'PrimaryUp', value: number, route: string): void;
  delay(seconds: number, route: string): void;
  flush(): Promise<void> | void;
}

/** Thrown by MessageStore.open when the object does not exist. */
export class MessageMissingError extends Error {
  constructor(readonly key: string) {
    super(`message object not found: ${key}`);
    this.name = 'MessageMissingError';
  }
}
