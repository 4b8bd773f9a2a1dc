import { describe, expect, it } from 'vitest';
import { MAX_RECEIVED_FIELD, originalClient, validHostName } from '../../../../lambdas/core/message/original-client.js';
import { ALL_PASS, sesPrependedHeaders } from '../../../../local/ses-standin/ses-headers.js';

const SES_BY = 'by inbound-smtp.eu-west-1.amazonaws.com with SMTP id s08vnjngg8o82cpus2084722eiate3c6ig885f01';

/** A stored head: SES's block on top of what the sender sent. */
function stored(received: string, senderHeaders = 'From: a@sender.example\r\nSubject: hi\r\n'): string {
  return `Return-Path: <a@sender.example>\r\nReceived: ${received}\r\nX-SES-Spam-Verdict: PASS\r\n${senderHeaders}\r\n`;
}

const folded = (helo: string, name: string, ip: string) => `from ${helo} (${name} [${ip}])\r\n ${SES_BY}\r\n for rcpt@example.org;\r\n Mon, 07 Dec 2026 10:00:00 +0000 (UTC)`;

describe('originalClient (the SES Received header)', () => {
  it("reads address, reverse name and HELO from SES's folded header (the shape of a real stored object)", () => {
    const result = originalClient(stored(folded('mail-4324.protonmail.ch', 'mail-4324.protonmail.ch', '185.70.43.24')));
    expect(result).toEqual({ client: { addr: '185.70.43.24', family: 4, name: 'mail-4324.protonmail.ch', helo: 'mail-4324.protonmail.ch' } });
  });

  it('reads what the local SES stand-in writes', () => {
    const head = sesPrependedHeaders({
      messageId: 'abc123', region: 'us-east-1', sender: 's@x.example', firstRecipient: 'r@example.org', helo: 'client.example',
      clientHostname: 'rdns.example', clientIp: '127.0.0.2', receivedAt: new Date(), verdicts: ALL_PASS,
    });
    expect(originalClient(head + 'Subject: x\r\n\r\n').client).toEqual({ addr: '127.0.0.2', family: 4, name: 'rdns.example', helo: 'client.example' });
  });

  it('"unknown" reverse name gives no name; an address literal HELO is kept', () => {
    expect(originalClient(stored(folded('[192.0.2.7]', 'unknown', '192.0.2.7'))).client).toEqual({ addr: '192.0.2.7', family: 4, helo: '[192.0.2.7]' });
  });

  it('IPv6, with or without the IPv6: tag; an IPv4-mapped address becomes IPv4', () => {
    expect(originalClient(stored(folded('h.example', 'h.example', '2001:DB8::25'))).client).toMatchObject({ addr: '2001:db8::25', family: 6 });
    expect(originalClient(stored(folded('h.example', 'h.example', 'IPv6:2001:db8::25'))).client).toMatchObject({ addr: '2001:db8::25', family: 6 });
    expect(originalClient(stored(folded('h.example', 'h.example', '::ffff:192.0.2.9'))).client).toMatchObject({ addr: '192.0.2.9', family: 4 });
  });

  it('only the first Received header counts: one the sender put in their message lies below SES\'s', () => {
    const forged = 'Received: from trusted.example (trusted.example [10.0.0.1])\r\n by inbound-smtp.us-east-1.amazonaws.com with SMTP id forged;\r\n Mon, 07 Dec 2026 09:00:00 +0000\r\n';
    const head = stored(folded('real.example', 'real.example', '203.0.113.5'), forged + 'Subject: x\r\n');
    expect(originalClient(head).client?.addr).toBe('203.0.113.5');
  });

  it('a first Received header that is not SES\'s gives nothing (no looking further down)', () => {
    const ours = 'Received: from inbound-smtp.eu-west-1.amazonaws.com\r\n\tby backup.example with ESMTP id x;\r\n\tMon, 07 Dec 2026 10:00:00 +0000\r\n';
    const head = ours + stored(folded('real.example', 'real.example', '203.0.113.5')).replace(/^/, '');
    expect(originalClient(head)).toEqual({ reason: "first Received header is not SES's shape" });
    const notSes = stored(folded('real.example', 'real.example', '203.0.113.5').replace('inbound-smtp.eu-west-1.amazonaws.com', 'inbound-smtp.eu-west-1.evil.example'));
    expect(originalClient(notSes).reason).toMatch(/not SES/);
  });

  it('no Received header in the head (or only after the blank line) gives nothing', () => {
    expect(originalClient('Subject: x\r\n\r\n').reason).toBe('no Received header');
    expect(originalClient(`Subject: x\r\n\r\nReceived: ${folded('a.example', 'a.example', '192.0.2.1')}\r\n`).reason).toBe('no Received header');
  });

  const hostile: [string, string][] = [
    ['a CRLF in the HELO part', folded('evil.example\r\nX: y', 'n.example', '192.0.2.1')],
    ['a bare CR', folded('evil\rexample', 'n.example', '192.0.2.1')],
    ['a space in the HELO', `from evil example (n.example [192.0.2.1]) ${SES_BY};`],
    ['an "=" in the HELO (would be an XCLIENT attribute)', folded('x=ADDR=10.0.0.1', 'n.example', '192.0.2.1')],
    ['an "=" in the name', folded('h.example', 'n=1.example', '192.0.2.1')],
    ['a "+" in the HELO', folded('a+b.example', 'n.example', '192.0.2.1')],
    ['an address that is not one', folded('h.example', 'n.example', '192.0.2.256')],
    ['a host name as address', folded('h.example', 'n.example', 'n.example')],
    ['an 8-bit byte', folded('h\u00e9.example', 'n.example', '192.0.2.1')],
    ['a name with an empty label', folded('h.example', 'n..example', '192.0.2.1')],
    ['an all-numeric name', folded('h.example', '192.0.2.1', '192.0.2.1')],
    ['a label of 64 characters', folded('h.example', `${'a'.repeat(64)}.example`, '192.0.2.1')],
    ['a HELO of 256 characters', folded('h'.repeat(256), 'n.example', '192.0.2.1')],
    ['a bad address literal HELO', folded('[not-an-ip]', 'n.example', '192.0.2.1')],
    ['no "by" clause', 'from h.example (n.example [192.0.2.1]);'],
    ['a DEL byte in the date SES wrote', folded('h.example', 'n.example', '192.0.2.1').replace('(UTC)', '(UTC)\x7f')],
    ['a NUL byte after the id', folded('h.example', 'n.example', '192.0.2.1').replace('\r\n for', '\x00\r\n for')],
    ['two spaces where SES writes one', `from h.example  (n.example [192.0.2.1]) ${SES_BY};`],
  ];
  it.each(hostile)('refuses %s', (_what, received) => {
    expect(originalClient(stored(received)).client).toBeUndefined();
  });

  it(`refuses a first Received field longer than ${MAX_RECEIVED_FIELD} characters`, () => {
    const name = `${'a'.repeat(60)}.`.repeat(4) + 'example';
    const padded = folded('h.example', name, '192.0.2.1') + ' ' + 'x'.repeat(MAX_RECEIVED_FIELD);
    expect(originalClient(stored(padded)).reason).toMatch(/too long/);
    expect(originalClient(stored(folded('h.example', name, '192.0.2.1'))).client?.name).toBe(name);
  });

  it('validHostName: labels, lengths, trailing dot', () => {
    expect(validHostName('mx.example.org.')).toBe(true);
    expect(validHostName('-a.example')).toBe(false);
    expect(validHostName(`${'a'.repeat(63)}.example`)).toBe(true);
    expect(validHostName(`${'a.'.repeat(127)}ab`)).toBe(false); // 256 characters
  });
});
