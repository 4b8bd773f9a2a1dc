// Review of issue 17 (backscatter): DKIM and DMARC vouch for the header From
// domain, never for the envelope sender. Anyone can get one DKIM-signed message
// from a large mail provider (send one to yourself), then replay it unchanged
// to a route without a recipient list with a MAIL FROM of their choosing: the
// signature stays valid (MAIL FROM is not signed), DMARC passes by DKIM
// alignment, and SPF for an address at a made-up subdomain has no record
// (GRAY), so it is not FAIL. The notice policy then calls the return path
// "authenticated" because it sits in the From domain's tree, and every such
// message earns a DSN to an address that cannot exist: a hard bounce counted
// against the user's SES account, up to dsnPerHour an hour per route, with a
// fresh address each time so the configuration set's suppression list never
// catches it. These fail now and should pass once the DKIM path requires the
// return path to be the From address itself (or is dropped in favour of SPF PASS).
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../lambdas/core/model.js';
import { checkReturnPath, noticeFor } from '../../lambdas/core/notice-policy.js';

/** The replayed message as SES reports it: the provider's own user in From, DKIM and DMARC PASS, SPF GRAY. */
const replayed = (sender: string): InboundMessage => ({
  messageId: 'm-replay',
  receivedAt: new Date('2026-01-05T10:00:00Z'),
  sender,
  recipients: ['no-such-user@example.com'],
  bucketName: 'b',
  objectKey: 'inbound/main/m-replay',
  headerFrom: ['Mallory <mallory@mail-provider.example>'],
  verdicts: { spam: 'PASS', virus: 'PASS', spf: 'GRAY', dkim: 'PASS', dmarc: 'PASS' },
});

describe('review: a replayed DKIM-signed message does not authenticate a return path the signer never used', () => {
  it.each([
    ['a made-up subdomain of the signer (no SPF record there: GRAY)', 'x7f3a9@nx-4711.mail-provider.example'],
    ['another, non-existent user of the signer\'s own domain', 'no-such-user-4711@mail-provider.example'],
  ])('%s: no DSN (it could only bounce)', (_what, sender) => {
    const message = replayed(sender);
    expect(checkReturnPath(message).authenticated).toBe(false);
    expect(noticeFor(message, 'dsn', 'bounced').kind).toBe('suppressed');
  });

  it('the signer\'s own address as return path still gets its DSN (it is the From the signature covers)', () => {
    expect(noticeFor(replayed('mallory@mail-provider.example'), 'dsn', 'bounced')).toEqual({ kind: 'dsn' });
  });
});
