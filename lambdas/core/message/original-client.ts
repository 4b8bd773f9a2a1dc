// Who handed a message to SES, read from the Received header SES prepends to
// every stored message ("from <helo> (<reverse name> [<ip>]) by
// inbound-smtp.<region>.amazonaws.com with SMTP id <id> for <rcpt>; <date>",
// local/ses-standin/ses-headers.ts writes the same shape). Told to the primary
// with XCLIENT or XFORWARD (adapters/smtp/forward-client.ts), so it is parsed
// strictly: anything unexpected gives no client, and the message goes as it
// would without the feature.
//
// Which header: SES puts its block above the message it received, so SES's
// Received is the first Received field of the stored object. A sender can put
// any Received headers in their message, but only below SES's; and the drain
// reads the stored head before prepending its own trace header. A first
// Received field that is not SES's shape means something else wrote it:
// nothing is trusted then, rather than looking further down where the sender's
// own headers are.
import { ipFamily } from './ip-address.js';

export interface OriginalClient {
  /** The client's address: dotted IPv4, or IPv6 text (no brackets, no "IPv6:" tag). */
  addr: string;
  family: 4 | 6;
  /** Its reverse name as SES wrote it; undefined when SES wrote "unknown". */
  name?: string;
  /** What it said in EHLO/HELO: a host name or an address literal in brackets. */
  helo: string;
}

export type OriginalClientResult = { client: OriginalClient; reason?: undefined } | { client?: undefined; reason: string };

/** Longest unfolded SES Received field looked at; SES's is far shorter (names are ≤ 255). */
export const MAX_RECEIVED_FIELD = 1_000;
const MAX_NAME = 255;

const SES_BY_HOST = /^inbound-smtp\.[a-z0-9-]+\.amazonaws\.com$/i;
// from HELO (NAME [ADDR]) by HOST with SMTP id ID … — single spaces, as SES writes it.
const SES_RECEIVED = /^from (\S+) \((\S+) \[([^\]\s]+)\]\) by (\S+) with E?SMTPS?A? id ([A-Za-z0-9]+)(?: |;|$)/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const HELO_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
const ADDRESS_LITERAL = /^\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]$/i;

/** The original client named by SES's Received header in `head` (the stored object's header block). */
export function originalClient(head: string): OriginalClientResult {
  const field = firstReceived(head);
  if (field === undefined) return { reason: 'no Received header' };
  if (field.length > MAX_RECEIVED_FIELD) return { reason: 'first Received header is too long' };
  // Only printable ASCII: a control or 8-bit byte is not something SES writes.
  if (/[^\x20-\x7e]/.test(field)) return { reason: 'first Received header has bytes SES does not write' };
  const match = SES_RECEIVED.exec(field);
  if (!match) return { reason: "first Received header is not SES's shape" };
  const [, helo, name, rawAddr, byHost] = match as unknown as [string, string, string, string, string];
  if (!SES_BY_HOST.test(byHost)) return { reason: `first Received header is by ${byHost}, not SES` };
  const address = clientAddress(rawAddr);
  if (!address) return { reason: 'client address is not an IP address' };
  if (!validHelo(helo)) return { reason: 'client HELO is not a host name or address literal' };
  if (name.toLowerCase() === 'unknown') return { client: { ...address, helo } };
  if (!validHostName(name)) return { reason: 'client name is not a host name' };
  return { client: { ...address, name, helo } };
}

/** The first Received field's value, unfolded and trimmed; undefined when the head has none. */
function firstReceived(head: string): string | undefined {
  const lines = head.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line === '\r') return undefined; // end of the head
    const name = /^([!-9;-~]+)[ \t]*:/.exec(line);
    if (!name || name[1]!.toLowerCase() !== 'received') continue;
    let value = line.slice(name[0].length);
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) value += ' ' + lines[++i]!.replace(/^[ \t]+/, '');
    return value.replace(/^[ \t]+|[ \t]+$/g, '');
  }
  return undefined;
}

function clientAddress(raw: string): { addr: string; family: 4 | 6 } | undefined {
  const text = raw.replace(/^IPv6:/i, '');
  const family = ipFamily(text);
  if (family === 4) return { addr: text, family: 4 };
  if (family !== 6) return undefined;
  // An IPv4 client seen over IPv6: the primary's IPv4 rules should apply to it.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  return mapped ? { addr: mapped[1]!, family: 4 } : { addr: text.toLowerCase(), family: 6 };
}

/** A DNS name (letters, digits, hyphens; ≤ 63 per label, ≤ 255 in all; not all digits at the end). */
export function validHostName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > MAX_NAME) return false;
  const labels = bare.split('.');
  return labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

function validHelo(helo: string): boolean {
  if (helo.length > MAX_NAME) return false;
  const literal = ADDRESS_LITERAL.exec(helo);
  if (literal) return ipFamily(literal[1]!) !== 0;
  return HELO_NAME.test(helo) && !helo.includes('..');
}
