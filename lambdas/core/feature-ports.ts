// Ports of the operator features (issue 12): the "I'm back" trigger, the
// envelope archive behind replay and export, delay notices and mailboxes.
// Kept apart from ports.ts so the delivery ports stay small; same rules: each
// has an in-memory fake and a real adapter, and says what its results mean.
import type { Readable } from 'node:stream';
import type { InboundMessage } from './model.js';
import type { RouteProbeOutcome } from './probe/probe-primaries.js';

/** What the gate said to one call. */
export type GateAnswer =
  | { passed: true }
  /** The route's last accepted call is less than the interval old. */
  | { passed: false; why: 'too-soon'; retryAfterSeconds: number }
  /** The signed timestamp is not newer than the last accepted one's: a replay (or two calls in one second). */
  | { passed: false; why: 'not-newer' };

/** The trigger's rate limit and replay guard, one item per route (DynamoDB conditional write). */
export interface TriggerGate {
  /**
   * Records the call (`now` and its signed Unix `timestamp`) and passes it when
   * the route's last accepted call is at least `minIntervalSeconds` old and has
   * an older timestamp (or there is none); otherwise records nothing and says
   * why. Two callers at once never both pass, and a captured call never passes
   * again once its timestamp (or a newer one) was accepted.
   */
  claim(route: string, timestamp: number, now: Date, minIntervalSeconds: number): Promise<GateAnswer>;
}

/**
 * The probe, asked to check one route now exactly as a scheduled round does
 * (loop guard, AUTH backoff, hold) and to start its drain if mail waits: the
 * trigger's only way to act, so it can never bypass the engine's guards.
 */
export interface ProbeRequester {
  /** What the check found; rejects when the probe could not be asked or failed. */
  probeNow(route: string): Promise<RouteProbeOutcome>;
}

/** The shared secret of the trigger's HMAC (Secrets Manager; a file locally). */
export interface TriggerKey {
  /** The secret's bytes; rejects when it cannot be read (the trigger then refuses every call). */
  secret(): Promise<string>;
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

/** Where `export` writes messages (an mbox file, a Maildir). */
export interface MailboxWriter {
  /** Appends one message; `content` is the stored object, written byte for byte. */
  add(message: Pick<InboundMessage, 'messageId' | 'sender' | 'receivedAt'>, content: Readable): Promise<void>;
  /** Flushes and closes; the mailbox is complete only after this resolves. */
  close(): Promise<void>;
}

/** Approximate message counts of one queue (SQS GetQueueAttributes). */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** The account's queues by name, for the watch on queues no route uses any more and for `adopt`. */
export interface QueueDirectory {
  /**
   * URLs of every queue whose name starts with `prefix` (case-sensitive), page
   * by page. Eventually consistent: a queue made or deleted a moment ago may be
   * missing or still listed.
   */
  list(prefix: string): AsyncIterable<string>;
  /** The queue's approximate counts; undefined when it no longer exists. */
  depth(url: string): Promise<QueueDepth | undefined>;
  /** The queue's tags (core/sweep/queue-owner.ts says whose it is); undefined when it no longer exists. */
  tags(url: string): Promise<Record<string, string> | undefined>;
}
