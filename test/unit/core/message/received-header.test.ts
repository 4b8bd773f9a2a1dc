import { describe, expect, it } from 'vitest';
import { receivedHeader, topReceivedByHost } from '../../../../lambdas/core/message/received-header.js';
import { rfc5322Date } from '../../../../lambdas/core/message/rfc5322-date.js';

const at = new Date('2026-01-05T10:04:09Z');

describe('receivedHeader', () => {
  it('writes one folded RFC 5321 trace header with a single recipient', () => {
    const header = receivedHeader({ fromHost: 'inbound-smtp.eu-west-1.amazonaws.com', byHost: 'mx2.example.com', messageId: 'o3vjlkk1c0', recipients: ['bob@example.com'], at });
    expect(header).toBe(
      'Received: from inbound-smtp.eu-west-1.amazonaws.com\r\n' +
        '\tby mx2.example.com with ESMTP id o3vjlkk1c0\r\n' +
        '\tfor <bob@example.com>;\r\n' +
        '\tMon, 05 Jan 2026 10:04:09 +0000\r\n',
    );
  });

  it('names no recipient when there are several (Bcc privacy)', () => {
    const header = receivedHeader({ fromHost: 'a', byHost: 'b', messageId: 'id1', recipients: ['x@example.com', 'hidden@example.com'], at });
    expect(header).not.toContain('hidden@example.com');
    expect(header).toContain('with ESMTP id id1;\r\n');
  });

  it('uses bare LF when asked and keeps every line under 998 bytes', () => {
    const long = `${'a'.repeat(1200)}@example.com`;
    const header = receivedHeader({ fromHost: 'h'.repeat(2000), byHost: 'b', messageId: 'id', recipients: [long], at, newline: '\n' });
    expect(header).not.toContain('\r');
    for (const line of header.split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(998);
    expect(header).not.toContain(long);
  });

  it('strips characters that could break the header', () => {
    const header = receivedHeader({ fromHost: 'evil\r\nX-Injected: 1', byHost: 'b', messageId: 'i;d', recipients: ['a@b.example'], at });
    expect(header).not.toContain('X-Injected: 1\r');
    expect(header.split('\r\n').filter((l) => l && !l.startsWith('\t') && !l.startsWith('Received:'))).toEqual([]);
  });

  it('finds the SES host in the top Received header', () => {
    const head = 'Return-Path: <a@b>\r\nReceived: from mail.sender.example (x [1.2.3.4])\r\n by inbound-smtp.eu-west-1.amazonaws.com with SMTP id abc\r\nReceived: by other.example\r\n\r\n';
    expect(topReceivedByHost(head)).toBe('inbound-smtp.eu-west-1.amazonaws.com');
    expect(topReceivedByHost('Subject: x\r\n\r\n')).toBeUndefined();
  });
});

describe('rfc5322Date', () => {
  it('pads and uses UTC', () => {
    expect(rfc5322Date(new Date('2026-03-01T01:02:03Z'))).toBe('Sun, 01 Mar 2026 01:02:03 +0000');
  });
});
