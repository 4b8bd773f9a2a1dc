// The pooled nodemailer transport's sessions against a real, scripted SMTP server on loopback:
// how many it opens, how it treats a primary that limits them, restarts and SIZE (replies per
// recipient: nodemailer-transport.test.ts).
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodemailerTransportFactory, type PooledSmtpTransport } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';

const message = (body = 'Hello') => Readable.from([Buffer.from(`Subject: test\r\nFrom: s@sender.test\r\n\r\n${body}\r\n`)]);
const replyOf = (result: { replies: { recipient: string; reply: { code?: number } }[] }) =>
  Object.fromEntries(result.replies.map((r) => [r.recipient, r.reply.code]));

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