// ARC sealing of one 40 MB message (SES's limit), streamed through the sealer
// as the drain does: peak RSS growth of this process and the time it takes.
// The seal must not hold the message: growth should stay far below 40 MB.
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { MailauthArcSealer } from '../lambdas/adapters/arc/mailauth-arc-sealer.js';
import { round } from './drain-throughput.js';

export interface ArcSealFigure {
  messageBytes: number;
  rssGrowthMb: number;
  peakArrayBuffersGrowthMb: number;
  seconds: number;
  sealBytes: number;
  /** The same seal over the message held in one buffer, for contrast (what streaming saves). */
  bufferedRssGrowthMb: number;
  /** False without --expose-gc: the growth then includes garbage not yet collected. */
  afterGc: boolean;
}

const MB = 1024 * 1024;

/** `sample` runs at every chunk: the seal may run on microtasks only, where timers never fire. */
let sample = () => {};

function message(bodyBytes: number): Readable {
  const head = Buffer.from('From: alice@sender.example\r\nTo: bob@example.com\r\nSubject: big\r\nMessage-ID: <big@sender.example>\r\n\r\n');
  const line = Buffer.from(`${'x'.repeat(76)}\r\n`);
  const chunk = Buffer.concat(Array.from({ length: 800 }, () => line)); // ~62 KB
  let sent = 0;
  return Readable.from(
    (function* () {
      yield head;
      while (sent < bodyBytes) {
        sent += chunk.length;
        sample();
        yield Buffer.from(chunk); // a fresh buffer per chunk, as a socket gives
      }
    })(),
  );
}

async function peakGrowth(run: () => Promise<unknown>): Promise<{ rss: number; arrayBuffers: number; seconds: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakArrayBuffers = baseline.arrayBuffers;
  let n = 0;
  sample = () => {
    if (n++ % 64 !== 0) return; // every ~4 MB
    // After a collection: what the seal holds on to, not garbage not yet collected.
    (globalThis as { gc?: () => void }).gc?.();
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers);
  };
  const started = Date.now();
  try {
    await run();
    n = 0;
    sample();
  } finally {
    sample = () => {};
  }
  return { rss: (peakRss - baseline.rss) / MB, arrayBuffers: (peakArrayBuffers - baseline.arrayBuffers) / MB, seconds: (Date.now() - started) / 1000 };
}

export async function arcSealMemory(bodyBytes = 40 * MB): Promise<ArcSealFigure> {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const sealer = new MailauthArcSealer({ keys: { privateKey: async () => pem }, resolver: async () => [] });
  const request = { domain: 'backup.example', selector: 'arc', keySecretName: 'k', authResults: 'amazonses.com; spf=pass' };
  await sealer.seal(message(64 * 1024), request); // warm up
  let seal = '';
  const streamed = await peakGrowth(async () => {
    seal = await sealer.seal(message(bodyBytes), request);
  });
  const buffered = await peakGrowth(async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of message(bodyBytes)) chunks.push(chunk as Buffer);
    const whole = Buffer.concat(chunks);
    await sealer.seal(Readable.from([whole]), request);
    sample();
  });
  return {
    messageBytes: bodyBytes,
    rssGrowthMb: round(streamed.rss, 1),
    peakArrayBuffersGrowthMb: round(streamed.arrayBuffers, 1),
    seconds: round(streamed.seconds, 2),
    sealBytes: seal.length,
    bufferedRssGrowthMb: round(buffered.rss, 1),
    afterGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

if (process.argv[1]?.endsWith('arc-seal-memory.ts')) console.log(JSON.stringify(await arcSealMemory(), null, 2));
