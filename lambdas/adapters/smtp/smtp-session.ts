// Promise wrappers around nodemailer's SMTPConnection: one session to a primary.
// SMTPConnection reports some failures only as 'error'/'end' events (a timeout
// during AUTH or RSET, for instance), so every step settles on its callback or
// on the connection failing, whichever comes first.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { PrimaryServer } from '../../core/model.js';
import type { NodemailerErrorLike } from './smtp-reply.js';
import { tlsPolicy, type ExtraTlsOptions } from './tls-policy.js';
import { assertMaySendCredentials } from './credential-gate.js';
import { pinRefusal } from './tls-pins.js';

export interface SessionOptions {
  /** Name sent with EHLO. */
  clientName: string;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  /** Inactivity allowed while waiting for any reply (or sending), ms. */
  socketTimeoutMs: number;
  tls?: ExtraTlsOptions;
}

export interface SmtpCredentials {
  username: string;
  password: string;
}

export interface SendOutcome {
  info?: { response: string; rejectedErrors?: NodemailerErrorLike[] };
  err?: NodemailerErrorLike;
  /** The whole message had been handed to the connection, so the final dot may have gone out. */
  dotSent: boolean;
}

type Done<T> = (err?: Error | null, value?: T) => void;

/** Runs one step of `conn`, settling on its callback or on the connection failing first. */
export function settle<T>(conn: SMTPConnection, start: (done: Done<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    const finish: Done<T> = (err, value) => {
      if (finished) return;
      finished = true;
      conn.off('error', onError);
      conn.off('end', onEnd);
      if (err) reject(err);
      else resolve(value as T);
    };
    const onError = (err: Error) => finish(err);
    // 'end' can come just before the callback that carries the server's last
    // reply (a 421): give that callback a turn first.
    const onEnd = () =>
      setImmediate(() => finish(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' })));
    conn.on('error', onError);
    conn.once('end', onEnd);
    start(finish);
  });
}

export class AuthNotOfferedError extends Error {
  readonly code = 'EAUTH';
  constructor(host: string) {
    super(`AUTH: credentials are configured but ${host} does not offer AUTH`);
    this.name = 'AuthNotOfferedError';
  }
}

/** What this module reads of SMTPConnection's internals (nodemailer has no public hook between the TLS handshake and its EHLO). */
interface ConnectionInternals {
  _socket?: Socket;
  _upgradeConnection?: (callback: (err?: Error | null, secured?: boolean) => void) => void;
}

/**
 * With tls "fingerprint", nodemailer must not say anything on the upgraded
 * socket before its certificate matched a pin; it writes EHLO in the very
 * callback of its handshake, so the check runs inside that callback. A
 * mismatch fails the session as a TLS error (ETLS): deferred, like a failed
 * `verify`. Throws when nodemailer no longer has the method, rather than
 * running unchecked (test/security/credentials-mitm.test.ts would fail too).
 */
function checkPinOnUpgrade(conn: SMTPConnection, primary: PrimaryServer): void {
  const internals = conn as unknown as ConnectionInternals;
  const upgrade = internals._upgradeConnection;
  if (typeof upgrade !== 'function') throw new Error('nodemailer has no _upgradeConnection: tls "fingerprint" cannot be checked');
  internals._upgradeConnection = (callback) =>
    upgrade.call(conn, (err, secured) => {
      const refusal = !err && secured ? pinRefusal(internals._socket as TLSSocket, primary) : undefined;
      if (refusal !== undefined) {
        internals._socket?.destroy();
        return callback(new Error(refusal));
      }
      callback(err, secured);
    });
}

/**
 * Connects, reads the greeting, EHLO, STARTTLS per the route's mode (the pin
 * checked for "fingerprint"), AUTH when credentials are given — only past
 * credential-gate, whatever the mode.
 */
export async function openSession(
  primary: PrimaryServer,
  options: SessionOptions,
  credentials?: SmtpCredentials,
): Promise<SMTPConnection> {
  const policy = tlsPolicy(primary.tls, primary.host, options.tls);
  const conn = new SMTPConnection({
    host: primary.host,
    port: primary.port,
    secure: false,
    name: options.clientName,
    connectionTimeout: options.connectionTimeoutMs,
    greetingTimeout: options.greetingTimeoutMs,
    socketTimeout: options.socketTimeoutMs,
    socketCloseTimeout: 1_000,
    ignoreTLS: !policy.useStartTls,
    requireTLS: policy.requireStartTls,
    opportunisticTLS: policy.useStartTls && !policy.requireStartTls,
    tls: policy.tls,
  });
  // Failures also come back through the callbacks; this only keeps an 'error'
  // on an idle connection from crashing the process.
  conn.on('error', () => undefined);
  try {
    if (primary.tls === 'fingerprint') checkPinOnUpgrade(conn, primary);
    await settle<void>(conn, (done) => conn.connect((err) => done(err)));
    if (credentials) {
      // Not on a session whose peer nobody authenticated, whatever the route says.
      assertMaySendCredentials((conn as unknown as ConnectionInternals)._socket, primary);
      // Sending without the configured AUTH would risk 5xx "relay denied" bounces.
      if (!conn.allowsAuth) throw new AuthNotOfferedError(primary.host);
      await settle<boolean>(conn, (done) => conn.login({ user: credentials.username, pass: credentials.password }, done));
    }
    return conn;
  } catch (err) {
    conn.close();
    throw err;
  }
}

/** Sends one message; never rejects. */
export async function sendMessage(
  conn: SMTPConnection,
  envelope: { from: string; to: string[]; size?: number },
  content: Readable,
): Promise<SendOutcome> {
  let dotSent = false;
  content.once('end', () => {
    dotSent = true;
  });
  try {
    // use8BitMime: BODY=8BITMIME is declared when offered; the bytes go out unchanged either way.
    const info = await settle<SendOutcome['info']>(conn, (done) =>
      conn.send({ from: envelope.from, to: envelope.to, size: envelope.size, use8BitMime: true }, content, done),
    );
    return { info, dotSent };
  } catch (err) {
    return { err: err as NodemailerErrorLike, dotSent };
  }
}

/**
 * RCPT refusals of the transaction in progress. nodemailer puts them on the
 * error only when every recipient was refused; for a refusal after DATA they
 * are only on its internal envelope, read here before RSET clears it.
 */
export function rcptRefusals(conn: SMTPConnection): NodemailerErrorLike[] | undefined {
  const envelope = (conn as unknown as { _envelope?: { rejectedErrors?: NodemailerErrorLike[] } | false })._envelope;
  return envelope ? envelope.rejectedErrors : undefined;
}

/** RSET after a refused transaction; false when the session is no longer usable. */
export async function resetSession(conn: SMTPConnection): Promise<boolean> {
  try {
    return await settle<boolean>(conn, (done) => conn.reset(done));
  } catch {
    return false;
  }
}

/** QUIT, then close whatever the server does. */
export async function quitSession(conn: SMTPConnection, timeoutMs: number): Promise<void> {
  if (conn.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      conn.close();
      resolve();
    }, timeoutMs);
    conn.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    conn.quit();
  });
}
