// Ports of the drain: a route's queue, the SMTP transport to its primary and
// the way a drain is started. Fakes in adapters/fakes, contract suites in
// test/contracts.
import type { PrimaryServer, SmtpReply } from '../model.js';
import type { Readable } from 'node:stream';
import type { OriginalClient } from '../message/original-client.js';

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
 * sent and the result says `notStarted`. With `client` (the original client,
 * core/message/original-client.ts), a transport to a primary with
 * `forwardClient` tells it that client before MAIL FROM when it advertises the extension.
 */
export type MessageContent = Readable | (() => Promise<OpenedContent | undefined>);

export interface OpenedContent {
  body: Readable;
  size?: number;
  client?: OriginalClient;
}

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

/** What a drain invocation does: deliver (default) or sweep (expire/re-enqueue while down or held). */
export type DrainMode = 'deliver' | 'sweep';

/** Starts a drain for a route now (async Lambda invoke; a direct call locally). */
export interface DrainStarter {
  /** The invoke event is `{ route, mode }`; `mode` defaults to 'deliver'. */
  start(route: string, mode?: DrainMode): Promise<void>;
}
