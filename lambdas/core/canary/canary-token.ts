// The canary's proof of origin: an HMAC-SHA256, with a key only the stack has
// (core/canary/canary-ports.ts CanaryKeys), over the canary address and the
// time it was sent, carried in the Subject. The Subject, not a header of our
// own: SES's notification carries it (mail.commonHeaders.subject), so neither
// the accept step nor the drain reads the stored object to recognise one.
// Kept under 78 characters so no hop folds it.
import { createHmac, timingSafeEqual } from 'node:crypto';

const SUBJECT_PREFIX = 'backup-mx canary v1';
/** 128 bits of the MAC, hex: enough against forgery, short enough for one unfolded line. */
const MAC_HEX_DIGITS = 32;
const SUBJECT = new RegExp(`^${SUBJECT_PREFIX} (\\d{1,15}) ([0-9a-f]{${MAC_HEX_DIGITS}})$`);

function mac(key: Buffer, address: string, sentAtMs: number): string {
  return createHmac('sha256', key).update(`${SUBJECT_PREFIX}\n${address.toLowerCase()}\n${sentAtMs}`).digest('hex').slice(0, MAC_HEX_DIGITS);
}

/** The Subject of a canary sent to `address` at `sentAt`. */
export function canarySubject(key: Buffer, address: string, sentAt: Date): string {
  const ms = sentAt.getTime();
  return `${SUBJECT_PREFIX} ${ms} ${mac(key, address, ms)}`;
}

/** True when the subject looks like a canary's (no key needed): only then is the key read. */
export function looksLikeCanarySubject(subject: string | undefined): boolean {
  return subject !== undefined && SUBJECT.test(subject.replace(/\s+/g, ' ').trim());
}

/**
 * When the canary was sent, if `subject` carries a MAC made with `key` for
 * `address`; undefined for anything else (a forged or mangled subject).
 */
export function verifyCanarySubject(key: Buffer, address: string, subject: string | undefined): Date | undefined {
  const match = subject === undefined ? null : SUBJECT.exec(subject.replace(/\s+/g, ' ').trim());
  if (!match) return undefined;
  const ms = Number(match[1]);
  const expected = Buffer.from(mac(key, address, ms), 'hex');
  const given = Buffer.from(match[2]!, 'hex');
  return timingSafeEqual(expected, given) ? new Date(ms) : undefined;
}
