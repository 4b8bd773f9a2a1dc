// What a test scripts on the ScriptedPrimary (greeting, MAIL FROM, RCPT TO, DATA: accept,
// reply, stall or drop), its start options, and what it records of each message it kept.

/** A reply the server sends: `451 4.3.0 text`. */
export interface Reply {
  code: number;
  enhanced?: string;
  text?: string;
}

export type GreetingAction = 'accept' | 'stall' | Reply;
/** For MAIL FROM and RCPT TO: 'drop' closes the socket without a reply. */
export type EnvelopeAction = 'accept' | 'stall' | 'drop' | Reply;
/**
 * After the client starts DATA. 'drop-mid-data' closes the socket on the first chunk
 * (nothing kept); 'drop-after-dot' keeps the message, then closes without replying
 * (the duplicate case); 'stall' reads the message and never answers (nothing kept);
 * a Reply answers after the final dot (nothing kept unless its code is 2xx).
 */
export type DataAction = 'accept' | 'stall' | 'drop-mid-data' | 'drop-after-dot' | Reply;

export interface ConnectionInfo {
  /** 1-based count of TCP connections since the primary was created (across restarts). */
  connection: number;
}

export interface TransactionInfo extends ConnectionInfo {
  /** 1-based number of the transaction on this connection. */
  transaction: number;
  from: string;
  /** Recipients accepted so far. */
  to: string[];
  secure: boolean;
}

export interface Script {
  greeting?: GreetingAction | ((c: ConnectionInfo) => GreetingAction);
  mailFrom?: EnvelopeAction | ((from: string, t: TransactionInfo) => EnvelopeAction);
  /** By address (others accepted), or a function. */
  rcpt?: Record<string, EnvelopeAction> | ((to: string, t: TransactionInfo) => EnvelopeAction);
  data?: DataAction | ((t: TransactionInfo) => DataAction);
  /** Wait this long after the final dot before replying; a kept message is recorded at the dot (a slow primary). */
  replyDelayMs?: number;
  /** Wait this long before the greeting: a primary that takes mail, but too slowly for a probe with a shorter step timeout. */
  greetingDelayMs?: number;
}

export interface ScriptedPrimaryOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** 'offer' (default): STARTTLS advertised; 'require': MAIL gets 530 before STARTTLS; 'off': not offered. */
  starttls?: 'offer' | 'require' | 'off';
  /** Defaults to smtp-server's built-in self-signed "localhost" certificate (expired: never verifies). */
  certificate?: { key: string; cert: string };
  /** When set, AUTH PLAIN/LOGIN is required (allowed without TLS) with these credentials. */
  auth?: { username: string; password: string };
  /** Advertised SIZE limit; bigger messages get 552 5.3.4. */
  size?: number;
  smtpUtf8?: boolean;
  eightBitMime?: boolean;
  pipelining?: boolean;
  /** 'raw' (default) keeps each message's bytes; 'digest' only its length and SHA-256 (huge messages). */
  keep?: 'raw' | 'digest';
  script?: Script;
  /** Idle timeout of the server side, ms (default 60 s). */
  socketTimeoutMs?: number;
}

/** A message the primary kept. */
export interface ReceivedMessage {
  queueId: string;
  /** Envelope sender; '' for MAIL FROM:<>. */
  from: string;
  to: string[];
  /** The DATA bytes with SMTP transparency undone (empty in 'digest' mode). */
  raw: Buffer;
  size: number;
  sha256: string;
  /** MAIL FROM parameters, e.g. { BODY: '8BITMIME', SMTPUTF8: true }. */
  mailParams: Record<string, string | true>;
  secure: boolean;
  user?: string;
  connection: number;
  transaction: number;
  /** True when the connection was dropped after the final dot: the client saw no reply. */
  droppedAfterDot: boolean;
}
