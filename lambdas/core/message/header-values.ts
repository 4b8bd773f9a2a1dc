// How values a sender chose (envelope addresses, the subject) and values a
// server chose (its reply text) are written into the fields we generate: the
// ARC-Authentication-Results we sign, our Received trace, DSNs and delay
// warnings. Each writer returns a form no header parser can read as more than
// one value, or nothing, and the caller then leaves the value out.
import { isDomainName, isDotAtom, isMailbox, localPartContent, splitMailbox } from './mail-address.js';

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets. */
export const MAX_ADDRESS = 254;

/**
 * The address as an RFC 8601 pvalue (`[local-part] "@" domain-name`), for
 * `smtp.mailfrom=` in the ARC-Authentication-Results we sign; undefined when
 * the property must be left out (address literal, too long, not an address).
 *
 * The local part is written as a dot-atom when it is one, quoted when it
 * only has stray dots or an apostrophe (`"a..b."`, `"o'brien"`), and left
 * out otherwise (`@domain`, which RFC 8601 allows: SPF vouches for the domain,
 * not the local part). So the value never holds a space, `;`, `(`, `"`, `\`
 * or a quoted pair, which parsers of this header do not all read alike:
 * mailauth's own (what the primary may well run) ends a quoted string at an
 * escaped quote and opens one at a bare `'`, and either let a crafted local
 * part add or hide results in the header.
 */
export function authResultsMailFrom(address: string): string | undefined {
  if (address.length > MAX_ADDRESS || !isMailbox(address)) return undefined;
  const { local, domain } = splitMailbox(address)!;
  if (!isDomainName(domain)) return undefined;
  const content = localPartContent(local);
  if (isDotAtom(content) && !content.includes("'")) return `${content}@${domain}`;
  if (QUOTABLE.test(content)) return `"${content}"@${domain}`;
  return `@${domain}`;
}

/** RFC 5322 atext and dots: safe between double quotes for every parser. */
const QUOTABLE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+$/;

/**
 * The address for a header between angle brackets (`To: <…>`, the Received
 * `for <…>` clause): only an RFC 5321 mailbox (see mail-address.ts) that fits
 * a path; undefined otherwise, and the caller writes none.
 */
export function headerMailbox(address: string): string | undefined {
  return address.length <= MAX_ADDRESS && isMailbox(address) ? address : undefined;
}

/**
 * Free text (a subject, an SMTP reply, an address shown to a person) as one
 * line: every control character (CR, LF, NUL, TAB, DEL, C1) and Unicode line
 * or paragraph separator becomes a space, runs of spaces one, and the result
 * is cut to `max` characters (never inside a surrogate pair).
 */
export function headerText(text: string, max = 200): string {
  const line = text
    .replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return line.length <= max ? line : [...line].slice(0, max).join('');
}
