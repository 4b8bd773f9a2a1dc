// The RFC 3464 delay notice: a multipart/report with Action: delayed for the
// recipients still waiting, telling the sender we keep trying and until when
// (Will-Retry-Until, RFC 3464 §2.3.9). Sent like a DSN: from MAILER-DAEMON,
// envelope sender <> (no MTA answers it with a DSN), to an authenticated
// return path only, within the route's notice budget (dsn.ts says why).
import { createHash } from 'node:crypto';
import type { InboundMessage, SmtpReply } from '../model.js';
import type { Envelope } from '../drain/ports.js';
import { replyText, reportMessage } from './dsn.js';
import { headerText, MAX_ADDRESS } from '../message/header-values.js';
import { rfc5322Date } from '../message/rfc5322-date.js';

export interface DelayedRecipient {
  recipient: string;
  /** RFC 3463 status, 4.x.x. */
  status: string;
  reply?: SmtpReply;
}

export interface DelayNoticeInput {
  hostname: string;
  message: InboundMessage;
  recipients: DelayedRecipient[];
  originalHeaders?: Buffer;
  remoteMta?: string;
  /** When we give up (the queue lifetime's end). */
  retryUntil: Date;
  now: Date;
}

const CRLF = '\r\n';

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${Math.round(h)} hour${Math.round(h) === 1 ? '' : 's'}` : `${Math.max(1, Math.round(ms / 60_000))} minutes`;
}

/** Keeps header lines under 998 bytes without touching their meaning. */
const clip = (line: string) => (line.length > 990 ? line.slice(0, 990) : line);

export function buildDelayNotice(input: DelayNoticeInput): { raw: string; envelope: Envelope } {
  const { message, now } = input;
  const boundary = `=_delay_${createHash('sha256').update(`${message.messageId}:${now.toISOString()}`).digest('hex').slice(0, 24)}`;
  const subjectTail = message.subject ? `: ${headerText(message.subject)}` : '';
  const subjectText = `Delayed mail (still trying)${subjectTail}`;
  const subject = /[^\x00-\x7f]/.test(subjectText) ? `=?UTF-8?B?${Buffer.from(subjectText).toString('base64')}?=` : subjectText;
  const human = [
    `This is the mail system at ${input.hostname}, a backup mail exchanger.`,
    '',
    `Your message has not yet been delivered to the recipients below after ${hours(now.getTime() - message.receivedAt.getTime())}.`,
    `This is only a warning: we keep trying until ${rfc5322Date(input.retryUntil)}; you do not need to send it again.`,
    '',
    ...input.recipients.map((r) => clip(`<${headerText(r.recipient, MAX_ADDRESS)}>: ${r.reply ? replyText(r.reply) : `status ${r.status}`}`)),
  ].join(CRLF);
  const status = [
    [`Reporting-MTA: dns; ${input.hostname}`, `Arrival-Date: ${rfc5322Date(message.receivedAt)}`].join(CRLF),
    ...input.recipients.map((r) =>
      [
        `Final-Recipient: rfc822; ${headerText(r.recipient, MAX_ADDRESS)}`,
        'Action: delayed',
        `Status: ${r.status}`,
        ...(input.remoteMta ? [`Remote-MTA: dns; ${input.remoteMta}`] : []),
        ...(r.reply ? [clip(`Diagnostic-Code: ${r.reply.code !== undefined ? 'smtp' : 'X-backup-mx'}; ${replyText(r.reply)}`)] : []),
        `Will-Retry-Until: ${rfc5322Date(input.retryUntil)}`,
      ].join(CRLF),
    ),
  ].join(CRLF + CRLF) + CRLF;
  const headers = input.originalHeaders ? input.originalHeaders.toString('utf8').replace(/\r?\n/g, CRLF).replace(/(\r\n)+$/, '') + CRLF : '';
  const raw = reportMessage({
    hostname: input.hostname,
    to: message.sender,
    subjectLine: `Subject: ${subject}`,
    messageId: `delay.${message.messageId}.${now.getTime()}`,
    now,
    boundary,
    human,
    status,
    headers,
    headersDescription: 'Delayed message headers',
  });
  return { raw, envelope: { from: '', to: [message.sender] } };
}
