import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildDsn } from '../../../lambdas/core/dsn.js';
import type { InboundMessage } from '../../../lambdas/core/model.js';

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
});
