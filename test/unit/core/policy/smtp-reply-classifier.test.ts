import { describe, expect, it } from 'vitest';
import type { Disposition, SmtpReply } from '../../../../lambdas/core/model.js';
import { AUTH_WITHHELD, classifyReply, dsnStatus, formatReply, isClientMisconfiguration } from '../../../../lambdas/core/policy/smtp-reply-classifier.js';

// Real replies, as the servers send them (code, enhanced code, text).
const table: [string, SmtpReply, Disposition, string][] = [
  // delivered
  ['Postfix queued', { code: 250, enhanced: '2.0.0', text: 'Ok: queued as 4Zk9Qd1x2bz9sS' }, 'delivered', '2.0.0'],
  ['Gmail accepted', { code: 250, enhanced: '2.0.0', text: 'OK  1736071091 a640c23a62f3a-ab2c1d2e3f4si123456.87 - gsmtp' }, 'delivered', '2.0.0'],
  ['Exim accepted (no enhanced code)', { code: 250, text: 'OK id=1tUaBc-000Abc-2x' }, 'delivered', '2.0.0'],
  ['Exchange queued', { code: 250, enhanced: '2.6.0', text: '<CAB1x2y3z@mail.sender.example> [InternalId=123, Hostname=EX01] Queued mail for delivery' }, 'delivered', '2.6.0'],
  ['251 user not local, will forward', { code: 251, enhanced: '2.1.5', text: 'User not local; will forward' }, 'delivered', '2.1.5'],
  // deferred: 4xx
  ['Postfix greylisting', { code: 450, enhanced: '4.2.0', text: '<bob@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html' }, 'deferred', '4.2.0'],
  ['Gmail greylist-like try again', { code: 451, enhanced: '4.3.0', text: 'Mail server temporarily rejected message. a640c23a62f3a - gsmtp' }, 'deferred', '4.3.0'],
  ['Gmail rate limit', { code: 421, enhanced: '4.7.28', text: 'Gmail has detected an unusual rate of unsolicited mail originating from your IP address. - gsmtp' }, 'deferred', '4.7.28'],
  ['421 service not available', { code: 421, enhanced: '4.3.2', text: 'Service not available, closing transmission channel' }, 'deferred', '4.3.2'],
  ['Exim local error 451', { code: 451, text: 'Temporary local problem - please try later' }, 'deferred', '4.0.0'],
  ['Postfix 452 insufficient storage', { code: 452, enhanced: '4.3.1', text: 'Insufficient system storage' }, 'deferred', '4.3.1'],
  ['Gmail mailbox full 452', { code: 452, enhanced: '4.2.2', text: "The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp" }, 'deferred', '4.2.2'],
  ['Exchange 451 transient', { code: 451, enhanced: '4.4.0', text: 'Primary target IP address responded with: "421 4.4.2 Connection dropped." Attempted failover to alternate host, but that did not succeed.' }, 'deferred', '4.4.0'],
  ['Postfix 454 TLS not available', { code: 454, enhanced: '4.7.0', text: 'TLS not available due to local problem' }, 'deferred', '4.7.0'],
  // deferred: no reply at all
  ['connection refused', { text: 'connect ECONNREFUSED 192.0.2.25:25', errorCode: 'ECONNREFUSED' }, 'deferred', '4.4.1'],
  ['greeting timeout', { text: 'Greeting never received', errorCode: 'ETIMEDOUT' }, 'deferred', '4.4.1'],
  ['dropped mid-DATA', { text: 'Connection closed unexpectedly', errorCode: 'ESOCKET' }, 'deferred', '4.4.2'],
  ['TLS handshake failed', { text: 'self-signed certificate', errorCode: 'ETLS' }, 'deferred', '4.7.0'],
  // deferred: odd or contradictory replies (never bounce on doubt)
  ['garbage 354 to RCPT', { code: 354, text: 'End data with <CR><LF>.<CR><LF>' }, 'deferred', '4.0.0'],
  ['garbage 600', { code: 600, text: '???' }, 'deferred', '4.0.0'],
  ['5xx with a 4.x.x enhanced code', { code: 550, enhanced: '4.7.1', text: 'Please try again later' }, 'deferred', '4.7.1'],
  ['2xx with a 5.x.x enhanced code', { code: 250, enhanced: '5.0.0', text: 'confused server' }, 'deferred', '4.0.0'],
  ['Gmail mailbox full 552 5.2.2 (persistent transient)', { code: 552, enhanced: '5.2.2', text: 'The email account that you tried to reach is over quota and inactive. - gsmtp' }, 'deferred', '4.2.2'],
  ['Postfix 552 too many recipients (really 452)', { code: 552, enhanced: '5.5.3', text: 'Error: too many recipients' }, 'deferred', '4.5.3'],
  ['old 552 too many recipients without enhanced code', { code: 552, text: 'Too many recipients' }, 'deferred', '4.0.0'],
  // deferred: the primary wants TLS or AUTH we did not give it (our configuration, not the recipient)
  ['smtp-server 530 STARTTLS required at MAIL FROM', { code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' }, 'deferred', '4.7.0'],
  ['Postfix 530 authentication required', { code: 530, enhanced: '5.7.0', text: 'Authentication required' }, 'deferred', '4.7.0'],
  ['Exchange 530 client not authenticated', { code: 530, enhanced: '5.7.1', text: 'Client was not authenticated' }, 'deferred', '4.7.1'],
  ['535 credentials invalid', { code: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid' }, 'deferred', '4.7.8'],
  ['538 encryption required for AUTH', { code: 538, enhanced: '5.7.11', text: 'Encryption required for requested authentication mechanism' }, 'deferred', '4.7.11'],
  ['550 5.7.10 encryption needed', { code: 550, enhanced: '5.7.10', text: 'Encryption needed' }, 'deferred', '4.7.10'],
  // we withheld AUTH (the primary is not TLS-verified): ours to fix, never a bounce
  ['AUTH withheld', { text: 'AUTH withheld: the session to mx.example.com:587 is not TLS-verified (tls "required": certificate not verified: DEPTH_ZERO_SELF_SIGNED_CERT)', errorCode: 'EAUTHWITHHELD' }, 'deferred', '4.7.0'],
  // bounced
  ['Gmail no such user', { code: 550, enhanced: '5.1.1', text: "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. - gsmtp" }, 'bounced', '5.1.1'],
  ['Postfix unknown user', { code: 550, enhanced: '5.1.1', text: '<nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table' }, 'bounced', '5.1.1'],
  ['Exchange recipient not found', { code: 550, enhanced: '5.1.10', text: 'RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup' }, 'bounced', '5.1.10'],
  ['Exim unrouteable', { code: 550, text: 'Unrouteable address' }, 'bounced', '5.0.0'],
  ['554 5.7.1 policy rejection', { code: 554, enhanced: '5.7.1', text: '<bob@example.com>: Relay access denied' }, 'bounced', '5.7.1'],
  ['Gmail 550 5.7.26 DMARC', { code: 550, enhanced: '5.7.26', text: 'Unauthenticated email from sender.example is not accepted due to domain\'s DMARC policy. - gsmtp' }, 'bounced', '5.7.26'],
  ['552 message size exceeded', { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed maximum message size' }, 'bounced', '5.3.4'],
  ['Exchange 550 5.4.1 access denied', { code: 550, enhanced: '5.4.1', text: 'Recipient address rejected: Access denied. AS(201806281)' }, 'bounced', '5.4.1'],
];

describe('classifyReply', () => {
  it.each(table)('%s', (_name, reply, disposition, status) => {
    expect(classifyReply(reply)).toBe(disposition);
    expect(dsnStatus(reply)).toBe(status);
  });

  it('every 2xx/4xx/5xx code without enhanced code follows its class', () => {
    for (let code = 200; code < 600; code++) {
      const misconfiguration = [530, 535, 538].includes(code); // TLS/AUTH wanted: ours to fix, deferred
      const expected = code < 300 ? 'delivered' : code >= 500 && !misconfiguration ? 'bounced' : 'deferred';
      expect(classifyReply({ code, text: 'x' })).toBe(code >= 300 && code < 400 ? 'deferred' : expected);
    }
  });
});

describe('isClientMisconfiguration', () => {
  it('flags TLS/AUTH demands and nothing else', () => {
    expect(isClientMisconfiguration({ code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' })).toBe(true);
    expect(isClientMisconfiguration({ code: 550, enhanced: '5.7.8', text: 'auth failed' })).toBe(true);
    expect(isClientMisconfiguration({ code: 554, enhanced: '5.7.1', text: 'Relay access denied' })).toBe(false);
    expect(isClientMisconfiguration({ code: 554, enhanced: '5.7.0', text: 'Message rejected as spam' })).toBe(false);
    expect(isClientMisconfiguration({ code: 454, enhanced: '4.7.0', text: 'TLS not available' })).toBe(false);
    expect(isClientMisconfiguration({ text: 'no reply', errorCode: 'ETIMEDOUT' })).toBe(false);
    expect(isClientMisconfiguration({ text: 'AUTH withheld: …', errorCode: AUTH_WITHHELD })).toBe(true);
  });
});

describe('formatReply', () => {
  it('puts code, enhanced code and text on one line', () => {
    expect(formatReply({ code: 550, enhanced: '5.1.1', text: 'User unknown\r\nin table' })).toBe('550 5.1.1 User unknown in table');
    expect(formatReply({ code: 550, enhanced: '5.1.1', text: '5.1.1 User unknown' })).toBe('550 5.1.1 User unknown');
    expect(formatReply({ text: 'Connection closed', errorCode: 'ESOCKET' })).toBe('ESOCKET: Connection closed');
  });
});
