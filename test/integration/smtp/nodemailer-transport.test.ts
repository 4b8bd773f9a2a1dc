// The pooled nodemailer transport against a real, scripted SMTP server on loopback:
// what each server behaviour turns into, per recipient.
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

describe('NodemailerTransport pooling', () => {
  it('sends many messages over one connection', async () => {
    const before = primary.connectionCount;
    for (let i = 0; i < 25; i++) {
      const r = await transport.send({ from: 's@sender.test', to: [`r${i}@primary.test`] }, message(`n${i}`));
      expect(r.replies[0].reply.code).toBe(250);
    }
    expect(primary.connectionCount - before).toBe(1);
    expect(new Set(primary.messages.map((m) => m.connection)).size).toBe(1);
    expect(primary.messages.map((m) => m.transaction)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('opens up to maxConnections sessions for concurrent sends, no more', async () => {
    const wide = await new NodemailerTransportFactory({ clientName: 'backup-mx.test', maxConnections: 3 }).open(primary.asPrimary('none'));
    const before = primary.connectionCount;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => wide.send({ from: 's@sender.test', to: [`c${i}@primary.test`] }, message())),
    );
    await wide.close();
    expect(results.every((r) => r.replies[0].reply.code === 250)).toBe(true);
    expect(primary.connectionCount - before).toBe(3);
    expect(primary.messages).toHaveLength(12);
  });

  it('slow start: opens 5 sessions first and more as messages go through, never past maxConnections', async () => {
    const wide = await new NodemailerTransportFactory({ clientName: 'backup-mx.test', maxConnections: 12 }).open(primary.asPrimary('none'));
    primary.script = { replyDelayMs: 15 };
    const before = primary.connectionCount;
    const first = await Promise.all(Array.from({ length: 5 }, (_, i) => wide.send({ from: 's@sender.test', to: [`w${i}@primary.test`] }, message())));
    expect(primary.connectionCount - before).toBe(5);
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => wide.send({ from: 's@sender.test', to: [`s${i}@primary.test`] }, message())));
    await wide.close();
    expect([...first, ...results].every((r) => r.replies[0].reply.code === 250 && !r.connectionFailed)).toBe(true);
    expect(wide.peakSessions).toBeGreaterThan(5);
    expect(wide.peakSessions).toBeLessThanOrEqual(12);
    expect(primary.connectionCount - before).toBeLessThanOrEqual(12);
  });

  it('a primary refusing sessions past 3 (421 at the greeting) is a limit, not an outage: every message goes through 3 sessions', async () => {
    const wide = await new NodemailerTransportFactory({ clientName: 'backup-mx.test', maxConnections: 10, initialSessions: 6 }).open(primary.asPrimary('none'));
    const before = primary.connectionCount;
    primary.script = {
      greeting: (c) => (c.connection - before > 3 ? { code: 421, enhanced: '4.7.0', text: 'too many connections from your host' } : 'accept'),
      replyDelayMs: 10,
    };
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => wide.send({ from: 's@sender.test', to: [`l${i}@primary.test`] }, message())));
    await wide.close();
    expect(results.filter((r) => r.connectionFailed)).toEqual([]);
    expect(results.every((r) => r.replies[0].reply.code === 250)).toBe(true);
    expect(primary.messages).toHaveLength(30);
    expect(wide.peakSessions).toBe(3);
    expect(wide.refusedSessions).toBeGreaterThanOrEqual(1);
    // Refused attempts stay few: the sends wait for the working sessions instead of reconnecting.
    expect(primary.connectionCount - before).toBeLessThanOrEqual(10);
  });

  it('with no session working, a refused connection is still a session failure', async () => {
    primary.script = { greeting: { code: 421, text: 'down for maintenance' } };
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    expect(result.connectionFailed).toBe(true);
    expect(result.replies[0].reply.code).toBe(421);
  });

  it('reconnects after the primary restarts on the same port', async () => {
    await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, message());
    const port = primary.port;
    await primary.restart();
    expect(primary.port).toBe(port);
    await new Promise((r) => setTimeout(r, 20)); // let the client see the close
    const result = await transport.send({ from: 's@sender.test', to: ['b@primary.test'] }, message());
    expect(replyOf(result)).toEqual({ 'b@primary.test': 250 });
    expect(transport.connectionsOpened).toBe(2);
  });

  it('sends SIZE when known and turns a message over the advertised limit into 552 5.3.4 without sending it', async () => {
    const small = await ScriptedPrimary.start({ size: 1000 });
    const t = await factory.open(small.asPrimary('none'));
    const ok = await t.send({ from: 's@sender.test', to: ['a@primary.test'], size: 60 }, message());
    const big = await t.send({ from: 's@sender.test', to: ['a@primary.test'], size: 5000 }, message('x'.repeat(5000)));
    await t.close();
    await small.stop();
    expect(ok.replies[0].reply.code).toBe(250);
    expect(small.messages[0].mailParams.SIZE).toBe('60');
    expect(big).toMatchObject({ connectionFailed: false });
    expect(big.replies[0].reply).toMatchObject({ code: 552, enhanced: '5.3.4' });
    expect(small.messages).toHaveLength(1);
  });

  it('refuses to send after close()', async () => {
    await transport.close();
    await expect(transport.send({ from: '', to: ['a@primary.test'] }, message())).rejects.toThrow('after close');
  });
});
