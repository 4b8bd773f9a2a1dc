// What an envelope address may look like before we put it in MAIL FROM, RCPT
// TO or any header we write: RFC 5321 §4.1.2 Mailbox, ASCII only (SES does not
// offer SMTPUTF8, so a sender cannot hand it a UTF-8 address), with two
// choices of our own:
//
// - The domain is strict: dot-separated labels of letters, digits and inner
//   hyphens (at most 63 each, 255 in all), or an IPv4 / IPv6 address literal.
//   RFC 5321's General-address-literal is left out: its content may hold `;`,
//   `(`, `,` and quotes, which mean something in the headers we write.
// - The unquoted local part is lenient about dots, as Postfix is by default:
//   `a..b@` and `a.@` (sent by some Japanese mobile carriers' users) are
//   delivered, not refused. The characters are still only RFC 5322 atext.
//   A Quoted-string local part may hold spaces and quoted pairs, never angle
//   brackets (nodemailer refuses them in any envelope address).
//
// The local part's length is not limited: SRS and BATV senders go past
// RFC 5321's 64 octets, and the primary is the judge of what it accepts.

/** RFC 5322 atext: the characters of an atom. */
const ATEXT = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~";
const DOTTED_LOCAL = `\\.*[${ATEXT}][${ATEXT}.]*`;
/** qtextSMTP and quoted-pairSMTP without `<` and `>`. */
const QUOTED_LOCAL = String.raw`"(?:[\x20\x21\x23-\x3b\x3d\x3f-\x5b\x5d-\x7e]|\\[\x20-\x3b\x3d\x3f-\x7e])*"`;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN = `${LABEL}(?:\\.${LABEL})*`;
const ADDRESS_LITERAL = String.raw`\[(?:\d{1,3}(?:\.\d{1,3}){3}|[Ii][Pp][Vv]6:[0-9A-Fa-f:.]{2,45})\]`;

const MAILBOX = new RegExp(`^(?:${DOTTED_LOCAL}|${QUOTED_LOCAL})@(?:${DOMAIN}|${ADDRESS_LITERAL})$`);
const DOMAIN_NAME = new RegExp(`^${DOMAIN}$`);
const DOT_ATOM = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`);
const MAX_DOMAIN = 255;

/** True when `address` is a mailbox we accept in an envelope (see above). */
export function isMailbox(address: string): boolean {
  if (!MAILBOX.test(address)) return false;
  return address.length - address.lastIndexOf('@') - 1 <= MAX_DOMAIN;
}

/** Local part and domain, split at the last `@` (a quoted local part may hold one); undefined without one. */
export function splitMailbox(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** A host name as DKIM's domain-name (RFC 6376 §3.5): letters, digits, inner hyphens; no address literal. */
export function isDomainName(domain: string): boolean {
  return domain.length <= MAX_DOMAIN && DOMAIN_NAME.test(domain);
}

/** RFC 5322 dot-atom-text: atoms joined by single dots. */
export function isDotAtom(local: string): boolean {
  return DOT_ATOM.test(local);
}

/** The content a local part stands for: a quoted-string unquoted and its quoted pairs undone; any other local part as it is. */
export function localPartContent(local: string): string {
  if (local.length < 2 || !local.startsWith('"') || !local.endsWith('"')) return local;
  return local.slice(1, -1).replace(/\\([\s\S])/g, '$1');
}
