// Streaming and pooling under load: a 40 MB message must not be buffered whole
// (RSS growth measured), and 1,000 small messages go over one pooled session.
// Both figures are printed. For the memory figures the primary runs in a child
// process (test/support/smtp/primary-process.ts), so the RSS measured is the sending side's alone.
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodemailerTransportFactory } from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';

const MB = 1024 * 1024;

/** About `total` bytes of 78-byte CRLF lines in 64 KB chunks, hashing and counting what it emits. */
function generated(total: number): { stream: Readable; digest: () => string; size: () => number } {
  const line = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:!?-_=+*/()[]' + '\r\n');
  const chunk = Buffer.concat(Array.from({ length: Math.floor((64 * 1024) / line.length) }, () => line));
  const header = Buffer.from('Received: from ses by backup-mx; Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: big\r\n\r\n');
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const part = Buffer.from(sent === 0 ? header : chunk); // a fresh buffer each time, as S3 chunks are
      sent += part.length;
      hash.update(part);
      this.push(part);
    },
  });
  return { stream, digest: () => hash.digest('hex'), size: () => sent };
}

/** The scripted primary in a child process. */
async function startRemotePrimary(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(new URL('../../support/smtp/primary-process.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return { child, port: ready.port };
}

async function remoteMessages(child: ChildProcess): Promise<{ size: number; sha256: string }[]> {
  child.send('messages');
  const [reply] = (await once(child, 'message')) as [{ messages: { size: number; sha256: string }[] }];
  return reply.messages;
}

/** Sends one generated message of about `bytes`; returns the peak RSS growth in MB and the seconds it took. */
async function relayMeasured(child: ChildProcess, port: number, bytes: number): Promise<{ growthMb: number; seconds: number }> {
  const transport = await new NodemailerTransportFactory({ clientName: 'backup-mx.test' }).open({ host: '127.0.0.1', port, tls: 'none' });
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const content = generated(bytes);
  const started = performance.now();
  const result = await transport.send({ from: 's@sender.test', to: ['big@primary.test'] }, content.stream);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  await transport.close();
  expect(result.replies[0].reply.code).toBe(250);
  const kept = (await remoteMessages(child)).at(-1);
  expect(kept?.size).toBe(content.size());
  expect(kept?.sha256).toBe(content.digest());
  return { growthMb: (peak - baseline) / MB, seconds };
}

let primary: ScriptedPrimary;
let remote: { child: ChildProcess; port: number };
beforeAll(async () => {
  primary = await ScriptedPrimary.start({ keep: 'digest' });
  remote = await startRemotePrimary();
});
afterAll(async () => {
  await primary.stop();
  remote.child.send('stop');
  await once(remote.child, 'exit');
});

describe('transport under load', () => {
  it('streams a 40 MB message with bounded memory, bytes intact', async () => {
    const { growthMb, seconds } = await relayMeasured(remote.child, remote.port, 40 * MB);
    console.log(`40 MB message: peak RSS growth ${growthMb.toFixed(1)} MB, ${seconds.toFixed(2)} s`);
    expect(growthMb).toBeLessThan(64);
  });

  it('memory does not grow with the message: 120 MB stays under the same bound', async () => {
    const { growthMb, seconds } = await relayMeasured(remote.child, remote.port, 120 * MB);
    console.log(`120 MB message: peak RSS growth ${growthMb.toFixed(1)} MB, ${seconds.toFixed(2)} s`);
    expect(growthMb).toBeLessThan(64);
  });

  it('sends 1,000 × 10 KB messages sequentially over one pooled session', async () => {
    primary.reset();
    const transport = await new NodemailerTransportFactory({ clientName: 'backup-mx.test' }).open(primary.asPrimary('none'));
    const body = Buffer.from('Subject: bench\r\n\r\n' + ('y'.repeat(98) + '\r\n').repeat(100));
    const before = primary.connectionCount;
    const started = performance.now();
    let delivered = 0;
    for (let i = 0; i < 1_000; i++) {
      const r = await transport.send({ from: 's@sender.test', to: [`r${i}@primary.test`] }, Readable.from([body]));
      if (r.replies[0].reply.code === 250) delivered++;
    }
    const perSecond = 1_000 / ((performance.now() - started) / 1000);
    await transport.close();
    console.log(`1,000 x ${(body.length / 1024).toFixed(1)} KB sequential, pooled: ${perSecond.toFixed(0)} msg/s`);
    expect(delivered).toBe(1_000);
    expect(primary.messages).toHaveLength(1_000);
    expect(primary.connectionCount - before).toBe(1);
    expect(perSecond).toBeGreaterThan(50); // one session per message would be ~9 msg/s
  });
});
