// The words of the domain, shared by every layer. Pure types: no SDK, no I/O.
// Mail states use Postfix's words: queued, deferred, delivered, bounced, expired.

/**
 * How the drain talks TLS to a primary. Only `verify` (CA and host name) and
 * `fingerprint` (a pinned certificate or public key) authenticate the primary,
 * so only they may carry AUTH credentials (invariant 8).
 */
export type TlsMode = 'none' | 'opportunistic' | 'required' | 'verify' | 'fingerprint';

/** What happens to a message that bounces or expires. */
export type BouncePolicy = 'dsn' | 'dead-letter';

export interface PrimaryServer {
  host: string;
  port: number;
  tls: TlsMode;
  /**
   * With tls "fingerprint": the SHA-256 of the primary's certificate or of its
   * public key, "sha256:AB:CD:…" (canonical form, core/policy/tls-fingerprint.ts);
   * several while a certificate is being replaced.
   */
  tlsFingerprints?: string[];
  /** Secrets Manager name holding {"username","password"} for SMTP AUTH. */
  authSecretName?: string;
  /** Most SMTP sessions a drain opens to it at once (default 20, like Postfix's destination concurrency). */
  maxSessions?: number;
  /** Messages a drain works on at once for it (default 40: reading S3 and the ledger while every session sends). */
  messagesInFlight?: number;
  /**
   * Tell the primary who the original client was, when it advertises the
   * extension (adapters/smtp/forward-client.ts): "xclient" has it judge that
   * client as if it had connected itself, "xforward" only logs it. Absent: neither.
   */
  forwardClient?: ForwardClientMode;
}

export type ForwardClientMode = 'xclient' | 'xforward';

/** One route as the Lambdas see it: a primary and the queue holding its mail. */
export interface Route {
  name: string;
  domains: string[];
  primary: PrimaryServer;
  queueUrl: string;
  bouncePolicy: BouncePolicy;
  /** Seconds after arrival when a still-waiting message's sender gets one delay warning; 0 or absent = never. */
  delayWarningSeconds?: number;
  /** ARC-seal each message before delivery (RFC 8617); absent: no seal. */
  arc?: ArcSealing;
  /**
   * Notices (DSNs and delay warnings) this route may send in one UTC hour;
   * more are held for the operator (core/outcome/notice-sender.ts). Absent: the
   * engine's default (DEFAULT_NOTICES_PER_HOUR).
   */
  dsnPerHour?: number;
  /**
   * True when SES accepts any address in at least one of the route's domains
   * (no recipient list there): unknown users reach the primary, which refuses
   * them, and every refusal is a notice to whoever the envelope names.
   */
  anyRecipient?: boolean;
  /** The primary pushes the route's recipient list (core/recipients): the push's limits. Absent: the list is fixed at synth. */
  recipientSync?: { maxShrinkPercent: number; maxAddresses: number };
}

/** Who seals: d= and s= of the ARC set, and the secret holding the private key. */
export interface ArcSealing {
  domain: string;
  selector: string;
  keySecretName: string;
}

/** SES verdict values, as SES writes them. */
export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'DISABLED';

export interface Verdicts {
  spam: VerdictStatus;
  virus: VerdictStatus;
  spf: VerdictStatus;
  dkim: VerdictStatus;
  dmarc: VerdictStatus;
}

/**
 * A message SES accepted, as its notification describes it. The envelope
 * (sender, recipients) comes from the notification, never from headers.
 */
export interface InboundMessage {
  /** SES mail.messageId: also the S3 object's last key segment. */
  messageId: string;
  /** mail.timestamp: when SES accepted it; the queue lifetime counts from here. */
  receivedAt: Date;
  /** mail.source: the envelope sender; '' for the null sender <>. */
  sender: string;
  /** receipt.recipients: the envelope recipients the rule matched. */
  recipients: string[];
  bucketName: string;
  objectKey: string;
  verdicts: Verdicts;
  /** mail.commonHeaders.subject, for people reading queues; never used for routing. */
  subject?: string;
  /**
   * mail.commonHeaders.from as SES gives it ("Name <a@b>" entries): only for
   * the notice policy's DMARC alignment check (core/outcome/notice-policy.ts).
   */
  headerFrom?: string[];
  /**
   * Only on a queue entry the drain re-enqueued for some recipients after the
   * primary accepted others and the ledger refused the write
   * (deliver-message.ts): the envelope recipients of the copy SES delivered.
   * The copy key (core/message/message-copy.copyOf) and the done summary are that
   * whole copy's, so the entry indexed at accept time is the one finished.
   */
  copyRecipients?: string[];
  /** On such an entry: the recipients the primary accepted, until their ledger rows are written. */
  acceptedUnrecorded?: AcceptedUnrecorded[];
}

/** A recipient the primary accepted (2xx) whose ledger row could not be written then. */
export interface AcceptedUnrecorded {
  recipient: string;
  reply: SmtpReply;
  /** When the primary accepted it. */
  at: Date;
  /** Attempts for this recipient, that one included. */
  attempts: number;
}

/** A reply from an SMTP server, or a network failure that produced none. */
export interface SmtpReply {
  /** Three-digit reply code; undefined when no reply came (timeout, reset, TLS failure). */
  code?: number;
  /** Enhanced status code such as 4.2.0, when the server gave one. */
  enhanced?: string;
  /** The reply text, or a description of the network error. */
  text: string;
  /** Transport error code (ECONNECTION, ETIMEDOUT, ESOCKET, ETLS...) when no reply came. */
  errorCode?: string;
}

/** What one reply means for one recipient. */
export type Disposition = 'delivered' | 'deferred' | 'bounced';

/** A recipient's recorded state in the ledger. */
export type RecipientState = 'queued' | 'deferred' | 'delivered' | 'bounced' | 'expired' | 'dead-lettered';

/** Final states: a recipient in one of these is never attempted again. */
export const FINAL_STATES: readonly RecipientState[] = ['delivered', 'bounced', 'expired', 'dead-lettered'];

export interface RecipientOutcome {
  recipient: string;
  state: RecipientState;
  /** The reply that decided the state (absent while only queued). */
  reply?: SmtpReply;
  attempts: number;
  updatedAt: Date;
  /**
   * For a bounced or expired recipient: 'pending' is written before its notice
   * (DSN or dead letter) goes out and 'done' after, so a notice is sent once;
   * a 'pending' met later was never confirmed (see MessageOutcomes.confirmNotices).
   * 'due': bounced while other recipients of the message were still to be
   * tried in the same pass; reported in the message's one DSN when the pass
   * ends (settle-delivery.ts), or at expiry.
   */
  notice?: 'due' | 'pending' | 'done';
  /** For a bounced or expired recipient whose notice is done: what became of it. */
  noticeResult?: NoticeResult;
}

/**
 * Where a bounced or expired recipient's notice went: a DSN to the sender; a
 * dead letter (an operator must look); suppressed (the primary refused the
 * recipient and the return path did not authenticate: nobody to tell); held
 * for the operator (the route's hourly budget was spent, or SES sending was
 * paused); or, after being held, discarded by the operator.
 */
export interface NoticeResult {
  kind: 'dsn' | 'dead-letter' | 'suppressed' | 'held' | 'discarded';
  /** Why it was not a DSN (absent for 'dsn'). */
  why?: string;
}

/** One delivery attempt, kept for `backup-mx show`. */
export interface AttemptRecord {
  messageId: string;
  recipient: string;
  at: Date;
  relay: string;
  state: RecipientState;
  reply: SmtpReply;
  delaySeconds: number;
}

export type PrimaryStatus = 'up' | 'down' | 'unknown';

/** The probe's latest view of a primary. */
export interface PrimaryHealth {
  route: string;
  status: PrimaryStatus;
  /** When the current status began. */
  since: Date;
  lastCheckAt: Date;
  latencyMs?: number;
  consecutiveFailures: number;
  lastError?: string;
  /** AUTH refusals in a row (core/policy/auth-backoff.ts); absent once AUTH succeeds. */
  authRefusals?: number;
  /** When the probe next tries AUTH; until then it checks without AUTH and the route stays down. */
  authRetryAt?: Date;
  /** A short digest of the refused username and password (never the password): a changed secret is tried at once. */
  refusedCredentials?: string;
}

/** Why a message went to the dead-letter store. */
export type DeadLetterReason =
  | 'malformed-notification'
  | 'unknown-route'
  | 'loop-detected'
  | 'virus'
  | 'bounced'
  | 'expired'
  | 'object-missing'
  | 'poison'
  /** In the bucket, but its notification never reached the queue (SES gave up publishing). */
  | 'not-queued';

export interface DeadLetterRecord {
  messageId: string;
  route?: string;
  reason: DeadLetterReason;
  detail: string;
  at: Date;
  /** The raw queue body (the SES notification), so it can be requeued. */
  notification: string;
  /** Where the raw bytes stay, when known. */
  objectKey?: string;
  /**
   * Which copy of the message (core/message/message-copy: a digest of the notification's
   * recipients), when the notification could be read: a route split over several
   * receipt rules gets one copy per rule, each with its own dead letter.
   */
  copy?: string;
}
