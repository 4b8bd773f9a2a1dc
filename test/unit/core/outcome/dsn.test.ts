import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildDsn, DSN_RECIPIENT_TEXT_MAX_BYTES } from '../../../../lambdas/core/outcome/dsn.js';
import { NOTICE_HEADERS_MAX_BYTES } from '../../../../lambdas/core/outcome/notice-sender.js';
import type { InboundMessage } from '../../../../lambdas/core/model.js';

const message: InboundMessage = {
  messageId: 'o3vjlkk1c0hn0hq9rb1lq4bsm5t3nlu6icqvuqg1',
  receivedAt: new Date('2026-01-05T09:58:11Z'),
  sender: 'alice@sender.example',
  recipients: ['bob@example.com', 'nobody@example.com', 'full@example.com'],
  bucketName: 'b',
  objectKey: 'inbound/main/o3vj',
  verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
  subject: 'Quarterly numbers',
};
const originalHeaders = 'Return-Path: <alice@sender.example>\r\nFrom: Alice <alice@sender.example>\r\nTo: bob@example.com\r\nSubject: Quarterly numbers\r\nMessage-ID: <CAB1@sender.example>\r\n\r\n';

function build(overrides: Partial<Parameters<typeof buildDsn>[0]> = {}) {
  return buildDsn({
    hostname: 'mx2.example.com',
    message,
    recipients: [
      { recipient: 'nobody@example.com', status: '5.1.1', reply: { code: 550, enhanced: '5.1.1', text: '<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table' } },
      { recipient: 'full@example.com', status: '5.7.1', reply: { code: 554, enhanced: '5.7.1', text: 'Relay access denied' } },
    ],
    originalHeaders,
    remoteMta: 'mail.example.com',
    reason: 'bounced',
    now: new Date('2026-01-05T10:10:00Z'),
    ...overrides,
  });
}

/** The MIME parts of a multipart body: content type and body text. */
function parts(raw: string): { type: string; body: string }[] {
  const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
  return raw
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head, ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
      return { type: /Content-Type: ([^;\r\n]+)/i.exec(head!)![1]!, body: rest.join('\r\n\r\n') };
    });
}

/** Splits a message/delivery-status body into its field groups. */
function statusGroups(text: string): Record<string, string>[] {
  return text
    .trim()
    .split(/\r?\n\r?\n/)
    .map((group) =>
      Object.fromEntries(
        group
          .replace(/\r?\n[ \t]+/g, ' ')
          .split(/\r?\n/)
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      ),
    );
}

describe('buildDsn', () => {
  it('is a multipart/report to the envelope sender with MAIL FROM <>', async () => {
    const dsn = build();
    expect(dsn.envelope).toEqual({ from: '', to: ['alice@sender.example'] });
    const parsed = await simpleParser(dsn.raw);
    expect(parsed.from?.value[0]?.address).toBe('MAILER-DAEMON@mx2.example.com');
    expect((parsed.to as { value: { address: string }[] }).value[0]?.address).toBe('alice@sender.example');
    expect(parsed.subject).toBe('Undelivered mail: Quarterly numbers');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    const contentType = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(contentType.value).toBe('multipart/report');
    expect(contentType.params['report-type']).toBe('delivery-status');
    expect(parsed.text).toContain('nobody@example.com');
    expect(parsed.text).toContain('User unknown');
  });

  it('has the three parts: human text, delivery-status, original headers', async () => {
    const raw = build().raw;
    const [human, status, headersPart] = parts(raw);
    expect(parts(raw).map((p) => p.type)).toEqual(['text/plain', 'message/delivery-status', 'text/rfc822-headers']);
    expect(human!.body).toContain('<nobody@example.com>: 550 5.1.1');
    // mailparser sees the original headers as an attachment
    const parsed = await simpleParser(raw);
    expect(parsed.attachments.map((a) => a.contentType)).toEqual(['text/rfc822-headers']);
    const headers = parsed.attachments[0];
    expect(headersPart!.body).toContain('From: Alice <alice@sender.example>');
    const groups = statusGroups(status!.body);
    expect(groups[0]).toMatchObject({ 'Reporting-MTA': 'dns; mx2.example.com', 'Arrival-Date': 'Mon, 05 Jan 2026 09:58:11 +0000' });
    expect(groups.slice(1)).toEqual([
      expect.objectContaining({ 'Final-Recipient': 'rfc822; nobody@example.com', Action: 'failed', Status: '5.1.1', 'Remote-MTA': 'dns; mail.example.com' }),
      expect.objectContaining({ 'Final-Recipient': 'rfc822; full@example.com', Action: 'failed', Status: '5.7.1', 'Diagnostic-Code': 'smtp; 554 5.7.1 Relay access denied' }),
    ]);
    expect(groups[1]!['Diagnostic-Code']).toContain('smtp; 550 5.1.1 <nobody@example.com>: Recipient address rejected');
    expect(headers!.content.toString('utf8')).toContain('Message-ID: <CAB1@sender.example>');
    expect(headers!.content.toString('utf8')).not.toContain('\r\n\r\n\r\n');
  });

  it('keeps every line short and uses CRLF throughout', () => {
    const raw = build({ recipients: [{ recipient: 'x@example.com', status: '5.0.0', reply: { code: 550, text: 'no '.repeat(600) } }] }).raw;
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThan(998);
  });

  it('describes an expiry without a reply and without original headers', async () => {
    const dsn = build({ reason: 'expired', originalHeaders: undefined, recipients: [{ recipient: 'bob@example.com', status: '4.4.7' }] });
    const parsed = await simpleParser(dsn.raw);
    expect(parsed.text).toMatch(/ran out/);
    const groups = statusGroups(parts(dsn.raw)[1]!.body);
    expect(groups[1]).toMatchObject({ 'Final-Recipient': 'rfc822; bob@example.com', Action: 'failed', Status: '4.4.7' });
    expect(groups[1]!['Diagnostic-Code']).toBeUndefined();
  });

  it('encodes a non-ASCII subject and marks 8-bit original headers', async () => {
    const dsn = build({ message: { ...message, subject: 'Grüße' }, originalHeaders: 'Subject: Grüße\r\n\r\n' });
    expect(dsn.raw).toContain('Content-Transfer-Encoding: 8bit');
    expect((await simpleParser(dsn.raw)).subject).toBe('Undelivered mail: Grüße');
  });

  describe('size', () => {
    /** DynamoDB's item limit: a held notice keeps the whole DSN in one item (SES's 40 MB send limit is far above). */
    const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;
    const many = (n: number, replyChars: number) =>
      Array.from({ length: n }, (_, i) => ({ recipient: `user${i}@example.com`, status: '5.1.1', reply: { code: 550, enhanced: '5.1.1', text: `unknown ${'x'.repeat(replyChars)}` } }));
    const headersAtCap = `X-Filler: ${'y'.repeat(900)}\r\n`.repeat(Math.floor(NOTICE_HEADERS_MAX_BYTES / 912));

    it('2,000 refusals with 2,000-character replies: the report is capped with a summary line and fits a held-notice item', async () => {
      const recipients = many(2000, 2000);
      const dsn = build({ recipients, originalHeaders: headersAtCap });
      const bytes = Buffer.byteLength(dsn.raw);
      expect(bytes).toBeLessThan(DYNAMODB_ITEM_MAX_BYTES / 2); // room for the 2,000 addresses the held notice also keeps
      const listed = [...dsn.raw.matchAll(/^Final-Recipient: rfc822; (.*)$/gm)].map((m) => m[1]);
      expect(listed.length).toBeGreaterThan(10);
      expect(listed).toEqual(recipients.slice(0, listed.length).map((r) => r.recipient));
      const parsed = await simpleParser(dsn.raw);
      expect(parsed.text).toContain(`and ${2000 - listed.length} more recipients, not listed here: 2000 in all failed`);
      for (const line of dsn.raw.split('\r\n')) expect(line.length).toBeLessThan(998);
      // Each listed recipient keeps its RFC 3464 fields.
      expect(dsn.raw.match(/^Action: failed$/gm)).toHaveLength(listed.length);
      expect(dsn.raw.match(/^Status: 5\.1\.1$/gm)).toHaveLength(listed.length);
    });

    it('lists every recipient while the report stays under the cap', () => {
      const recipients = many(300, 40);
      const dsn = build({ recipients });
      expect(dsn.raw.match(/^Final-Recipient:/gm)).toHaveLength(300);
      expect(dsn.raw).not.toContain('more recipients, not listed');
      expect(Buffer.byteLength(dsn.raw)).toBeLessThan(DSN_RECIPIENT_TEXT_MAX_BYTES);
    });
  });

  it('a report of refusals and expiries says which is which', async () => {
    const dsn = build({ reason: 'expired', recipients: [{ recipient: 'gone@example.com', status: '5.1.1', reply: { code: 550, text: 'unknown' } }, { recipient: 'slow@example.com', status: '4.4.7' }] });
    const text = (await simpleParser(dsn.raw)).text!.replace(/\s+/g, ' ');
    expect(text).toContain('refused some of them permanently (status 5.x.x), and for the others (status 4.x.x) the time it may wait in our queue ran out');
  });
});
