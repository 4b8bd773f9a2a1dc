// SMTP delivery to a primary with nodemailer's SMTPConnection, pooled: a session
// is opened on first use and reused for the following messages (RSET after a
// refused transaction), up to `maxConnections` sessions for concurrent sends.
//
// What reaches the primary (checked by test/integration/smtp): the message bytes
// are streamed (never buffered whole) through nodemailer's DATA encoder, which
// dot-stuffs lines starting with "." (undone by the server) and writes every line
// ending as CRLF: a bare LF or bare CR becomes CRLF (RFC 5321 §2.3.8 forbids them
// in DATA; they are an SMTP-smuggling vector), and CRLF is added when the message
// does not end with one. A message stored with CRLF line endings, as SES stores
// what it received over SMTP, arrives byte for byte. 8-bit bytes and lines longer
// than 998 bytes are passed unchanged (BODY=8BITMIME declared when offered; no
// folding, no 8-bit to 7-bit conversion: either would break DKIM signatures).
import type { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { PrimaryServer } from '../../core/model.js';
import type { Envelope, MessageContent, SmtpTransport, SmtpTransportFactory, TransactionResult } from '../../core/ports.js';
import { sessionFailureReply, type NodemailerErrorLike } from './smtp-reply.js';
import {
  openSession,
  quitSession,
  rcptRefusals,
  resetSession,
  sendMessage,
  type SessionOptions,
  type SmtpCredentials,
} from './smtp-session.js';
import { fromError, fromSuccess, isTransactionError, sameForAll } from './transaction-result.js';
import type { ExtraTlsOptions } from './tls-policy.js';

export interface NodemailerTransportOptions {
  /** Name sent with EHLO (the deployment's host name). */
  clientName: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /** Longest silence allowed while waiting for a reply or sending, ms. */
  socketTimeoutMs?: number;
  /** Sessions open at once to one primary; sends beyond it wait. Default 1. */
  maxConnections?: number;
  /** Where the credentials of a primary with `authSecretName` come from (SecretsSmtpAuth in Lambda). */
  auth?: SmtpCredentialSource;
  tls?: ExtraTlsOptions;
}

/** Resolves an AUTH secret name to credentials (the shape of aws/secrets-smtp-auth's SmtpAuthSource). */
export interface SmtpCredentialSource {
  credentials(secretName: string): Promise<SmtpCredentials>;
  /** Drops a cached copy; called when the primary refuses the credentials (EAUTH). */
  forget?(secretName: string): void;
}

/** The envelope; its `size` (bytes, when known) is sent as SIZE= when the primary offers it. */
export type SizedEnvelope = Envelope;

export class MissingCredentialsError extends Error {
  constructor(primary: PrimaryServer) {
    super(`primary ${primary.host}:${primary.port} names AUTH secret ${primary.authSecretName} but no credential source was given`);
    this.name = 'MissingCredentialsError';
  }
}

export class TransportClosedError extends Error {
  constructor() {
    super('send() called after close()');
    this.name = 'TransportClosedError';
  }
}

export class NodemailerTransportFactory implements SmtpTransportFactory {
  constructor(private readonly options: NodemailerTransportOptions) {}

  /**
   * Reads the AUTH secret when the primary names one (throws when that fails: a
   * transient error for the drain); connects lazily, on the first send.
   */
  async open(primary: PrimaryServer): Promise<PooledSmtpTransport> {
    let credentials: SmtpCredentials | undefined;
    if (primary.authSecretName) {
      if (!this.options.auth) throw new MissingCredentialsError(primary);
      credentials = await this.options.auth.credentials(primary.authSecretName);
    }
    const session: SessionOptions = {
      clientName: this.options.clientName,
      connectionTimeoutMs: this.options.connectionTimeoutMs ?? 10_000,
      greetingTimeoutMs: this.options.greetingTimeoutMs ?? 30_000,
      socketTimeoutMs: this.options.socketTimeoutMs ?? 60_000,
      tls: this.options.tls,
    };
    const secretName = primary.authSecretName;
    const onAuthRefused = secretName ? () => this.options.auth?.forget?.(secretName) : undefined;
    return new PooledSmtpTransport(primary, session, Math.max(1, this.options.maxConnections ?? 1), credentials, onAuthRefused);
  }
}

type Slot = { conn: SMTPConnection } | { error: NodemailerErrorLike };

/**
 * Recipients one session may have refused since its last delivery before the
 * next transaction goes on a fresh session: Postfix slows a client down past
 * smtpd_soft_error_limit (10) such errors and disconnects it at
 * smtpd_hard_error_limit (20), and dictionary spam must not trip either.
 */
export const SESSION_REFUSAL_BUDGET = 10;

export class PooledSmtpTransport implements SmtpTransport {
  private readonly idle: SMTPConnection[] = [];
  /** RCPT refusals per session since its last accepted message. */
  private readonly refusals = new WeakMap<SMTPConnection, number>();
  private readonly waiters: (() => void)[] = [];
  private openCount = 0;
  private sessionsOpened = 0;
  private closed = false;

  constructor(
    private readonly primary: PrimaryServer,
    private readonly session: SessionOptions,
    private readonly maxConnections: number,
    private readonly credentials?: SmtpCredentials,
    /** Called when a session fails with EAUTH, so the next one reads the secret again. */
    private readonly onAuthRefused?: () => void,
  ) {}

  /** Sessions opened so far (for tests and logs). */
  get connectionsOpened(): number {
    return this.sessionsOpened;
  }

  /**
   * Takes ownership of `content`: it is consumed, or destroyed when the message
   * cannot be sent, so the S3 connection behind it is released either way.
   */
  async send(envelope: SizedEnvelope, message: MessageContent): Promise<TransactionResult> {
    if (this.closed) throw new TransportClosedError();
    const to = envelope.to;
    const drop = () => typeof message !== 'function' && message.destroy();
    if (to.length === 0) {
      drop();
      return { replies: [], connectionFailed: false };
    }
    const slot = await this.acquire(to.length);
    if ('error' in slot) {
      if (slot.error.code === 'EAUTH') this.onAuthRefused?.();
      drop();
      return sameForAll(to, sessionFailureReply(slot.error), { connectionFailed: true, afterData: false });
    }
    const { conn } = slot;
    // Opened only now that a session is free: an S3 body must not idle while it waits for one.
    const opened = typeof message === 'function' ? await message().catch(() => undefined) : { body: message, size: envelope.size };
    if (!opened) {
      this.release(conn);
      return sameForAll(to, { text: 'not started', errorCode: 'ENOTSTARTED' }, { connectionFailed: false, notStarted: true });
    }
    const content = opened.body;
    envelope = { ...envelope, size: opened.size ?? envelope.size };
    const refusedBefore = this.refusals.get(conn) ?? 0;
    const outcome = await sendMessage(conn, { from: envelope.from, to, size: envelope.size }, content);
    if (outcome.info) {
      this.refusals.set(conn, 0);
      this.release(conn);
      return fromSuccess(to, outcome.info.response, outcome.info.rejectedErrors);
    }
    const err = outcome.err as NodemailerErrorLike;
    const refusals = rcptRefusals(conn);
    this.refusals.set(conn, refusedBefore + (refusals?.length ?? 0));
    if (isTransactionError(err) && !conn.destroyed && (await resetSession(conn))) this.release(conn);
    else this.discard(conn);
    if (!content.destroyed) content.destroy();
    const result = fromError(to, err, refusals, outcome.dotSent);
    if (err.responseCode === 421 && !outcome.dotSent && refusedBefore + (refusals?.length ?? 0) > 0) result.errorLimit = true;
    return result;
  }

  /** QUITs idle sessions; sessions still sending close when their message is done. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    this.openCount -= idle.length;
    for (const wake of this.waiters.splice(0)) wake();
    await Promise.all(idle.map((conn) => quitSession(conn, 1_000)));
  }

  /** A session for a transaction of `recipients`; one that refused too many since its last delivery is replaced. */
  private async acquire(recipients: number): Promise<Slot> {
    for (;;) {
      if (this.closed) return { error: { message: 'transport closed', code: 'ECONNECTION' } };
      const conn = this.idle.pop();
      if (conn) {
        const refused = this.refusals.get(conn) ?? 0;
        if (!conn.destroyed && (refused === 0 || refused + recipients <= SESSION_REFUSAL_BUDGET)) return { conn };
        if (conn.destroyed) this.openCount--; // the server closed it while idle
        else {
          this.openCount--;
          void quitSession(conn, 1_000); // a fresh session starts with no errors counted against us
        }
        continue;
      }
      if (this.openCount < this.maxConnections) {
        this.openCount++;
        try {
          const fresh = await openSession(this.primary, this.session, this.credentials);
          this.sessionsOpened++;
          return { conn: fresh };
        } catch (error) {
          this.openCount--;
          this.wakeOne();
          return { error: error as NodemailerErrorLike };
        }
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private release(conn: SMTPConnection): void {
    if (this.closed || conn.destroyed) return this.discard(conn);
    this.idle.push(conn);
    this.wakeOne();
  }

  private discard(conn: SMTPConnection): void {
    this.openCount--;
    if (this.closed && !conn.destroyed) void quitSession(conn, 1_000);
    else conn.close();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
