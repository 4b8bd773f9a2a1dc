// The SMTP peer in the two shapes product code uses it: the bench's sink
// (keeps only counts, a fixed reply, an event per message) and the demo's
// primary (keeps envelope and bytes, numbers its replies, goes down and comes
// back on the same port). The scripted shape is the tests' ScriptedPrimary.
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../../local/smtp-peer/peer-steps.js';
import { SmtpPeer } from '../../../local/smtp-peer/smtp-peer.js';
import { DemoPrimary } from '../../../local/runner/demo-primary.js';
import { reservePort } from '../../../local/smtp-peer/reserve-port.js';
import { clientMessage, sendMail } from '../../support/runner/e2e-support.js';

const peers: SmtpPeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.stop()));
});

describe('the SMTP peer', () => {
  it('as the bench sink: counts messages and bytes without keeping them, answers its own reply, and starts counting again on reset', async () => {
    const told: ReceivedMessage[] = [];
    const sink = new SmtpPeer({ name: 'sink.test', starttls: 'off', keep: 'count', acceptedReply: () => 'Ok: kept', onReceived: (m) => told.push(m) });
    peers.push(sink);
    await sink.start();
    const raw = clientMessage(1, 'bob@example.com');
    const outcome = await sendMail(sink.port, 'alice@sender.test', ['bob@example.com'], raw);
    expect(outcome.response).toBe('250 Ok: kept');
    await sendMail(sink.port, 'alice@sender.test', ['carol@example.com'], raw);

    expect(sink.messages).toEqual([]); // nothing kept: the bench sends thousands
    expect(sink.stats).toMatchObject({ kept: 2, bytes: 2 * raw.length });
    expect(sink.stats.maxOpenConnections).toBeGreaterThanOrEqual(1); // the first may still be closing when the second opens
    expect(sink.stats.lastAt! - sink.stats.firstAt!).toBeGreaterThanOrEqual(0);
    expect(told.map((m) => [m.to, m.size, m.sha256])).toEqual([
      [['bob@example.com'], raw.length, ''],
      [['carol@example.com'], raw.length, ''],
    ]);

    sink.resetCounts();
    expect(sink.stats).toEqual({ kept: 0, bytes: 0, firstAt: undefined, lastAt: undefined, maxOpenConnections: sink.openConnections });
  });

  it('as the demo primary: keeps envelope and bytes, numbers its replies, and is refused while down', async () => {
    const primary = new DemoPrimary(await reservePort());
    peers.push(primary);
    await expect(sendMail(primary.port, 'alice@sender.test', ['bob@demo.example'], clientMessage(1, 'bob@demo.example'))).rejects.toThrow(/ECONNREFUSED/);

    await primary.start();
    const port = primary.port;
    const raw = clientMessage(2, 'bob@demo.example');
    expect((await sendMail(port, '', ['bob@demo.example', 'dave@demo.example'], raw)).response).toBe('250 2.0.0 Ok: kept as #1');
    expect(primary.messages).toEqual([expect.objectContaining({ from: '', to: ['bob@demo.example', 'dave@demo.example'], raw, at: expect.any(Date) })]);

    await primary.restart();
    expect(primary.port).toBe(port);
    expect((await sendMail(port, 'alice@sender.test', ['bob@demo.example'], raw)).response).toBe('250 2.0.0 Ok: kept as #2');
  });
});
