// The scripted primary is shared test equipment (end-to-end, zero-loss, bench):
// its own API is checked here.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NodemailerTransportFactory } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { primariesPerTest } from '../../support/smtp/primaries-per-test.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';

const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000 });
const primaryWith = primariesPerTest();
async function sendOne(p: ScriptedPrimary, to = ['a@primary.test'], body = 'x') {
  const t = await factory.open(p.asPrimary('none'));
  const r = await t.send({ from: 's@sender.test', to }, Readable.from([Buffer.from(`Subject: t\r\n\r\n${body}\r\n`)]));
  await t.close();
  return r;
}

describe('ScriptedPrimary', () => {
  it('listens on 127.0.0.1 on a free port and restarts on the same one, counting connections across restarts', async () => {
    const p = await primaryWith();
    expect(p.host).toBe('127.0.0.1');
    expect(p.port).toBeGreaterThan(0);
    const port = p.port;
    await sendOne(p);
    await p.stop();
    expect(p.running).toBe(false);
    await p.restart();
    expect(p.port).toBe(port);
    await sendOne(p);
    expect(p.connectionCount).toBe(2);
    expect(p.messages.map((m) => m.connection)).toEqual([1, 2]);
  });

  it('scripts per connection: the first gets a 421 greeting, the next one is accepted', async () => {
    const p = await primaryWith({ script: { greeting: ({ connection }) => (connection === 1 ? { code: 421, text: 'busy' } : 'accept') } });
    expect((await sendOne(p)).connectionFailed).toBe(true);
    expect((await sendOne(p)).replies[0].reply.code).toBe(250);
  });

  it('scripts per transaction with a function of the recipient and context', async () => {
    const p = await primaryWith({
      script: { rcpt: (to, t) => (to.startsWith('odd') && t.transaction === 1 ? { code: 450, enhanced: '4.2.1', text: 'busy' } : 'accept') },
    });
    const r = await sendOne(p, ['odd@primary.test', 'even@primary.test']);
    expect(r.replies.map((x) => x.reply.code)).toEqual([450, 250]);
  });

  it('keeps only the digest in digest mode; waitForMessages and messagesFor find messages', async () => {
    const p = await primaryWith({ keep: 'digest' });
    void sendOne(p, ['a@primary.test', 'b@primary.test'], 'hello');
    await p.waitForMessages(1, 2_000);
    expect(p.messages[0].raw.length).toBe(0);
    expect(p.messages[0].size).toBe('Subject: t\r\n\r\nhello\r\n'.length);
    expect(p.messages[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.messagesFor('b@primary.test')).toHaveLength(1);
    await expect(p.waitForMessages(2, 50)).rejects.toThrow('expected 2');
  });

  it('stop() drops a stalled session at once', async () => {
    const p = await primaryWith({ script: { data: 'stall' } });
    const t = await new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 30_000 }).open(p.asPrimary('none'));
    const pending = t.send({ from: '', to: ['a@primary.test'] }, Readable.from([Buffer.from('x\r\n')]));
    await new Promise((r) => setTimeout(r, 250));
    expect(p.openConnections).toBe(1);
    const stopping = Date.now();
    await p.stop();
    const result = await pending;
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(result).toMatchObject({ connectionFailed: true, afterData: true });
    await t.close();
  });
});
