// What a test scripts on the ScriptedPrimary (greeting, MAIL FROM, RCPT TO, DATA: accept,
// reply, stall or drop) and its start options. The actions and what the primary
// records of each message are the SMTP peer's own (local/smtp-peer/peer-steps.ts).
import type { ConnectionInfo, DataAction, EnvelopeAction, GreetingAction, TransactionInfo } from '../../../local/smtp-peer/peer-steps.js';

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
  /** Client addresses allowed XCLIENT / XFORWARD (offered to them only). */
  xclientFrom?: string[];
  xforwardFrom?: string[];
}
