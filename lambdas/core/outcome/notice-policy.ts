// Who is told about mail we cannot deliver, and how. A DSN or a delay warning
// goes only to a return path that authenticated: any other "sender" is
// whatever the envelope claims, and a spammer who forges it would have us mail
// strangers through the user's own SES account (backscatter). Those notices
// bounce and count: SES reviews an account at a 5 % bounce rate and may pause
// all of its sending at 10 %, the user's other applications included.
//
// A return path authenticated (SES's verdicts, from the notification) when:
//  - SPF is PASS: SPF (RFC 7208 §2.4) checks the MAIL FROM identity (the HELO
//    name only for the null sender, which never gets a notice); SES's stored
//    Received-SPF header names it as envelope-from. The sending host may use
//    that return path; or
//  - DKIM and DMARC are PASS and the return path IS the header From address
//    (exactly one From; domain compared without case, local part as given).
//    DKIM and DMARC vouch for the header From only, never for the envelope:
//    MAIL FROM is not signed, so anyone holding one message signed by a large
//    provider can replay it unchanged with a return path of their choosing,
//    and "any address in the From domain's tree" would earn a DSN to an
//    address the signer never used (a made-up subdomain has no SPF record:
//    GRAY, not FAIL), a hard bounce against the user's account each time.
//    The From address itself is the one the signature covers. Senders whose
//    bounce address differs from From (bounces@mail.example.com for
//    news@example.com) nearly always pass SPF for it anyway.
// What this cannot stop: a domain the attacker owns (their SPF passes) or a
// replayed DKIM-signed message whose return path is the signer's own From
// (one address, which SES's suppression list then stops after one bounce);
// the route's hourly budget (notice-sender.ts) and the SES configuration
// set's automatic pause bound those.
//
// Then, by why the notice is due:
//  - bounced (the primary refused the recipient with a 5xx): with no
//    authenticated return path the notice is SUPPRESSED, recorded in the
//    ledger and counted, not dead-lettered: the primary decided, and there is
//    nobody to tell. This is a fourth way out of the queue beside 2xx, DSN and
//    dead letter (docs/architecture.md invariant 1): the outcome is recorded before
//    the queue entry goes, and the raw message stays for the bucket's retention.
//  - expired (the primary never took it): a dead letter, as before, since the
//    mail never reached anyone and an operator must look.
// A virus FAIL is always a dead letter (quarantine), and a route whose bounce
// policy is 'dead-letter' dead-letters whatever the verdicts.
import type { BouncePolicy, InboundMessage } from '../model.js';

export type NoticeDecision =
  | { kind: 'dsn' }
  | { kind: 'dead-letter'; why: string }
  | { kind: 'suppressed'; why: string };

/** Why a notice is due: the primary refused the recipient, or the queue lifetime ran out. */
export type NoticeReason = 'bounced' | 'expired';

export type ReturnPathCheck = { authenticated: true; how: string } | { authenticated: false; why: string };

/** An address split at its last "@": the local part as written, the domain lower-cased without a final dot. */
export interface MailAddress {
  local: string;
  domain: string;
}

const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** The one address of an envelope address or of an SES commonHeaders entry ("Name <a@b>"); undefined unless it holds exactly one. */
export function addressOf(entry: string): MailAddress | undefined {
  // Quoted strings masked with as many characters, so positions still match the entry.
  const masked = entry.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => `"${'q'.repeat(quoted.length - 2)}"`);
  // A group or list in one entry ("a@x, b@y"): not one address, so no alignment.
  if (/[,;]/.test(masked) || (masked.match(/@/g) ?? []).length !== 1 || (masked.match(/</g) ?? []).length > 1) return undefined;
  const bracketed = /<([^<>]*)>\s*$/.exec(masked);
  const start = bracketed ? bracketed.index + 1 : 0;
  const address = (bracketed ? entry.slice(start, start + bracketed[1]!.length) : entry).trim();
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = address.slice(at + 1).toLowerCase().replace(/\.$/, '');
  return DOMAIN.test(domain) ? { local: address.slice(0, at), domain } : undefined;
}

/** The domain of an address or of one SES commonHeaders entry; undefined unless it holds exactly one. */
export function domainOf(entry: string): string | undefined {
  return addressOf(entry)?.domain;
}

/** Whether two addresses are one mailbox: the same local part as written (RFC 5321 §2.4 lets its owner tell case apart), the same domain. */
export function sameAddress(a: MailAddress, b: MailAddress): boolean {
  return a.local === b.local && a.domain === b.domain;
}

/** Whether the message's return path (envelope sender) authenticated; see the rules above. */
export function checkReturnPath(message: InboundMessage): ReturnPathCheck {
  const { spam, spf, dkim, dmarc } = message.verdicts;
  if (message.sender === '') return { authenticated: false, why: 'null sender' };
  // Verdicts that say the sender is probably forged or the mail unwanted: never a notice.
  if (spam === 'FAIL') return { authenticated: false, why: 'spam verdict FAIL' };
  if (spf === 'FAIL') return { authenticated: false, why: 'SPF verdict FAIL' };
  if (dmarc === 'FAIL') return { authenticated: false, why: 'DMARC verdict FAIL' };
  if (spf === 'PASS') return { authenticated: true, how: 'SPF PASS for the return path' };
  const returnPath = addressOf(message.sender);
  if (dkim === 'PASS' && dmarc === 'PASS' && returnPath) {
    const from = message.headerFrom ?? [];
    const fromAddress = from.length === 1 ? addressOf(from[0]!) : undefined;
    if (fromAddress && sameAddress(returnPath, fromAddress)) return { authenticated: true, how: 'DKIM and DMARC PASS for the From address, which is the return path' };
    const signed = fromAddress ? `the From address ${fromAddress.local}@${fromAddress.domain}` : 'no single From address';
    return { authenticated: false, why: `return path not authenticated (SPF ${spf}; DKIM and DMARC PASS vouch for ${signed}, not for the return path ${message.sender})` };
  }
  return { authenticated: false, why: `return path not authenticated (SPF ${spf}, DKIM ${dkim}, DMARC ${dmarc})` };
}

export function noticeFor(message: InboundMessage, bouncePolicy: BouncePolicy, reason: NoticeReason): NoticeDecision {
  if (message.verdicts.virus === 'FAIL') return { kind: 'dead-letter', why: 'virus verdict FAIL' };
  if (bouncePolicy === 'dead-letter') return { kind: 'dead-letter', why: "route bounce policy is 'dead-letter'" };
  const returnPath = checkReturnPath(message);
  if (returnPath.authenticated) return { kind: 'dsn' };
  return reason === 'bounced' ? { kind: 'suppressed', why: returnPath.why } : { kind: 'dead-letter', why: returnPath.why };
}

/** A delay warning goes where a DSN would: to an authenticated return path on a route that sends DSNs. */
export function delayWarningAllowed(message: InboundMessage, bouncePolicy: BouncePolicy): { allowed: true } | { allowed: false; why: string } {
  const decision = noticeFor(message, bouncePolicy, 'bounced');
  return decision.kind === 'dsn' ? { allowed: true } : { allowed: false, why: decision.why };
}

/** Virus-positive mail is never delivered: it is quarantined (dead-letter reason 'virus'). */
export function mustQuarantine(message: InboundMessage): boolean {
  return message.verdicts.virus === 'FAIL';
}
