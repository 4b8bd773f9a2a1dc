// Turns SMTP reply text and nodemailer errors into the core's SmtpReply.
import type { SmtpReply } from '../../core/model.js';

/** The fields of a nodemailer error this adapter reads. */
export interface NodemailerErrorLike {
  message: string;
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  /** For ETIMEDOUT: CONNECT_TIMEOUT, GREETING_TIMEOUT, UPGRADE_TIMEOUT or SOCKET_TIMEOUT. */
  timeoutType?: string;
  recipient?: string;
  rejectedErrors?: NodemailerErrorLike[];
}

const LINE = /^(\d{3})[ -]?(.*)$/;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)/;

/**
 * Parses a (possibly multi-line, '\n'-joined) reply such as
 * "451 4.3.0 Try again later" into code, enhanced code and text.
 * Text without a leading three-digit code comes back with no code.
 */
export function parseReply(raw: string): SmtpReply {
  const lines = raw.split(/\r?\n/).filter((l) => l.length > 0);
  const first = LINE.exec(lines[0] ?? '');
  if (!first) return { text: raw.trim() };
  const code = Number(first[1]);
  let enhanced: string | undefined;
  const texts = lines.map((line) => {
    const m = LINE.exec(line);
    let text = m && m[1] === first[1] ? m[2] : line;
    const e = ENHANCED.exec(text);
    if (e && e[1][0] === first[1][0]) {
      enhanced ??= e[1];
      text = text.slice(e[0].length);
    }
    return text.trim();
  });
  const reply: SmtpReply = { code, text: texts.filter(Boolean).join(' ') };
  if (enhanced) reply.enhanced = enhanced;
  return reply;
}

/**
 * The reply of a transaction-level error (a server answer to MAIL, RCPT or DATA):
 * the server's reply when it gave one, else the error description.
 */
export function replyOfError(err: NodemailerErrorLike): SmtpReply {
  if (err.response) {
    const reply = parseReply(err.response);
    if (reply.code !== undefined) return reply;
  }
  return { text: describe(err), ...(err.code ? { errorCode: err.code } : {}) };
}

/**
 * The reply for a failed session (connect, greeting, TLS, AUTH, drop, timeout).
 * A session failure says nothing about a recipient, so a 5xx seen during it (a
 * 554 greeting, a 535 AUTH refusal) is kept in the text only: no code, and the
 * message is deferred, never bounced. A 4xx (421) keeps its code.
 */
export function sessionFailureReply(err: NodemailerErrorLike): SmtpReply {
  const parsed = err.response ? parseReply(err.response) : undefined;
  const reply: SmtpReply = { text: describe(err), errorCode: isTlsFailure(err) ? 'ETLS' : (err.code ?? 'ECONNECTION') };
  if (parsed?.code !== undefined && parsed.code >= 400 && parsed.code < 500) {
    reply.code = parsed.code;
    if (parsed.enhanced) reply.enhanced = parsed.enhanced;
  }
  return reply;
}

/**
 * Certificate and handshake failures reach nodemailer as socket errors (ESOCKET);
 * the Node/OpenSSL code (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID,
 * ERR_SSL_...) tells them apart, and they are reported as ETLS.
 */
function isTlsFailure(err: NodemailerErrorLike): boolean {
  return err.code === 'ETLS' || /CERT|SSL|TLS|ISSUER|SIGNATURE/.test(err.originalCode ?? '');
}

/** "Greeting never received (ETIMEDOUT)", "connect ECONNREFUSED 127.0.0.1:25". */
function describe(err: NodemailerErrorLike): string {
  const where = err.command && err.command !== 'CONN' && err.command !== 'API' ? `${err.command}: ` : '';
  const detail = err.timeoutType ?? err.originalCode;
  const system = detail && !err.message.includes(detail) ? ` (${detail})` : '';
  return `${where}${err.message}${system}`;
}
