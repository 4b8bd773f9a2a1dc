// XCLIENT and XFORWARD from the pooled transport against a real SMTP server
// (smtp-server, which implements both) on loopback: sent only when the route
// asks and the primary offers them, each message with its own client, an
// XCLIENT session used for one message; a primary that does not offer them
// gets the same bytes and commands as without the feature. The same against
// Postfix: test/e2e/postfix-forward-client.test.ts.
import net from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { NodemailerTransportFactory } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import type { OriginalClient } from '../../../lambdas/core/message/original-client.js';
import type { ForwardClientMode } from '../../../lambdas/core/model.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/recording-delivery-log.js';

const body = (n: number) => Buffer.from(`Subject: test ${n}\r\nFrom: s@sender.test\r\n\r\nHello ${n}\r\n`);
const opener = (n: number, client?: OriginalClient) => async () => ({ body: Readable.from([body(n)]), size: body(n).length, ...(client ? { client } : {}) });
const alice: OriginalClient = { addr: '192.0.2.10', family: 4, name: 'mail.alice.example', helo: 'mail.alice.example' };
const bob: OriginalClient = { addr: '2001:db8::25', family: 6, helo: '[2001:db8::25]' };

let primary: ScriptedPrimary | undefined;
afterEach(async () => {
  await primary?.stop();
  primary = undefined;
});

async function sendTwo(mode: ForwardClientMode | undefined, options: { xclientFrom?: string[]; xforwardFrom?: string[] }, log?: RecordingDeliveryLog) {
  primary = await ScriptedPrimary.start(options);
  const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000, greetingTimeoutMs: 2_000, log });
  const transport = await factory.open({ ...primary.asPrimary('opportunistic'), ...(mode ? { forwardClient: mode } : {}) });
  const first = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, opener(1, alice));
  const second = await transport.send({ from: 's@sender.test', to: ['b@primary.test'] }, opener(2, bob));
  await transport.close();
  return { results: [first, second], opened: transport.connectionsOpened };
}

describe('the original client told to the primary', () => {
  it('XCLIENT: each message is judged as its own client, on its own session, over TLS', async () => {
    const { results, opened } = await sendTwo('xclient', { xclientFrom: ['127.0.0.1'] });
    expect(results.map((r) => r.replies[0]!.reply.code)).toEqual([250, 250]);
    const [a, b] = primary!.messages;
    expect(a!.client).toEqual({ address: '192.0.2.10', name: 'mail.alice.example', helo: 'mail.alice.example' });
    expect(b!.client).toMatchObject({ address: '2001:db8::25', helo: '[2001:db8::25]' });
    expect(a!.secure).toBe(true); // STARTTLS came first, and stays
    // XCLIENT cannot be repeated for another client on one session: one session per message.
    expect(opened).toBe(2);
    expect(a!.connection).not.toBe(b!.connection);
    expect(primary!.commands.filter((c) => c === 'XCLIENT')).toHaveLength(2);
    // A new EHLO after each XCLIENT, as the extension requires, before MAIL.
    const order = primary!.commands.join(' ');
    expect(order).toMatch(/STARTTLS EHLO XCLIENT EHLO MAIL/);
  });

  it('XFORWARD: each message on the pooled session carries its own client', async () => {
    const { results, opened } = await sendTwo('xforward', { xforwardFrom: ['127.0.0.1'] });
    expect(results.map((r) => r.replies[0]!.reply.code)).toEqual([250, 250]);
    expect(opened).toBe(1);
    const [a, b] = primary!.messages;
    expect(a!.xforward).toMatchObject({ ADDR: '192.0.2.10', NAME: 'mail.alice.example', HELO: 'mail.alice.example', PROTO: 'ESMTP' });
    expect(b!.xforward).toMatchObject({ ADDR: '2001:db8::25', HELO: '[2001:db8::25]' });
    expect(b!.xforward?.NAME).toBeFalsy(); // [UNAVAILABLE]
    // (smtp-server also takes the XFORWARD address as the session's; Postfix only logs it: the e2e test.)
  });

  it('a primary that does not offer it gets the same commands and bytes as with forwardClient off', async () => {
    const log = new RecordingDeliveryLog();
    await sendTwo('xclient', {}, log);
    const withFeature = { commands: [...primary!.commands], raw: primary!.messages.map((m) => m.raw.toString('latin1')), wire: Buffer.concat(primary!.wire).toString('latin1') };
    await primary!.stop();
    await sendTwo(undefined, {});
    expect(primary!.commands).toEqual(withFeature.commands);
    expect(primary!.messages.map((m) => m.raw.toString('latin1'))).toEqual(withFeature.raw);
    expect(withFeature.wire).not.toMatch(/XCLIENT|XFORWARD/);
    expect(log.lines.filter((e) => /does not offer XCLIENT/.test(e.message))).toHaveLength(1); // once per transport, not per message
  });

  it('XFORWARD offered but XCLIENT asked for: nothing is sent', async () => {
    await sendTwo('xclient', { xforwardFrom: ['127.0.0.1'] });
    expect(primary!.commands).not.toContain('XCLIENT');
    expect(primary!.commands).not.toContain('XFORWARD');
    expect(primary!.messages.map((m) => m.client?.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('a message with no client (its header could not be read) goes as before, on a reusable session', async () => {
    primary = await ScriptedPrimary.start({ xclientFrom: ['127.0.0.1'] });
    const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000, greetingTimeoutMs: 2_000 });
    const transport = await factory.open({ ...primary.asPrimary('none'), forwardClient: 'xclient' });
    await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, opener(1));
    await transport.send({ from: 's@sender.test', to: ['b@primary.test'] }, opener(2));
    await transport.close();
    expect(primary.commands).not.toContain('XCLIENT');
    expect(transport.connectionsOpened).toBe(1);
  });
});

/**
 * A bare SMTP server offering XCLIENT that answers it as told, to see what a
 * refusal does (smtp-server offers XCLIENT only to clients it then accepts).
 */
async function refusingPrimary(xclientReplies: string[], ehloAfter = '250 ok') {
  const commands: string[] = [];
  let xclients = 0;
  const server = net.createServer((socket) => {
    let afterXclient = false;
    let inData = false;
    socket.write('220 refusing.test ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 2.0.0 queued\r\n');
          }
          continue;
        }
        commands.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') socket.write(afterXclient ? `${ehloAfter}\r\n` : '250-refusing.test\r\n250-XCLIENT NAME ADDR PROTO HELO\r\n250 8BITMIME\r\n');
        else if (verb === 'XCLIENT') {
          const reply = xclientReplies[xclients++] ?? '220 ok';
          afterXclient = reply.startsWith('220');
          socket.write(`${reply}\r\n`);
          if (reply.startsWith('421')) socket.end();
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, commands, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('when the primary refuses XCLIENT', () => {
  const factory = (log?: RecordingDeliveryLog) => new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000, greetingTimeoutMs: 2_000, log });

  it('a 550 (not authorised): the message goes without it on the same session, and the refusal is logged', async () => {
    const peer = await refusingPrimary(['550 5.7.0 Error: insufficient authorization']);
    const log = new RecordingDeliveryLog();
    const transport = await factory(log).open({ host: '127.0.0.1', port: peer.port, tls: 'none', forwardClient: 'xclient' });
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, opener(1, alice));
    await transport.close();
    await peer.stop();
    expect(result.replies[0]!.reply.code).toBe(250);
    expect(peer.commands.map((c) => c.split(' ')[0])).toEqual(['EHLO', 'XCLIENT', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/XCLIENT refused/), fields: expect.objectContaining({ reply: '550 5.7.0 Error: insufficient authorization' }) }));
  });

  it('accepted: the EHLO as that client is read afresh (what the primary offers that client is what counts)', async () => {
    // Offered 8BITMIME to backup-mx, not to the client named: MAIL goes without BODY=8BITMIME.
    const peer = await refusingPrimary(['220 ok'], '250 refusing.test');
    const transport = await factory().open({ host: '127.0.0.1', port: peer.port, tls: 'none', forwardClient: 'xclient' });
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, opener(1, alice));
    await transport.close();
    await peer.stop();
    expect(result.replies[0]!.reply.code).toBe(250);
    expect(peer.commands.slice(0, 4)).toEqual(['EHLO backup-mx.test', 'XCLIENT HELO=mail.alice.example PROTO=ESMTP NAME=mail.alice.example ADDR=192.0.2.10', 'EHLO mail.alice.example', 'MAIL FROM:<s@sender.test>']);
  });

  it('a 421: nothing is sent, the message is deferred with it, as for any session the primary ends', async () => {
    const peer = await refusingPrimary(['421 4.3.2 shutting down']);
    const transport = await factory().open({ host: '127.0.0.1', port: peer.port, tls: 'none', forwardClient: 'xclient' });
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, opener(1, alice));
    await transport.close();
    await peer.stop();
    expect(result.replies[0]!.reply.code).toBe(421);
    expect(result.connectionFailed).toBe(true);
    expect(peer.commands).not.toContainEqual(expect.stringMatching(/^MAIL/));
  });

  it('220, then the EHLO as that client refused: this message waits (no code: never a bounce), the primary is not "down"', async () => {
    const peer = await refusingPrimary(['220 ok'], '554 5.7.1 <mail.alice.example>: Helo command rejected');
    const transport = await factory().open({ host: '127.0.0.1', port: peer.port, tls: 'none', forwardClient: 'xclient' });
    const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, opener(1, alice));
    await transport.close();
    await peer.stop();
    expect(result.replies[0]!.reply.code).toBeUndefined();
    expect(result.replies[0]!.reply.text).toBe('EHLO: 554 5.7.1 <mail.alice.example>: Helo command rejected');
    expect(result.connectionFailed).toBe(false);
    expect(peer.commands).toContain('EHLO mail.alice.example');
    expect(peer.commands).not.toContainEqual(expect.stringMatching(/^MAIL/));
  });
});
