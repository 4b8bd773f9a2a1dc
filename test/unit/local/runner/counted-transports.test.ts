// The count a stop waits on: transactions started and not yet answered, not
// the workers still waiting for a session.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RecordingSmtpTransportFactory } from '../../../../lambdas/adapters/fakes/index.js';
import { CountedTransports } from '../../../../local/runner/counted-transports.js';

const primary = { host: 'mail.example.com', port: 2525, tls: 'none' as const };

describe('CountedTransports', () => {
  it('counts sends in progress and tells when they are done, or that the wait ran out', async () => {
    const inner = new RecordingSmtpTransportFactory();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const open = inner.open.bind(inner);
    inner.open = async (p) => {
      const t = await open(p);
      return { ...t, send: async (envelope, content) => (await gate, t.send(envelope, content)) };
    };
    const counted = new CountedTransports(inner);
    expect(await counted.idle(10)).toBe(true);
    const transport = await counted.open(primary);
    const sends = [1, 2].map(() => transport.send({ from: 'a@x.test', to: ['b@example.com'] }, Readable.from([Buffer.from('m')])));
    expect(counted.inFlight).toBe(2);
    expect(await counted.idle(20)).toBe(false);
    const idle = counted.idle(5_000);
    release();
    await Promise.all(sends);
    expect(await idle).toBe(true);
    expect(counted.inFlight).toBe(0);
    expect(inner.transactions).toHaveLength(2);
  });

  it('does not count a send waiting for a session, nor one whose opener declines: only a message opened on a session', async () => {
    const inner = new RecordingSmtpTransportFactory();
    let freeSession!: () => void;
    const sessionFree = new Promise<void>((resolve) => (freeSession = resolve));
    const open = inner.open.bind(inner);
    inner.open = async (p) => {
      const t = await open(p);
      return { ...t, send: async (envelope, content) => (await sessionFree, t.send(envelope, content)) };
    };
    const counted = new CountedTransports(inner);
    const transport = await counted.open(primary);
    const body = new PassThrough();
    let opened = 0;
    const sending = transport.send({ from: 'a@x.test', to: ['b@example.com'] }, async () => (opened++, { body, size: 1 }));
    const declined = transport.send({ from: 'a@x.test', to: ['c@example.com'] }, async () => undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(opened).toBe(0);
    expect(counted.inFlight).toBe(0); // both wait for a session: a stop does not wait for them
    expect(await counted.idle(10)).toBe(true);

    freeSession();
    await declined;
    await new Promise((r) => setTimeout(r, 10));
    expect(opened).toBe(1);
    expect(counted.inFlight).toBe(1); // the opened one is on the wire until its reply
    const idle = counted.idle(5_000);
    body.end('m');
    await sending;
    expect(await idle).toBe(true);
    expect(counted.inFlight).toBe(0);
    expect(inner.transactions).toHaveLength(1);
  });
});
