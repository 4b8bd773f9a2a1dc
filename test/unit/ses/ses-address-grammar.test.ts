// The envelope address grammar (core/message/mail-address.ts) as the SES notification
// parser applies it to mail.source and receipt.recipients: what a real sender
// sends gets through, what could mean something in a header does not, and a
// notification that fails is a MalformedNotificationError (dead-lettered by
// the drain, see test/security/signed-header-injection.test.ts), never a crash.
import { describe, expect, it } from 'vitest';
import { MalformedNotificationError, parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { isMailbox } from '../../../lambdas/core/message/mail-address.js';
import { sesNotification } from '../../support/aws/ses-events.js';

const ACCEPTED = [
  'alice@sender.example',
  'Alice.Smith@Sender.Example',
  'SRS0=HHH=TT=orig.example=alice@fwd.example',
  'prvs=1234abcd=alice@sender.example',
  "o'brien+tag@sender.example",
  "!#$%&'*+-/=?^_`{|}~@sender.example",
  'a..b@docomo.example',
  'trailing.@docomo.example',
  '.leading@docomo.example',
  '"john smith"@sender.example',
  '"x;y(z),w"@sender.example',
  '"a\\"b"@sender.example',
  '"a@b"@sender.example',
  'postmaster@localhost',
  'a@xn--bcher-kva.example',
  'a@1.example',
  `a@${'l'.repeat(63)}.example`,
  'a@[192.0.2.1]',
  'a@[IPv6:2001:db8::1]',
  `${'a'.repeat(300)}@sender.example`,
];

const REFUSED: [string, string][] = [
  ['; in the local part', 'x;dkim=pass;dmarc=pass;y@attacker.example'],
  ['; in the domain', 'x@attacker.example;dkim=pass'],
  ['a comment in the local part', 'x(dkim=pass)@attacker.example'],
  ['a comment after the domain', 'x@attacker.example(dkim=pass)'],
  [', in the domain', 'x@a.example,b.example'],
  ['a quote in the domain', 'x@"attacker.example"'],
  ['a backslash unquoted', 'x\\;y@attacker.example'],
  ['an unterminated quote', '"x;dkim=pass@attacker.example'],
  ['angle brackets inside quotes', '"a>b"@attacker.example'],
  ['an escaped angle bracket inside quotes', '"a\\>b"@attacker.example'],
  ['CRLF', 'x@attacker.example\r\nRCPT TO:<y@evil.example>'],
  ['bare LF', 'x@attacker.example\nX: 1'],
  ['NUL', 'x\u0000@attacker.example'],
  ['a space unquoted', 'x y@attacker.example'],
  ['UTF-8 local part (SES offers no SMTPUTF8)', 'j\u00fcrgen@sender.example'],
  ['a U-label domain', 'a@b\u00fccher.example'],
  ['an empty local part', '@attacker.example'],
  ['only dots', '..@attacker.example'],
  ['no domain', 'x@'],
  ['no @', 'alice'],
  ['an empty label', 'x@a..example'],
  ['a trailing dot in the domain', 'x@attacker.example.'],
  ['a label starting with a hyphen', 'x@-a.example'],
  ['a label ending with a hyphen', 'x@a-.example'],
  ['a label of 64', `x@${'l'.repeat(64)}.example`],
  ['a domain over 255', `x@${Array.from({ length: 5 }, () => 'l'.repeat(60)).join('.')}`],
  ['an underscore in the domain', 'x@my_host.example'],
  ['a general address literal', 'x@[tag:a;dkim=pass]'],
  ['an IPv6 literal with ;', 'x@[IPv6:1;dkim=pass]'],
];

describe('mail address grammar', () => {
  it.each(ACCEPTED)('accepts %s', (address) => {
    expect(isMailbox(address)).toBe(true);
    const message = parseSesNotification(sesNotification({ sender: address, recipients: [`bob@example.com`] }));
    expect(message.sender).toBe(address);
  });

  it.each(REFUSED)('refuses %s', (_name, address) => {
    expect(isMailbox(address)).toBe(false);
    expect(() => parseSesNotification(sesNotification({ sender: address }))).toThrow(MalformedNotificationError);
    expect(() => parseSesNotification(sesNotification({ sender: address }))).toThrow(/mail\.source: not an RFC 5321 mail address/);
    expect(() => parseSesNotification(sesNotification({ recipients: ['bob@example.com', address] }))).toThrow(/receipt\.recipients\.1/);
  });

  it('takes mail.source in angle brackets, as SES may write it', () => {
    expect(parseSesNotification(sesNotification({ sender: '<a..b.@docomo.example>' })).sender).toBe('a..b.@docomo.example');
    expect(() => parseSesNotification(sesNotification({ sender: '<x;dkim=pass@attacker.example>' }))).toThrow(MalformedNotificationError);
  });

  it('checks a very long address in linear time (no catastrophic backtracking)', () => {
    const started = performance.now();
    for (const probe of ['.'.repeat(100_000), `${'a.'.repeat(50_000)}`, `"${'\\a'.repeat(50_000)}`, `a@${'a-'.repeat(50_000)}`]) expect(isMailbox(probe)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
