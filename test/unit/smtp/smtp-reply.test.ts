// Reply parsing and the mapping of nodemailer errors to replies, on real server replies.
import { describe, expect, it } from 'vitest';
import { parseReply, replyOfError, sessionFailureReply } from '../../../lambdas/adapters/smtp/smtp-reply.js';
import { tlsPolicy } from '../../../lambdas/adapters/smtp/tls-policy.js';

describe('parseReply', () => {
  it.each([
    ['250 2.0.0 Ok: queued as 4BcdXy1z2Fz9v', { code: 250, enhanced: '2.0.0', text: 'Ok: queued as 4BcdXy1z2Fz9v' }],
    ['250 OK id=1qZ8Xa-0004Qm-2b', { code: 250, text: 'OK id=1qZ8Xa-0004Qm-2b' }],
    ['451 4.3.0 Error: queue file write error', { code: 451, enhanced: '4.3.0', text: 'Error: queue file write error' }],
    ['452 4.5.3 Error: too many recipients', { code: 452, enhanced: '4.5.3', text: 'Error: too many recipients' }],
    [
      '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table',
      { code: 550, enhanced: '5.1.1', text: '<nobody@example.com>: Recipient address rejected: User unknown in local recipient table' },
    ],
    ['552 5.3.4 Message size exceeds fixed limit', { code: 552, enhanced: '5.3.4', text: 'Message size exceeds fixed limit' }],
    ['554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked', { code: 554, enhanced: '5.7.1', text: 'Service unavailable; Client host [192.0.2.1] blocked' }],
    ['421 4.7.0 mx.example.com Error: too many errors', { code: 421, enhanced: '4.7.0', text: 'mx.example.com Error: too many errors' }],
    ['550', { code: 550, text: '' }],
    // an enhanced code of the wrong class is part of the text, not the status
    ['550 2.0.0 odd', { code: 550, text: '2.0.0 odd' }],
    [
      '550-5.7.26 Unauthenticated email is not accepted from this domain.\n550-5.7.26 DMARC policy of reject.\n550 5.7.26 See https://support.google.com/mail/answer/2451690',
      {
        code: 550,
        enhanced: '5.7.26',
        text: 'Unauthenticated email is not accepted from this domain. DMARC policy of reject. See https://support.google.com/mail/answer/2451690',
      },
    ],
  ])('%s', (raw, expected) => {
    expect(parseReply(raw)).toEqual(expected);
  });

  it('text without a reply code comes back with no code', () => {
    expect(parseReply('garbage from a broken server')).toEqual({ text: 'garbage from a broken server' });
  });
});

describe('replyOfError', () => {
  it('uses the server reply carried by the error', () => {
    expect(replyOfError({ message: 'Message failed: 451 4.3.0 try later', code: 'EMESSAGE', response: '451 4.3.0 try later', responseCode: 451 })).toEqual({
      code: 451,
      enhanced: '4.3.0',
      text: 'try later',
    });
  });

  it('without a reply, describes the error with its code', () => {
    expect(replyOfError({ message: 'Invalid recipient "a<b"', code: 'EENVELOPE', command: 'API' })).toEqual({
      text: 'Invalid recipient "a<b"',
      errorCode: 'EENVELOPE',
    });
  });
});

describe('sessionFailureReply', () => {
  it('a timeout has no code and names the kind of timeout', () => {
    expect(sessionFailureReply({ message: 'Greeting never received', code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT', command: 'CONN' })).toEqual({
      text: 'Greeting never received (GREETING_TIMEOUT)',
      errorCode: 'ETIMEDOUT',
    });
  });

  it('a refused connection keeps the system error in the text', () => {
    const reply = sessionFailureReply({ message: 'connect ECONNREFUSED 127.0.0.1:25', code: 'ESOCKET', originalCode: 'ECONNREFUSED' });
    expect(reply).toEqual({ text: 'connect ECONNREFUSED 127.0.0.1:25', errorCode: 'ESOCKET' });
  });

  it('certificate errors reported as socket errors become ETLS', () => {
    for (const originalCode of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      expect(sessionFailureReply({ message: 'tls failed', code: 'ESOCKET', originalCode }).errorCode).toBe('ETLS');
    }
  });

  it('keeps a 4xx code (421) but never a 5xx one: a failed session is no verdict on a recipient', () => {
    expect(sessionFailureReply({ message: 'closing', code: 'ECONNECTION', response: '421 4.3.2 shutting down', responseCode: 421 })).toMatchObject({
      code: 421,
      enhanced: '4.3.2',
      errorCode: 'ECONNECTION',
    });
    const auth = sessionFailureReply({ message: 'Invalid login: 535 5.7.8 bad', code: 'EAUTH', response: '535 5.7.8 bad', responseCode: 535, command: 'AUTH PLAIN' });
    expect(auth.code).toBeUndefined();
    expect(auth).toMatchObject({ errorCode: 'EAUTH', text: 'AUTH PLAIN: Invalid login: 535 5.7.8 bad' });
  });
});

describe('tlsPolicy', () => {
  it.each([
    ['none', false, false, false],
    ['opportunistic', true, false, false],
    ['required', true, true, false],
    ['verify', true, true, true],
    // the pin, not a CA, decides (tls-pins.ts): a self-signed certificate must get through the handshake
    ['fingerprint', true, true, false],
  ] as const)('%s: STARTTLS %s, required %s, certificate checked %s', (mode, use, require, verify) => {
    const policy = tlsPolicy(mode, 'mx.example.com');
    expect(policy.useStartTls).toBe(use);
    expect(policy.requireStartTls).toBe(require);
    expect(policy.tls.rejectUnauthorized).toBe(verify);
    expect(policy.tls.servername).toBe('mx.example.com');
  });

  it('sends no SNI for an IP literal', () => {
    expect(tlsPolicy('verify', '192.0.2.10').tls.servername).toBeUndefined();
  });
});
