// The one trace header we prepend (RFC 5321 §4.4). Each clause goes on its
// own folded line so no line comes near the 998-byte limit. "for <address>"
// only when there is exactly one recipient (naming several would show Bcc
// recipients to everyone) and it is a mailbox that fits a path: the local part
// is the sender's choice (header-values.ts).
import { headerMailbox } from './header-values.js';
import { rfc5322Date } from './rfc5322-date.js';

export interface ReceivedHeaderInput {
  /** The host that handed us the message (SES's inbound endpoint). */
  fromHost: string;
  /** Our own name (settings.hostname). */
  byHost: string;
  messageId: string;
  recipients: string[];
  at: Date;
  /** '\r\n' (default) or '\n', to match the message's own line endings. */
  newline?: '\r\n' | '\n';
}

const MAX_LINE = 990;
const clean = (s: string) => s.replace(/[\s()<>;]+/g, '');

export function receivedHeader(input: ReceivedHeaderInput): string {
  const nl = input.newline ?? '\r\n';
  const lines = [`Received: from ${clean(input.fromHost) || 'unknown'}`, `\tby ${clean(input.byHost) || 'unknown'} with ESMTP id ${clean(input.messageId)}`];
  const only = input.recipients.length === 1 ? headerMailbox(input.recipients[0]!) : undefined;
  if (only) lines.push(`\tfor <${only}>`);
  lines[lines.length - 1] += ';';
  lines.push(`\t${rfc5322Date(input.at)}`);
  return lines.map((line) => (line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line)).join(nl) + nl;
}

/** The `by` host of the first Received header in a head (SES's inbound host), if any. */
export function topReceivedByHost(head: string): string | undefined {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = /^Received:.*?\bby\s+([A-Za-z0-9.-]+)/im.exec(unfolded);
  return match?.[1];
}
