// The notice policy over every verdict combination SES can report (spam, SPF,
// DKIM, DMARC: 5^4 = 625, virus PASS) for three kinds of sender. Before issue
// 17, 320 of them earned a DSN whoever the sender claimed to be; now only an
// authenticated return path gets one. The expectation is written as the rule
// reads in docs (README "Bounces and backscatter"), not as the code computes it.
import { describe, expect, it } from 'vitest';
import type { BouncePolicy, InboundMessage, Verdicts, VerdictStatus } from '../../../../lambdas/core/model.js';
import { addressOf, checkReturnPath, delayWarningAllowed, domainOf, noticeFor } from '../../../../lambdas/core/outcome/notice-policy.js';

const STATUSES: VerdictStatus[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'];

function* everyVerdict(): Generator<Verdicts> {
  for (const spam of STATUSES) for (const spf of STATUSES) for (const dkim of STATUSES) for (const dmarc of STATUSES) yield { spam, virus: 'PASS', spf, dkim, dmarc };
}

const base: InboundMessage = {
  messageId: 'm1',
  receivedAt: new Date('2026-01-05T09:58:11Z'),
  sender: 'alice@sender.example',
  recipients: ['nobody@example.com'],
  bucketName: 'b',
  objectKey: 'inbound/main/m1',
  verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
};

const SENDERS = {
  'null sender': { sender: '', headerFrom: ['Mail Delivery System <MAILER-DAEMON@sender.example>'] },
  'return path is the From address': { sender: 'alice@sender.example', headerFrom: ['Alice <alice@sender.example>'] },
  // DKIM and DMARC vouch for From only: another address of the signer's domain is not authenticated by them.
  'return path elsewhere in the From domain': { sender: 'no-such-user@sender.example', headerFrom: ['Alice <alice@sender.example>'] },
  // A spammer's usual shape: someone else's address as return path, their own (DMARC-passing) From.
  'return path unrelated to From': { sender: 'victim@victim.example', headerFrom: ['Offers <promo@attacker.example>'] },
} as const;

/** The rule as the README states it. */
function expectDsn(kind: keyof typeof SENDERS, v: Verdicts): boolean {
  if (kind === 'null sender') return false;
  const forgedOrUnwanted = v.spam === 'FAIL' || v.spf === 'FAIL' || v.dmarc === 'FAIL';
  if (forgedOrUnwanted) return false;
  if (v.spf === 'PASS') return true;
  return kind === 'return path is the From address' && v.dkim === 'PASS' && v.dmarc === 'PASS';
}

describe('noticeFor over all 625 verdict combinations × sender kinds', () => {
  for (const [kind, sender] of Object.entries(SENDERS) as [keyof typeof SENDERS, (typeof SENDERS)[keyof typeof SENDERS]][]) {
    it(`${kind}: a DSN exactly where the rule says, else suppressed (bounced) or a dead letter (expired)`, () => {
      let dsns = 0;
      for (const verdicts of everyVerdict()) {
        const message = { ...base, ...sender, headerFrom: [...sender.headerFrom], verdicts };
        const bounced = noticeFor(message, 'dsn', 'bounced');
        const expired = noticeFor(message, 'dsn', 'expired');
        const label = `${kind} ${JSON.stringify(verdicts)}`;
        if (expectDsn(kind, verdicts)) {
          dsns += 1;
          expect(bounced, label).toEqual({ kind: 'dsn' });
          expect(expired, label).toEqual({ kind: 'dsn' });
        } else {
          expect(bounced.kind, label).toBe('suppressed');
          expect(expired.kind, label).toBe('dead-letter');
        }
        // The route's bounce policy 'dead-letter' wins over any verdict.
        expect(noticeFor(message, 'dead-letter', 'bounced').kind, label).toBe('dead-letter');
      }
      // 80: SPF PASS with no spam or DMARC FAIL (4 × 5 × 4); 12 more: SPF GRAY, PROCESSING_FAILED or DISABLED
      // with DKIM and DMARC PASS (3), spam not FAIL (4), and only where the return path is the From address.
      const expected = { 'null sender': 0, 'return path is the From address': 80 + 12, 'return path elsewhere in the From domain': 80, 'return path unrelated to From': 80 }[kind];
      expect(dsns).toBe(expected);
    });
  }

  it('an unauthenticated return path never gets one: SPF not PASS and no DKIM+DMARC PASS for that very address', () => {
    for (const verdicts of everyVerdict()) {
      if (verdicts.spf === 'PASS') continue;
      const senders: Pick<InboundMessage, 'sender' | 'headerFrom'>[] = [
        { sender: 'victim@victim.example', headerFrom: ['Offers <promo@attacker.example>'] },
        { sender: 'alice@sender.example', headerFrom: ['a@sender.example', 'b@sender.example'] },
        { sender: 'alice@sender.example' },
        { sender: 'x7f3a9@nx-4711.sender.example', headerFrom: ['Alice <alice@sender.example>'] },
        { sender: 'Alice@sender.example', headerFrom: ['alice@sender.example'] },
      ];
      for (const sender of senders) expect(noticeFor({ ...base, ...sender, verdicts }, 'dsn', 'bounced').kind).not.toBe('dsn');
    }
  });

  it('a virus FAIL is always a dead letter (quarantine), never a DSN nor suppressed', () => {
    for (const verdicts of everyVerdict()) {
      for (const sender of Object.values(SENDERS)) {
        for (const policy of ['dsn', 'dead-letter'] as BouncePolicy[]) {
          expect(noticeFor({ ...base, ...sender, headerFrom: [...sender.headerFrom], verdicts: { ...verdicts, virus: 'FAIL' } }, policy, 'bounced')).toEqual({ kind: 'dead-letter', why: 'virus verdict FAIL' });
        }
      }
    }
  });

  it('says why a notice was suppressed', () => {
    expect(noticeFor({ ...base, ...SENDERS['return path unrelated to From'], headerFrom: [...SENDERS['return path unrelated to From'].headerFrom], verdicts: { ...base.verdicts, spf: 'GRAY' } }, 'dsn', 'bounced')).toEqual({
      kind: 'suppressed',
      why: 'return path not authenticated (SPF GRAY; DKIM and DMARC PASS vouch for the From address promo@attacker.example, not for the return path victim@victim.example)',
    });
    expect(noticeFor({ ...base, verdicts: { ...base.verdicts, spf: 'DISABLED', dkim: 'DISABLED', dmarc: 'DISABLED' } }, 'dsn', 'bounced')).toEqual({
      kind: 'suppressed',
      why: 'return path not authenticated (SPF DISABLED, DKIM DISABLED, DMARC DISABLED)',
    });
    expect(noticeFor({ ...base, sender: '' }, 'dsn', 'bounced')).toEqual({ kind: 'suppressed', why: 'null sender' });
  });
});

describe('DKIM and DMARC authenticate the From address only: the return path must be that address', () => {
  const dkimOnly: Verdicts = { spam: 'PASS', virus: 'PASS', spf: 'GRAY', dkim: 'PASS', dmarc: 'PASS' };
  it.each([
    ['alice@sender.example', 'Alice <alice@sender.example>', true],
    // The domain without case and without a final dot; the local part as written.
    ['alice@SENDER.example', 'alice@sender.example.', true],
    ['Alice@sender.example', 'alice@sender.example', false],
    ['"a b"@sender.example', '"Doe, Jane" <"a b"@sender.example>', true],
    // Replays: a made-up subdomain or another user of the signer's domain (SPF GRAY there).
    ['bounces@mail.sender.example', 'News <news@sender.example>', false],
    ['no-such-user@sender.example', 'alice@sender.example', false],
    ['bounces@sender.example', 'news@mail.sender.example', false],
    ['alice@evilsender.example', 'alice@sender.example', false],
    ['alice@sender.example.attacker.example', 'alice@sender.example', false],
    ['x@victim.example', 'not an address', false],
    ['x@victim.example', 'Someone <x@victim.example>, Other <other@victim.example>', false],
  ])('return path %s, From %s → authenticated %s', (sender, from, authenticated) => {
    expect(checkReturnPath({ ...base, sender, headerFrom: [from], verdicts: dkimOnly }).authenticated).toBe(authenticated);
  });

  it('needs exactly one From address', () => {
    expect(checkReturnPath({ ...base, headerFrom: ['alice@sender.example', 'alice@sender.example'], verdicts: dkimOnly }).authenticated).toBe(false);
    expect(checkReturnPath({ ...base, headerFrom: [], verdicts: dkimOnly }).authenticated).toBe(false);
    expect(checkReturnPath({ ...base, verdicts: dkimOnly }).authenticated).toBe(false);
  });

  it('reads the one address of an SES commonHeaders entry', () => {
    expect(addressOf('"Doe, Jane" <jane@Example.COM>')).toEqual({ local: 'jane', domain: 'example.com' });
    expect(addressOf('"<x@y.example>" <jane@example.com>')).toEqual({ local: 'jane', domain: 'example.com' });
    expect(addressOf('"a@b"@example.com')).toEqual({ local: '"a@b"', domain: 'example.com' });
    expect(domainOf('jane@example.com')).toBe('example.com');
    expect(domainOf('jane@localhost')).toBeUndefined();
    expect(domainOf('<>')).toBeUndefined();
    expect(domainOf('jane@exa mple.com')).toBeUndefined();
  });
});

describe('delay warnings follow the DSN rule', () => {
  it('warns an authenticated sender on a DSN route only', () => {
    expect(delayWarningAllowed(base, 'dsn')).toEqual({ allowed: true });
    expect(delayWarningAllowed(base, 'dead-letter').allowed).toBe(false);
    expect(delayWarningAllowed({ ...base, verdicts: { ...base.verdicts, spf: 'GRAY', dkim: 'FAIL' } }, 'dsn')).toEqual({ allowed: false, why: 'return path not authenticated (SPF GRAY, DKIM FAIL, DMARC PASS)' });
  });
});
