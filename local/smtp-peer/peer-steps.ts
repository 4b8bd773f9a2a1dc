// The vocabulary of the SMTP peer: what it does at each step of a session
// (accept, reply with a code, stall, drop the connection), what a step is told
// about the session, and what the peer records of each message it kept.

/** A reply the peer sends: `451 4.3.0 text`. */
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
  /** 1-based count of TCP connections since the peer was created (across restarts). */
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

/** Asked at each step; a step left out accepts. */
export interface PeerSteps {
  greeting?(c: ConnectionInfo): GreetingAction;
  /** Wait this long before the greeting (a primary too slow for a probe's step timeout). */
  greetingDelayMs?(): number;
  mailFrom?(from: string, t: TransactionInfo): EnvelopeAction;
  rcpt?(to: string, t: TransactionInfo): EnvelopeAction;
  data?(t: TransactionInfo): DataAction;
  /** Wait this long after the final dot before replying; a kept message is recorded at the dot (a slow primary). */
  replyDelayMs?(): number;
}

/** A message the peer kept. */
export interface ReceivedMessage {
  queueId: string;
  /** Envelope sender; '' for MAIL FROM:<>. */
  from: string;
  to: string[];
  /** The DATA bytes with SMTP transparency undone (empty unless the peer keeps 'raw'). */
  raw: Buffer;
  size: number;
  /** Hex SHA-256 of the DATA bytes ('' when the peer keeps only counts). */
  sha256: string;
  /** MAIL FROM parameters, e.g. { BODY: '8BITMIME', SMTPUTF8: true }. */
  mailParams: Record<string, string | true>;
  secure: boolean;
  user?: string;
  /** The client as the server saw it for this message (after XCLIENT, the one it named). */
  client?: { address: string; name: string; helo: string };
  /** What XFORWARD told for this message, when anything. */
  xforward?: Record<string, string | number | false>;
  connection: number;
  transaction: number;
  /** True when the connection was dropped after the final dot: the client saw no reply. */
  droppedAfterDot: boolean;
  /** When the final dot arrived. */
  at: Date;
}
