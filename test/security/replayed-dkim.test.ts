// Claim (docs/security.md, "a sender crafting the envelope"): a replayed
// DKIM-signed message earns no DSN to an address the signer never used.
// DKIM and DMARC vouch for the header From, never for the envelope sender:
// anyone can get one message signed by a large provider (send one to
// yourself) and replay it unchanged, with a MAIL FROM of their choosing, to a
// route without a recipient list. The signature stays valid (MAIL FROM is not
// signed), DMARC passes by DKIM alignment, and SPF for a made-up subdomain has
// no record (GRAY, not FAIL). When the policy took any return path in the From
// domain's tree, each replay earned a DSN to an address that cannot exist: a
// hard bounce against the user's SES account, a fresh address each time so the
// configuration set's suppression list never caught it. Now the DKIM path
// authenticates only the From address itself (core/outcome/notice-policy.ts); any
// other return path needs SPF PASS. (Found by the issue 17 review.)
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../lambdas/core/model.js';
import { checkReturnPath, noticeFor } from '../../lambdas/core/outcome/notice-policy.js';

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

describe('a replayed DKIM-signed message does not authenticate a return path the signer never used', () => {
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
