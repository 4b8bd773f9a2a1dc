// Forward: sends a held message to another address while the primary cannot
// take it ("get the contract to the CEO's phone now"). A new message from the
// stack's notice sender (as DSNs are: noticeFromAddress) carries a short text
// part and the original attached byte for byte as message/rfc822 (RFC 2046
// §5.2.1: no base64 there, so the bytes stay as stored). It goes out through
// a port: SES in AWS, the local outbox (the DSN folder) in a local run. The
// stored message, its queue entry and its recipients are not touched: the
// forward is a copy, logged in the delivery log under the message's id and
// recorded in the message's history (forward-records.ts), which `show` and
// the console list with the attempts. A record that cannot be written after
// the send does not make the forward fail: the mail went, so it is reported
// sent, with a warning.
//
// Loops: an address in a domain this stack is the backup MX for is allowed.
// The forward leaves through SES outbound, which looks up that domain's MX
// and delivers to the primary (or, with the primary down, to us again as a
// new inbound message that waits in the queue like any other); it is one
// message, never re-forwarded, so it cannot loop.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { headerMailbox, headerText } from '../message/header-values.js';
import type { MessageStore } from '../message/ports.js';
import { rfc5322Date } from '../message/rfc5322-date.js';
import { noticeFromAddress } from '../outcome/dsn.js';
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import type { ForwardRecords } from './forward-records.js';

/**
 * SES's largest message through the v2 API or SMTP: 40 MB after MIME encoding,
 * not adjustable (SES developer guide, "Service quotas": the v1 SendRawEmail
 * takes only 10 MB, which is why the AWS forwarder sends with SESv2). Counted
 * in decimal megabytes, the smaller reading.
 */
export const SES_MAX_MESSAGE_BYTES = 40_000_000;

/** SES refuses a raw message with a line over 1,000 characters with its CRLF (RFC 5321 §4.5.3.1.6). */
export const SES_MAX_LINE_OCTETS = 998;

/** Where a forward goes out: SES SendEmail (raw) in AWS, a file in the local outbox locally. */
export interface Forwarder {
  /** Sends the forward; resolves with what it was sent as (SES's message id, the outbox file), when the way out says. */
  send(raw: Buffer, envelope: { from: string; to: string[] }): Promise<string | undefined>;
}

/** A forward that cannot be made as asked (the address, the size): the message says which and why. */
export class ForwardRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForwardRefusedError';
  }
}

export interface ForwardDeps {
  store: Pick<MessageStore, 'open' | 'size'>;
  forwarder: Forwarder;
  clock: Clock;
  /** The stack's hostname: the forward comes from MAILER-DAEMON@hostname, as the DSNs do. */
  hostname: string;
  log: DeliveryLog;
  /** The message's history of forwards (show lists them). */
  forwards: Pick<ForwardRecords, 'add'>;
}

/** The copy of the message to forward (MessageDetail has these). */
export interface ForwardSubject {
  id: string;
  route: string;
  objectKey: string;
  sender?: string;
  subject?: string;
}

export interface Forwarded {
  to: string;
  /** The original's size, attached unchanged. */
  originalBytes: number;
  /** The whole forward's size. */
  bytes: number;
  /** SES's message id or the outbox file, when the way out said. */
  sentAs?: string;
  /** Set when the forward was sent but its record in the message's history could not be written: why. */
  notRecorded?: string;
}

export class ForwardMessage {
  constructor(private readonly deps: ForwardDeps) {}

  /** `by`: who forwards it, as the message's history will say (the CLI's user, the console). */
  async forward(message: ForwardSubject, to: string, by = 'an operator'): Promise<Forwarded> {
    const address = forwardAddress(to);
    const stored = await this.deps.store.size(message.objectKey);
    if (stored === undefined) throw new ForwardRefusedError(`message ${message.id}: its raw message is no longer stored (${message.objectKey}), so there is nothing to forward`);
    // Refused before a byte is read: a 60 MB message is not downloaded to learn it is too big.
    if (stored > SES_MAX_MESSAGE_BYTES) throw tooLarge(message.id, stored);
    const { body } = await this.deps.store.open(message.objectKey);
    const original = await readAll(body);
    const longest = longestLine(original);
    if (longest > SES_MAX_LINE_OCTETS) {
      throw new ForwardRefusedError(`message ${message.id} has a line of ${longest} bytes; SES accepts at most ${SES_MAX_LINE_OCTETS} (plus CRLF) and the original is attached unchanged, so it cannot be forwarded: export it instead (backup-mx export)`);
    }
    const now = this.deps.clock.now();
    const raw = forwardMessage({ hostname: this.deps.hostname, to: address, now, message, original });
    if (raw.length > SES_MAX_MESSAGE_BYTES) throw tooLarge(message.id, raw.length);
    const from = noticeFromAddress(this.deps.hostname);
    const sentAs = await this.deps.forwarder.send(raw, { from, to: [address] });
    const done: Forwarded = { to: address, originalBytes: original.length, bytes: raw.length, ...(sentAs !== undefined ? { sentAs } : {}) };
    this.deps.log.info('message forwarded by an operator', { messageId: message.id, route: message.route, to: address, bytes: raw.length, originalBytes: original.length, ...(sentAs !== undefined ? { sentAs } : {}), by });
    // The mail is gone: from here on nothing may turn this into a failure.
    try {
      await this.deps.forwards.add({ messageId: message.id, route: message.route, at: now, to: address, by, ...(sentAs !== undefined ? { sentAs } : {}) });
    } catch (error) {
      done.notRecorded = error instanceof Error ? error.message : String(error);
      this.deps.log.warn('message forwarded, but its record in the message history could not be written', { messageId: message.id, route: message.route, to: address, error: done.notRecorded });
    }
    return done;
  }
}

/** One addr-spec, as the envelope takes it: no name, no list, no brackets, nothing a header could misread; throws ForwardRefusedError naming `to`. */
export function forwardAddress(to: string): string {
  const address = to.trim();
  if (address === '') throw new ForwardRefusedError('to: give the address to forward to (one address, such as ceo@example.org)');
  if (headerMailbox(address) === undefined) {
    const why = /[,;\s]/.test(address) ? 'one address only, without a name or a list' : 'expected an address such as ceo@example.org';
    throw new ForwardRefusedError(`to: ${why}; got ${JSON.stringify(headerText(to, 100))}`);
  }
  return address;
}

function tooLarge(id: string, bytes: number): ForwardRefusedError {
  return new ForwardRefusedError(`message ${id} is too large to forward: ${bytes} bytes with the original attached, SES sends at most ${SES_MAX_MESSAGE_BYTES} bytes; export it instead (backup-mx export)`);
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** The longest line in bytes, without its line end. */
function longestLine(bytes: Buffer): number {
  let longest = 0;
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, start)) {
    const end = i > start && bytes[i - 1] === 0x0d ? i - 1 : i;
    longest = Math.max(longest, end - start);
    start = i + 1;
  }
  return Math.max(longest, bytes.length - start);
}

/** RFC 2046 §5.2.1: message/rfc822 is 7bit, 8bit or binary, never encoded; this says which the bytes are. */
function transferEncoding(bytes: Buffer): '7bit' | '8bit' | 'binary' {
  let eight = false;
  for (const b of bytes) {
    if (b === 0) return 'binary';
    if (b > 0x7f) eight = true;
  }
  return eight ? '8bit' : '7bit';
}

const CRLF = '\r\n';

export interface ForwardInput {
  hostname: string;
  to: string;
  now: Date;
  message: ForwardSubject;
  original: Buffer;
}

/** The forward: headers and a text part we write, then the original's bytes as they are, then the closing boundary. */
export function forwardMessage(input: ForwardInput): Buffer {
  const { message, original } = input;
  // A boundary that is not in the original (RFC 2046 §5.1.1: it must not occur in the encapsulated part).
  let boundary: string;
  do boundary = `=_fwd_${randomBytes(12).toString('hex')}`;
  while (original.includes(boundary));
  const subject = headerText(message.subject ?? '', 100);
  const subjectLine = subject === '' ? `Fwd: message ${message.id}` : `=?UTF-8?B?${Buffer.from(`Fwd: ${subject}`, 'utf8').toString('base64')}?=`;
  const sender = message.sender === undefined ? 'unknown' : message.sender === '' ? '<> (a bounce)' : `<${headerText(message.sender, 300)}>`;
  const text = [
    `The backup MX ${input.hostname} holds this message for route ${message.route} while its primary cannot take it.`,
    'An operator forwarded it to you; the original is attached unchanged.',
    '',
    `Message id:      ${message.id}`,
    `Envelope sender: ${sender}`,
    ...(subject !== '' ? [`Subject:         ${subject}`] : []),
    '',
  ].join(CRLF);
  const head = [
    `From: backup-mx on ${input.hostname} <${noticeFromAddress(input.hostname)}>`,
    `To: <${input.to}>`,
    `Subject: ${subjectLine}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: <fwd.${message.id}.${input.now.getTime()}@${input.hostname}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a MIME message: a note and the forwarded original.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    text,
    `--${boundary}`,
    'Content-Type: message/rfc822',
    `Content-Disposition: attachment; filename="${message.id.replace(/[^A-Za-z0-9._-]/g, '_')}.eml"`,
    `Content-Transfer-Encoding: ${transferEncoding(original)}`,
    '',
    '',
  ].join(CRLF);
  // The CRLF before the closing delimiter belongs to the delimiter (RFC 2046 §5.1.1), so the part's content is exactly the original.
  return Buffer.concat([Buffer.from(head, 'utf8'), original, Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'utf8')]);
}
