// The pooled nodemailer transport against a real, scripted SMTP server on loopback:
// what each server behaviour turns into, per recipient (sessions and pooling: nodemailer-pooling.test.ts).
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodemailerTransportFactory, type PooledSmtpTransport } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';

const message = (body = 'Hello') => Readable.from([Buffer.from(`Subject: test\r\nFrom: s@sender.test\r\n\r\n${body}\r\n`)]);
const replyOf = (result: { replies: { recipient: string; reply: { code?: number } }[] }) =>
  Object.fromEntries(result.replies.map((r) => [r.recipient, r.reply.code]));

/** A body that sends its first half, then waits: lets the server act mid-DATA deterministically. */
function slowMessage(waitMs: number): Readable {
  let step = 0;
  return new Readable({
    read() {
      step++;
      if (step === 1) this.push(Buffer.from('Subject: slow\r\n\r\n' + 'a'.repeat(1000) + '\r\n'));
      else if (step === 2) setTimeout(() => this.push(Buffer.from('rest\r\n')), waitMs);
      else this.push(null);
    },
  });
}

let primary: ScriptedPrimary;
let transport: PooledSmtpTransport;
const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 400, greetingTimeoutMs: 400 });

beforeAll(async () => {
  primary = await ScriptedPrimary.start();
});
afterAll(async () => {
  await primary.stop();
});
beforeEach(async () => {
  primary.reset();
  transport = await factory.open(primary.asPrimary('none'));
});
afterEach(async () => {
  await transport.close();
});

describe('NodemailerTransport replies', () => {
  it('accepts every recipient with the reply to the final dot', async () => {
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test', 'b@primary.test'] }, message());
    expect(result.connectionFailed).toBe(false);
    expect(result.replies).toEqual([
      { recipient: 'a@primary.test', reply: { code: 250, enhanced: '2.0.0', text: 'Ok: queued as ' + primary.messages[0].queueId } },
      { recipient: 'b@primary.test', reply: { code: 250, enhanced: '2.0.0', text: 'Ok: queued as ' + primary.messages[0].queueId } },
    ]);
    expect(primary.messages[0].to).toEqual(['a@primary.test', 'b@primary.test']);
    expect(primary.messages[0].from).toBe('s@sender.test');
  });

  it('gives each recipient its own RCPT reply when the server mixes 250, 451 and 550', async () => {
    primary.script = {
      rcpt: {
        'later@primary.test': { code: 451, enhanced: '4.2.0', text: 'greylisted' },
        'nobody@primary.test': { code: 550, enhanced: '5.1.1', text: 'no such user' },
      },
    };
    const result = await transport.send(
      { from: 's@sender.test', to: ['ok@primary.test', 'later@primary.test', 'nobody@primary.test'] },
      message(),
    );
    expect(result.connectionFailed).toBe(false);
    expect(result.replies[1].reply).toEqual({ code: 451, enhanced: '4.2.0', text: 'greylisted' });
    expect(result.replies[2].reply).toEqual({ code: 550, enhanced: '5.1.1', text: 'no such user' });
    expect(replyOf(result)['ok@primary.test']).toBe(250);
    expect(primary.messages).toHaveLength(1);
    expect(primary.messages[0].to).toEqual(['ok@primary.test']);
  });

  it('reports every refusal when all recipients are refused, and reuses the session (RSET)', async () => {
    primary.script = { rcpt: { 'x@primary.test': { code: 550, enhanced: '5.1.1', text: 'unknown' }, 'y@primary.test': { code: 452, enhanced: '4.5.3', text: 'too many' } } };
    const result = await transport.send({ from: 's@sender.test', to: ['x@primary.test', 'y@primary.test'] }, message());
    expect(result).toEqual({
      replies: [
        { recipient: 'x@primary.test', reply: { code: 550, enhanced: '5.1.1', text: 'unknown' } },
        { recipient: 'y@primary.test', reply: { code: 452, enhanced: '4.5.3', text: 'too many' } },
      ],
      connectionFailed: false,
    });
    const next = await transport.send({ from: 's@sender.test', to: ['ok@primary.test'] }, message());
    expect(replyOf(next)).toEqual({ 'ok@primary.test': 250 });
    expect(transport.connectionsOpened).toBe(1);
    expect(primary.messages).toHaveLength(1);
  });

  it('applies a 451 after DATA to every accepted recipient; RCPT refusals keep theirs', async () => {
    primary.script = { data: { code: 451, enhanced: '4.3.0', text: 'queue write error' }, rcpt: { 'no@primary.test': { code: 550, text: 'no' } } };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test', 'b@primary.test', 'no@primary.test'] }, message());
    expect(result.connectionFailed).toBe(false);
    expect(result.replies.map((r) => r.reply)).toEqual([
      { code: 451, enhanced: '4.3.0', text: 'queue write error' },
      { code: 451, enhanced: '4.3.0', text: 'queue write error' },
      { code: 550, text: 'no' },
    ]);
    expect(primary.messages).toHaveLength(0);
  });

  it('passes a refused MAIL FROM to every recipient', async () => {
    primary.script = { mailFrom: { code: 553, enhanced: '5.7.1', text: 'sender rejected' } };
    const result = await transport.send({ from: 'spam@sender.test', to: ['a@primary.test', 'b@primary.test'] }, message());
    expect(result.connectionFailed).toBe(false);
    expect(result.replies.map((r) => r.reply.code)).toEqual([553, 553]);
    expect(result.replies[0].reply.enhanced).toBe('5.7.1');
  });

  it('drop mid-DATA: connection failure before the final dot, nothing kept', async () => {
    primary.script = { data: 'drop-mid-data' };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, slowMessage(300));
    expect(result.connectionFailed).toBe(true);
    expect(result.afterData).toBe(false);
    expect(result.replies[0].reply.code).toBeUndefined();
    expect(['ECONNECTION', 'ESOCKET']).toContain(result.replies[0].reply.errorCode);
    expect(primary.messages).toHaveLength(0);
  });

  it('drop right after the final dot: afterData, and the primary kept the message (the duplicate case)', async () => {
    primary.script = { data: 'drop-after-dot' };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message('kept'));
    expect(result.connectionFailed).toBe(true);
    expect(result.afterData).toBe(true);
    expect(result.replies[0].reply.code).toBeUndefined();
    expect(primary.messages).toHaveLength(1);
    expect(primary.messages[0].droppedAfterDot).toBe(true);
  });

  it('a stalled RCPT times out as a connection failure, and the next send opens a new session', async () => {
    primary.script = { rcpt: () => 'stall' };
    const started = Date.now();
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ connectionFailed: true, afterData: false });
    expect(result.replies[0].reply.errorCode).toBe('ETIMEDOUT');
    primary.script = {};
    const next = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(replyOf(next)).toEqual({ 'a@primary.test': 250 });
    expect(transport.connectionsOpened).toBe(2);
  });

  it('a stall after the final dot times out with afterData', async () => {
    primary.script = { data: 'stall' };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(result).toMatchObject({ connectionFailed: true, afterData: true });
    expect(result.replies[0].reply.errorCode).toBe('ETIMEDOUT');
  });

  it('a stalled greeting times out as a connection failure', async () => {
    primary.script = { greeting: 'stall' };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(result).toMatchObject({ connectionFailed: true, afterData: false });
    expect(result.replies[0].reply).toMatchObject({ errorCode: 'ETIMEDOUT' });
    expect(result.replies[0].reply.code).toBeUndefined();
  });

  it('a 421 greeting is a connection failure that keeps its 4xx code', async () => {
    primary.script = { greeting: { code: 421, enhanced: '4.3.2', text: 'shutting down' } };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(result.connectionFailed).toBe(true);
    expect(result.replies[0].reply).toMatchObject({ code: 421, enhanced: '4.3.2' });
  });

  it('a 554 greeting fails the session without a 5xx code, so nothing bounces on it', async () => {
    primary.script = { greeting: { code: 554, enhanced: '5.3.2', text: 'not accepting mail' } };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(result.connectionFailed).toBe(true);
    expect(result.replies[0].reply.code).toBeUndefined();
    expect(result.replies[0].reply.text).toContain('554');
  });

  it('a 421 at RCPT ends the session: connection failure, code 421', async () => {
    primary.script = { rcpt: { 'b@primary.test': { code: 421, enhanced: '4.3.2', text: 'closing' } } };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test', 'b@primary.test'] }, message());
    expect(result.connectionFailed).toBe(true);
    expect(result.afterData).toBe(false);
    expect(result.replies.map((r) => r.reply.code)).toEqual([421, 421]);
  });

  it('refused connection: connection failure with no code', async () => {
    const down = await ScriptedPrimary.start();
    const target = down.asPrimary('none');
    await down.stop();
    const t = await factory.open(target);
    const result = await t.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    await t.close();
    expect(result).toMatchObject({ connectionFailed: true, afterData: false });
    expect(result.replies[0].reply.code).toBeUndefined();
    expect(result.replies[0].reply.text).toContain('ECONNREFUSED');
  });

  it('a source stream failing mid-message is not the primary failing; the session is replaced', async () => {
    let sent = false;
    const broken = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(Buffer.from('Subject: half\r\n\r\n'));
        } else setTimeout(() => this.destroy(new Error('S3 read reset')), 20);
      },
    });
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, broken);
    expect(result.connectionFailed).toBe(false);
    expect(result.replies[0].reply).toMatchObject({ errorCode: 'ESTREAM' });
    expect(result.replies[0].reply.code).toBeUndefined();
    const next = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(replyOf(next)).toEqual({ 'a@primary.test': 250 });
    expect(primary.messages).toHaveLength(1);
    expect(primary.messages[0].raw.toString()).not.toContain('half');
  });
});
