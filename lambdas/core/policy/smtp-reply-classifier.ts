// The one place that decides what an SMTP reply means for a recipient.
// The basic reply code decides; an enhanced status code only matters where
// the standards say it should (RFC 3463 X.2.2 "mailbox full" is a persistent
// *transient* condition; RFC 5321 §4.5.3.1.10: a 552 "too many recipients"
// is really a 452). When code and enhanced code disagree about the class, we
// defer: a later attempt or the expiry notice can still report it, while a
// wrong bounce cannot be taken back.
import type { Disposition, SmtpReply } from '../model.js';

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

function enhancedParts(reply: SmtpReply): [number, number, number] | undefined {
  const match = reply.enhanced ? ENHANCED.exec(reply.enhanced.trim()) : null;
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

// The primary wants STARTTLS or AUTH that we did not give it (RFC 3207 530,
// RFC 4954 530/535/538 and 5.7.8–5.7.11): the route's TLS mode or credentials
// are wrong. That is our misconfiguration, not the recipient's: never bounce on it.
const MISCONFIGURATION_CODES = new Set([530, 535, 538]);

/**
 * The errorCode of a session that ended before AUTH because the primary was not
 * authenticated (no TLS, or a certificate nobody checked): our credentials were
 * withheld (invariant 8). A route or network problem to fix, never a recipient's.
 */
export const AUTH_WITHHELD = 'EAUTHWITHHELD';
const MISCONFIGURATION_ENHANCED = new Set(['5.7.8', '5.7.9', '5.7.10', '5.7.11']);

/**
 * True when the reply says the primary needs TLS or AUTH the route is not set
 * up to give, or refused the route's credentials. A failed AUTH ends the
 * session, so the adapter reports it with no code (a session failure is no
 * verdict on a recipient) but with errorCode EAUTH: wrong password, AUTH not
 * offered, no usable mechanism; or AUTH_WITHHELD: we did not log in at all.
 */
export function isClientMisconfiguration(reply: SmtpReply): boolean {
  if (reply.code === undefined && (reply.errorCode === 'EAUTH' || reply.errorCode === AUTH_WITHHELD)) return true;
  if (reply.code === undefined || Math.floor(reply.code / 100) !== 5) return false;
  if (MISCONFIGURATION_CODES.has(reply.code)) return true;
  const enhanced = enhancedParts(reply);
  return enhanced !== undefined && MISCONFIGURATION_ENHANCED.has(enhanced.join('.'));
}

/**
 * Delivered (2xx), deferred (4xx, no reply, contradictory or odd replies, and
 * 5xx that blame our TLS/AUTH setup) or bounced (other 5xx).
 */
export function classifyReply(reply: SmtpReply): Disposition {
  const code = reply.code;
  if (code === undefined || !Number.isInteger(code)) return 'deferred';
  const klass = Math.floor(code / 100);
  const enhanced = enhancedParts(reply);
  if (klass === 2) return enhanced && enhanced[0] !== 2 ? 'deferred' : 'delivered';
  if (klass !== 5) return 'deferred'; // 4xx, and garbage (1xx, 3xx, 6xx+): try again later
  if (isClientMisconfiguration(reply)) return 'deferred';
  if (!enhanced) return code === 552 && /too many recipients/i.test(reply.text) ? 'deferred' : 'bounced';
  if (enhanced[0] !== 5) return 'deferred';
  if (enhanced[1] === 2 && enhanced[2] === 2) return 'deferred'; // mailbox full
  if (enhanced[1] === 5 && enhanced[2] === 3) return 'deferred'; // too many recipients
  return 'bounced';
}

// Network failures have no reply: a status that says what kind (RFC 3463).
const NO_ANSWER = new Set(['ECONNREFUSED', 'ECONNECTION', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EDNS', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * The DSN status for a reply: its enhanced code when it has one (with the
 * class brought in line with how we classified it), else the generic
 * X.0.0 of its class; network failures give 4.4.1 (no answer), 4.7.0 (TLS)
 * or 4.4.2 (connection lost).
 */
export function dsnStatus(reply: SmtpReply): string {
  const disposition = classifyReply(reply);
  const klass = disposition === 'delivered' ? 2 : disposition === 'deferred' ? 4 : 5;
  if (reply.code === undefined) {
    if (reply.errorCode === 'ETLS' || reply.errorCode === AUTH_WITHHELD) return '4.7.0';
    return reply.errorCode && NO_ANSWER.has(reply.errorCode) ? '4.4.1' : '4.4.2';
  }
  const enhanced = enhancedParts(reply);
  return enhanced ? `${klass}.${enhanced[1]}.${enhanced[2]}` : `${klass}.0.0`;
}

/** The reply as one line, for logs and Diagnostic-Code. */
export function formatReply(reply: SmtpReply): string {
  const text = reply.text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  if (reply.code === undefined) return reply.errorCode ? `${reply.errorCode}: ${text}` : text;
  const enhanced = reply.enhanced && !text.startsWith(reply.enhanced) ? `${reply.enhanced} ` : '';
  return `${reply.code} ${enhanced}${text}`.trim();
}
