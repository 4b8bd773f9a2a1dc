// SMTP delivery to a primary with nodemailer's SMTPConnection, pooled: a session
// is opened on first use and reused for the following messages (RSET after a
// refused transaction), up to `maxConnections` sessions for concurrent sends,
// opened with a slow start and cut back when the primary pushes back (see
// core/drain/session-window.ts): a refused new session while others work is a limit,
// not an outage, and the send waits for a working session instead.
// With primary.forwardClient, the original client goes before MAIL FROM
// (forward-client.ts); a session that sent XCLIENT carries that one message.
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
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { PrimaryServer } from '../../core/model.js';
import { SessionWindow } from '../../core/drain/session-window.js';
import type { Envelope, MessageContent, SmtpTransport, SmtpTransportFactory, TransactionResult } from '../../core/drain/ports.js';
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
import { ForwardClientTeller } from './forward-client.js';
import type { DeliveryLog } from '../../core/runtime/ports.js';

export interface NodemailerTransportOptions {
  /** Name sent with EHLO (the deployment's host name). */
  clientName: string;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  /** Longest silence allowed while waiting for a reply or sending, ms. */
  socketTimeoutMs?: number;
  /** Sessions open at once to one primary; sends beyond it wait. Default 1; a primary's `maxSessions` overrides it. */
  maxConnections?: number;
  /** Sessions opened before deliveries grow the window (slow start); default 5. */
  initialSessions?: number;
  /** Where the credentials of a primary with `authSecretName` come from (SecretsSmtpAuth in Lambda). */
  auth?: SmtpCredentialSource;
  tls?: ExtraTlsOptions;
  /** Where a refused XCLIENT/XFORWARD, or a primary that does not offer it, is reported. */
  log?: Pick<DeliveryLog, 'info' | 'warn'>;
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
    const max = Math.max(1, primary.maxSessions ?? this.options.maxConnections ?? 1);
    return new PooledSmtpTransport(primary, session, max, credentials, onAuthRefused, this.options.initialSessions, this.options.log);
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
  /** Sends waiting for a session; woken with an error when every session failed to open. */
  private readonly waiters: ((failure?: NodemailerErrorLike) => void)[] = [];
  /** Sessions open or being opened. */
  private openCount = 0;
  /** Sessions established and not yet discarded. */
  private liveCount = 0;
  private sessionsOpened = 0;
  private peakLive = 0;
  private pushBacks = 0;
  private closed = false;
  private readonly teller: ForwardClientTeller;
  readonly window: SessionWindow;

  constructor(
    private readonly primary: PrimaryServer,
    private readonly session: SessionOptions,
    maxConnections: number,
    private readonly credentials?: SmtpCredentials,
    /** Called when a session fails with EAUTH, so the next one reads the secret again. */
    private readonly onAuthRefused?: () => void,
    initialSessions?: number,
    log?: NodemailerTransportOptions['log'],
  ) {
    this.window = new SessionWindow(maxConnections, initialSessions);
    this.teller = new ForwardClientTeller(primary, log);
  }

  /** Sessions opened so far (for tests and logs). */
  get connectionsOpened(): number {
    return this.sessionsOpened;
  }

  /** Most sessions established at once. */
  get peakSessions(): number {
    return this.peakLive;
  }

  /** New sessions the primary refused while others were working (each shrank the window). */
  get refusedSessions(): number {
    return this.pushBacks;
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
    const told = await this.teller.tell(conn, opened.client);
    // A session that sent XCLIENT speaks for that client now: used for this message only (forward-client.ts).
    const oneMessage = told?.command === 'XCLIENT';
    const outcome = told && 'failure' in told ? { err: told.failure, dotSent: false } : await sendMessage(conn, { from: envelope.from, to, size: envelope.size }, content);
    if (outcome.info) {
      this.window.delivered();
      this.refusals.set(conn, 0);
      if (oneMessage) this.retire(conn);
      else this.release(conn);
      return fromSuccess(to, outcome.info.response, outcome.info.rejectedErrors);
    }
    const err = outcome.err as NodemailerErrorLike;
    const refusals = rcptRefusals(conn);
    this.refusals.set(conn, refusedBefore + (refusals?.length ?? 0));
    if (oneMessage && !conn.destroyed) this.retire(conn);
    else if (isTransactionError(err) && !conn.destroyed && (await resetSession(conn))) this.release(conn);
    else this.discard(conn);
    if (!content.destroyed) content.destroy();
    const result = fromError(to, err, refusals, outcome.dotSent);
    // The primary answered, but not as XCLIENT needs (a later line refused, EHLO as that client refused):
    // this message waits its retry, and the primary is not down.
    if (told && 'failure' in told && err.responseCode !== undefined && err.responseCode !== 421) return { ...result, connectionFailed: false };
    if (err.responseCode === 421 && !outcome.dotSent && refusedBefore + (refusals?.length ?? 0) > 0) result.errorLimit = true;
    if (err.responseCode === 421) {
      this.window.throttled();
      // The primary sheds load on this session while others still work: this
      // message waits its retry (421 is a deferral), the route keeps going.
      if (!result.errorLimit && this.liveCount > 0) return { ...result, connectionFailed: false, afterData: false };
    }
    return result;
  }

  /** QUITs idle sessions; sessions still sending close when their message is done. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    this.openCount -= idle.length;
    this.liveCount -= idle.length;
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
        this.openCount--;
        this.liveCount--;
        if (!conn.destroyed) void quitSession(conn, 1_000); // a fresh session starts with no errors counted against us
        continue;
      }
      if (this.openCount < this.window.allowed) {
        this.openCount++;
        try {
          const fresh = await openSession(this.primary, this.session, this.credentials);
          this.sessionsOpened++;
          this.liveCount++;
          this.peakLive = Math.max(this.peakLive, this.liveCount);
          return { conn: fresh };
        } catch (error) {
          this.openCount--;
          if (this.openCount > 0 && !this.closed) {
            // Others work or may still: a limit, not (yet) an outage. Wait for them
            // instead of trying again; if they fail too, the last one reports it.
            this.pushBacks++;
            this.window.refused(this.openCount);
            continue;
          }
          // Nothing open and nothing opening: the primary is unreachable for every waiting send.
          for (const wake of this.waiters.splice(0)) wake(error as NodemailerErrorLike);
          return { error: error as NodemailerErrorLike };
        }
      }
      const failure = await new Promise<NodemailerErrorLike | undefined>((resolve) => this.waiters.push(resolve));
      if (failure) return { error: failure };
    }
  }

  /** Ends a session after its one message (QUIT), freeing its place for a fresh one. */
  private retire(conn: SMTPConnection): void {
    this.openCount--;
    this.liveCount--;
    void quitSession(conn, 1_000);
    this.wakeOne();
  }

  private release(conn: SMTPConnection): void {
    if (this.closed || conn.destroyed) return this.discard(conn);
    this.idle.push(conn);
    this.wakeOne();
  }

  private discard(conn: SMTPConnection): void {
    this.openCount--;
    this.liveCount--;
    if (this.closed && !conn.destroyed) void quitSession(conn, 1_000);
    else conn.close();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
