// How each nodemailer outcome becomes one reply per recipient, with the session flags.
import { describe, expect, it } from 'vitest';
import { fromError, fromSuccess, isTransactionError } from '../../../lambdas/adapters/smtp/transaction-result.js';

const rcpt = (recipient: string, response: string) => ({
  message: `Recipient command failed: ${response}`,
  code: 'EENVELOPE',
  response,
  responseCode: Number(response.slice(0, 3)),
  command: 'RCPT TO',
  recipient,
});

describe('fromSuccess', () => {
  it('accepted recipients get the DATA reply, refused ones their RCPT reply', () => {
    const result = fromSuccess(['a@x.test', 'b@x.test'], '250 2.0.0 Ok: queued as ABC', [rcpt('b@x.test', '550 5.1.1 unknown')]);
    expect(result).toEqual({
      replies: [
        { recipient: 'a@x.test', reply: { code: 250, enhanced: '2.0.0', text: 'Ok: queued as ABC' } },
        { recipient: 'b@x.test', reply: { code: 550, enhanced: '5.1.1', text: 'unknown' } },
      ],
      connectionFailed: false,
    });
  });
});

describe('fromError', () => {
  const to = ['a@x.test', 'b@x.test'];

  it('all recipients refused (EENVELOPE with rejectedErrors)', () => {
    const err = { ...rcpt('b@x.test', '451 4.2.0 later'), rejectedErrors: [rcpt('a@x.test', '550 5.1.1 no'), rcpt('b@x.test', '451 4.2.0 later')] };
    const result = fromError(to, err, undefined, false);
    expect(result.connectionFailed).toBe(false);
    expect(result.replies.map((r) => r.reply.code)).toEqual([550, 451]);
  });

  it('refused after DATA (EMESSAGE): the reply for accepted recipients, RCPT refusals kept', () => {
    const err = { message: 'Message failed', code: 'EMESSAGE', response: '554 5.7.1 spam', responseCode: 554, command: 'DATA' };
    const result = fromError(to, err, [rcpt('b@x.test', '550 5.1.1 no')], true);
    expect(result).toEqual({
      replies: [
        { recipient: 'a@x.test', reply: { code: 554, enhanced: '5.7.1', text: 'spam' } },
        { recipient: 'b@x.test', reply: { code: 550, enhanced: '5.1.1', text: 'no' } },
      ],
      connectionFailed: false,
    });
  });

  it('MAIL FROM refused: its reply for everyone, whatever the pipelined RCPTs got', () => {
    const err = { message: 'Mail command failed', code: 'EENVELOPE', response: '553 5.7.1 sender rejected', responseCode: 553, command: 'MAIL FROM' };
    const result = fromError(to, err, [rcpt('a@x.test', '503 5.5.1 need MAIL')], false);
    expect(result.replies.map((r) => r.reply.code)).toEqual([553, 553]);
  });

  it('a drop after the final dot: connection failed, afterData', () => {
    const result = fromError(to, { message: 'Connection closed unexpectedly', code: 'ECONNECTION', command: 'CONN' }, undefined, true);
    expect(result).toMatchObject({ connectionFailed: true, afterData: true });
    expect(result.replies.every((r) => r.reply.code === undefined && r.reply.errorCode === 'ECONNECTION')).toBe(true);
  });

  it('a 421 after the final dot is a refusal, not a maybe-kept message', () => {
    const err = { message: 'Message failed', code: 'EMESSAGE', response: '421 4.3.2 closing', responseCode: 421, command: 'DATA' };
    expect(isTransactionError(err)).toBe(false);
    const result = fromError(to, err, undefined, true);
    expect(result).toMatchObject({ connectionFailed: true, afterData: false });
    expect(result.replies[0].reply.code).toBe(421);
  });

  it('a drop during the envelope keeps RCPT refusals already received', () => {
    const result = fromError(to, { message: 'Connection closed unexpectedly', code: 'ECONNECTION' }, [rcpt('b@x.test', '550 5.1.1 no')], false);
    expect(result.connectionFailed).toBe(true);
    expect(result.afterData).toBe(false);
    expect(result.replies.map((r) => r.reply.code)).toEqual([undefined, 550]);
  });

  it('a failing source stream is not a connection failure', () => {
    const result = fromError(to, { message: 'socket hang up', code: 'ESTREAM', command: 'API' }, undefined, false);
    expect(result).toMatchObject({ connectionFailed: false });
    expect(result.replies[0].reply).toMatchObject({ errorCode: 'ESTREAM' });
  });

  it('over the advertised SIZE: a local 552 5.3.4, nothing sent', () => {
    const err = { message: 'Message size larger than allowed 1000', code: 'EMESSAGE', command: 'MAIL FROM' };
    const result = fromError(to, err, undefined, false);
    expect(result.connectionFailed).toBe(false);
    expect(result.replies[0].reply).toMatchObject({ code: 552, enhanced: '5.3.4' });
  });
});
