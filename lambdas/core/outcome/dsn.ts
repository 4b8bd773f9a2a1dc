// Builds an RFC 3464 delivery status notification (multipart/report) for
// recipients that bounced or expired. It goes from MAILER-DAEMON@<hostname>
// to the envelope sender with an empty envelope sender (<>, RFC 3464 §2), so
// no MTA answers it with a DSN of its own, and carries the original message's
// headers (text/rfc822-headers). It can still bounce where it counts: SES
// sends it with a MAIL FROM of its own and records every hard bounce and
// complaint against the account's reputation. So who gets one is decided
// elsewhere (notice-policy.ts: authenticated return paths only; notice-
// sender.ts: an hourly budget), and it goes through its own configuration set.
import { createHash } from 'node:crypto';
import type { InboundMessage, SmtpReply } from '../model.js';
import { headerMailbox, headerText, MAX_ADDRESS } from '../message/header-values.js';
import type { Envelope } from '../drain/ports.js';
import { rfc5322Date } from '../message/rfc5322-date.js';
import { formatReply } from '../policy/smtp-reply-classifier.js';

export interface FailedRecipient {
  recipient: string;
  /** RFC 3463 status, e.g. 5.1.1, or 4.4.7 for an expired message. */
  status: string;
  /** The reply that decided it, when there was one. */
  reply?: SmtpReply;
}

export interface DsnInput {
  /** Our host name: Reporting-MTA and the MAILER-DAEMON address. */
  hostname: string;
  message: InboundMessage;
  recipients: FailedRecipient[];
  /** The original header block (as stored), or undefined when it could not be read. */
  originalHeaders?: Buffer | string;
  /** The primary we tried (Remote-MTA). */
  remoteMta?: string;
  /** Why: a permanent failure, or the queue lifetime ran out. */
  reason: 'bounced' | 'expired';
  now: Date;
}

export interface Dsn {
  raw: string;
  /** MAIL FROM:<> to the original envelope sender. */
  envelope: Envelope;
}

const CRLF = '\r\n';
const toCrlf = (text: string) => text.replace(/\r?\n/g, CRLF);

/** A server's reply as one line (it may echo what the sender wrote). */
export const replyText = (reply: SmtpReply) => headerText(formatReply(reply), 2000);

/** Folds a long field at spaces so every line stays well under 998 bytes. */
function fold(line: string, width = 76): string {
  if (line.length <= width) return line;
  const out: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      out.push(current);
      current = ` ${word}`;
    } else current = current ? `${current} ${word}` : word;
  }
  out.push(current);
  return out.map((l) => (l.length > 990 ? l.slice(0, 990) : l)).join(CRLF);
}

/** Wraps plain text at spaces (continuation lines indented) for the human-readable part. */
function wrap(line: string): string {
  return fold(line, 76);
}

/**
 * Bytes of per-recipient text (the human lines and the delivery-status fields
 * together) one DSN carries at most; the recipients past it are counted in a
 * summary line. A message to 2,000 refused addresses would otherwise give a
 * DSN of megabytes (a reply may be 2,000 characters): SES sends up to 40 MB,
 * but a held notice is kept whole in one DynamoDB item (400 KB), with the
 * original headers (up to 64 KB, notice-sender.ts) and the recipient list.
 */
export const DSN_RECIPIENT_TEXT_MAX_BYTES = 128 * 1024;

interface Listed {
  human: string[];
  status: string[];
  omitted: number;
}

/** Each recipient's human line and delivery-status fields, in order, until the byte budget is spent. */
function listRecipients(input: DsnInput, maxBytes: number): Listed {
  const listed: Listed = { human: [], status: [], omitted: 0 };
  let bytes = 0;
  for (const [i, r] of input.recipients.entries()) {
    const human = wrap(`<${headerText(r.recipient, MAX_ADDRESS)}>: ${r.reply ? replyText(r.reply) : `status ${r.status}`}`);
    const fields = [`Final-Recipient: rfc822; ${headerText(r.recipient, MAX_ADDRESS)}`, 'Action: failed', `Status: ${r.status}`];
    if (input.remoteMta) fields.push(`Remote-MTA: dns; ${input.remoteMta}`);
    if (r.reply?.code !== undefined) fields.push(fold(`Diagnostic-Code: smtp; ${replyText(r.reply)}`));
    else if (r.reply) fields.push(fold(`Diagnostic-Code: X-backup-mx; ${replyText(r.reply)}`));
    const status = fields.join(CRLF);
    bytes += Buffer.byteLength(human) + Buffer.byteLength(status) + 3 * CRLF.length;
    if (bytes > maxBytes && i > 0) {
      listed.omitted = input.recipients.length - i;
      break;
    }
    listed.human.push(human);
    listed.status.push(status);
  }
  return listed;
}

function humanPart(input: DsnInput, listed: Listed): string {
  // One report may hold refusals of a pass and recipients whose time ran out: say which is which by status class.
  const refused = input.recipients.some((r) => r.status.startsWith('5.'));
  const expired = input.recipients.some((r) => !r.status.startsWith('5.'));
  const why =
    refused && expired
      ? 'Your message could not be delivered to the recipients below: the destination server refused some of them permanently (status 5.x.x), and for the others (status 4.x.x) the time it may wait in our queue ran out. We have given up on all of them.'
      : input.reason === 'expired' && !refused
        ? 'Your message could not be delivered to the recipients below before the time it may wait in our queue ran out. We have given up.'
        : 'Your message could not be delivered to the recipients below: the destination server refused it permanently.';
  const lines = [
    `This is the mail system at ${input.hostname}, a backup mail exchanger.`,
    '',
    why,
    '',
    ...listed.human,
    ...(listed.omitted > 0
      ? ['', wrap(`... and ${listed.omitted} more recipients, not listed here: ${input.recipients.length} in all failed, and this report lists the first ${listed.human.length} to stay within ${DSN_RECIPIENT_TEXT_MAX_BYTES / 1024} KB.`)]
      : []),
    '',
    'The technical report and the headers of your message follow.',
  ];
  return lines.join(CRLF);
}

function deliveryStatusPart(input: DsnInput, listed: Listed): string {
  const message = [`Reporting-MTA: dns; ${input.hostname}`, `Arrival-Date: ${rfc5322Date(input.message.receivedAt)}`];
  return [message.join(CRLF), ...listed.status].join(CRLF + CRLF) + CRLF;
}

function headersPart(original: Buffer | string | undefined): string {
  const text = original === undefined ? '' : Buffer.isBuffer(original) ? original.toString('utf8') : original;
  return toCrlf(text).replace(/(\r\n)+$/, '') + CRLF;
}

/** The parts of an RFC 3464 report that differ between a bounce and a delay warning. */
export interface ReportParts {
  hostname: string;
  /** The envelope sender the report goes to. */
  to: string;
  /** The whole Subject line, folded or encoded as the caller wants. */
  subjectLine: string;
  /** The Message-ID's local part: the header reads `<messageId@hostname>`. */
  messageId: string;
  now: Date;
  boundary: string;
  human: string;
  status: string;
  /** The original message's header block, CRLF line ends. */
  headers: string;
  headersDescription: string;
}

/** The address every notice (DSN, delay warning) comes from; the drain's role may send from no other (lib/constructs/backup-mx-function.ts). */
export function noticeFromAddress(hostname: string): string {
  return `MAILER-DAEMON@${hostname}`;
}

/** A multipart/report (RFC 3462) from MAILER-DAEMON: notification, delivery-status, original headers. */
export function reportMessage(parts: ReportParts): string {
  const { boundary } = parts;
  return [
    `From: Mail Delivery System <${noticeFromAddress(parts.hostname)}>`,
    // The envelope carries the address; a header gets it only in a form no parser misreads.
    headerMailbox(parts.to) ? `To: <${parts.to}>` : 'To: undisclosed-recipients:;',
    parts.subjectLine,
    `Date: ${rfc5322Date(parts.now)}`,
    `Message-ID: <${parts.messageId}@${parts.hostname}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;${CRLF}\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Description: Notification',
    '',
    parts.human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    'Content-Description: Delivery report',
    '',
    parts.status,
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    `Content-Description: ${parts.headersDescription}`,
    ...(/[^\x00-\x7f]/.test(parts.headers) ? ['Content-Transfer-Encoding: 8bit'] : []),
    '',
    parts.headers,
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

export function buildDsn(input: DsnInput): Dsn {
  const id = input.message.messageId;
  const boundary = `=_dsn_${createHash('sha256').update(`${id}:${input.now.toISOString()}`).digest('hex').slice(0, 24)}`;
  const subjectTail = input.message.subject ? `: ${headerText(input.message.subject)}` : '';
  const headers = headersPart(input.originalHeaders);
  const listed = listRecipients(input, DSN_RECIPIENT_TEXT_MAX_BYTES);
  const nonAscii = /[^\x00-\x7f]/.test(subjectTail);
  const subject = nonAscii
    ? `=?UTF-8?B?${Buffer.from(`Undelivered mail${subjectTail}`).toString('base64')}?=`
    : `Undelivered mail${subjectTail}`;
  const raw = reportMessage({
    hostname: input.hostname,
    to: input.message.sender,
    subjectLine: fold(`Subject: ${subject}`),
    messageId: `dsn.${id}.${input.now.getTime()}`,
    now: input.now,
    boundary,
    human: humanPart(input, listed),
    status: deliveryStatusPart(input, listed),
    headers,
    headersDescription: 'Undelivered message headers',
  });
  return { raw, envelope: { from: '', to: [input.message.sender] } };
}
