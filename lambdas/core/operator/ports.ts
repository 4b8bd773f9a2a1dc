// Ports of the operator actions: the "I'm back" trigger's gate, key and probe
// request, the mailbox `export` writes, and RCPT callouts for `recipients
// verify`.
import type { InboundMessage, PrimaryServer, SmtpReply } from '../model.js';
import type { RouteProbeOutcome } from '../probe/probe-primaries.js';
import type { Readable, Writable } from 'node:stream';

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

/** Where `export` writes messages (an mbox file, a Maildir). */
export interface MailboxWriter {
  /** Appends one message; `content` is the stored object, written byte for byte. */
  add(message: Pick<InboundMessage, 'messageId' | 'sender' | 'receivedAt'>, content: Readable): Promise<void>;
  /** Flushes and closes; the mailbox is complete only after this resolves. */
  close(): Promise<void>;
}

/**
 * A mailbox `export` may write: a new mbox file, a Maildir (created, or added
 * to), or an mbox written to a stream the caller owns and the writer ends (the
 * console's download).
 */
export type MailboxDestination = { mbox: string } | { maildir: string } | { mboxStream: Writable };

/** Opens the mailbox writers (the file system, outside core). */
export interface Mailboxes {
  /** Rejects when the mailbox cannot be opened; with MailboxExistsError for an mbox file that exists (never overwritten). */
  open(destination: MailboxDestination): Promise<MailboxWriter>;
}

/** Thrown by Mailboxes.open when the mbox file exists: export writes a new one, it never appends to or replaces a file. */
export class MailboxExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} exists: export writes a new mbox file`);
    this.name = 'MailboxExistsError';
  }
}
