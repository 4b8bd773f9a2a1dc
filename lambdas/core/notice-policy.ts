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
//  - DKIM and DMARC are PASS and the return path's domain is the header From
//    domain or under it: DMARC PASS without SPF PASS means a DKIM signature
//    aligned with From verified, so the From domain sent it, and a return path
//    in that domain's own tree is its own. Relaxed alignment up to a parent
//    (bounce@example.com for From news.example.com) needs a public suffix list
//    and is not honoured: such senders nearly always pass SPF for their own
//    return path anyway. Exactly one From address, or no alignment.
// What this cannot stop: a domain the attacker owns (their SPF passes) or a
// DKIM-signed message replayed with a return path in the signer's domain; the
// route's hourly budget (notice-sender.ts) and the SES configuration set's
// automatic pause bound those.
//
// Then, by why the notice is due:
//  - bounced (the primary refused the recipient with a 5xx): with no
//    authenticated return path the notice is SUPPRESSED, recorded in the
//    ledger and counted, not dead-lettered: the primary decided, and there is
//    nobody to tell. This is a fourth way out of the queue beside 2xx, DSN and
//    dead letter (ARCHITECTURE.md invariant 1): the outcome is recorded before
//    the queue entry goes, and the raw message stays for the bucket's retention.
//  - expired (the primary never took it): a dead letter, as before, since the
//    mail never reached anyone and an operator must look.
// A virus FAIL is always a dead letter (quarantine), and a route whose bounce
// policy is 'dead-letter' dead-letters whatever the verdicts.
import type { BouncePolicy, InboundMessage } from './model.js';

export type NoticeDecision =
  | { kind: 'dsn' }
  | { kind: 'dead-letter'; why: string }
  | { kind: 'suppressed'; why: string };

/** Why a notice is due: the primary refused the recipient, or the queue lifetime ran out. */
export type NoticeReason = 'bounced' | 'expired';

export type ReturnPathCheck = { authenticated: true; how: string } | { authenticated: false; why: string };

/** The domain of an address or of one SES commonHeaders entry ("Name <a@b>"); undefined unless it holds exactly one. */
export function domainOf(entry: string): string | undefined {
  const unquoted = entry.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  // A group or list in one entry ("a@x, b@y"): not one address, so no alignment.
  if (/[,;]/.test(unquoted) || (unquoted.match(/@/g) ?? []).length !== 1 || (unquoted.match(/</g) ?? []).length > 1) return undefined;
  const bracketed = /<([^<>]*)>\s*$/.exec(unquoted);
  const address = (bracketed ? bracketed[1]! : unquoted).trim();
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = address.slice(at + 1).toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(domain) ? domain : undefined;
}

/** True when `domain` is `parent` or a subdomain of it (label-wise: evil-example.com is not under example.com). */
export function isWithin(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
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
  const returnPath = domainOf(message.sender);
  if (dkim === 'PASS' && dmarc === 'PASS' && returnPath) {
    const from = message.headerFrom ?? [];
    const fromDomain = from.length === 1 ? domainOf(from[0]!) : undefined;
    if (fromDomain && isWithin(returnPath, fromDomain)) return { authenticated: true, how: `DKIM and DMARC PASS for ${fromDomain}, which the return path is in` };
    return { authenticated: false, why: `return path not authenticated (SPF ${spf}; DMARC PASS is for the From domain ${fromDomain ?? '(not one address)'}, which does not contain ${returnPath})` };
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
