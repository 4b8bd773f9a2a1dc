// Figure (c): memory. Peak RSS growth of this (relay) process while one
// 40 MB message goes S3 → drain → SMTP. The object is written by the
// emulator process, so only the relay's own buffers count here.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { routePrefix } from '../lambdas/config/mail-layout.js';
import { rawMessage, sesNotification } from '../test/support/aws/ses-events.js';
import { ROUTE, queueMessages, type BenchEnv } from './bench-env.js';
import { round } from './drain-throughput.js';

export interface MemoryFigure {
  messageBytes: number;
  baselineRssMb: number;
  peakRssMb: number;
  rssGrowthMb: number;
  peakArrayBuffersGrowthMb: number;
  seconds: number;
  sinkReceivedBytes: number;
}

const MB = 1024 * 1024;

export async function relayMemory(env: BenchEnv, bodyBytes = 40 * MB): Promise<MemoryFigure> {
  const engine = env.engine();
  // Warm up: modules, SDK clients and the SMTP pool are loaded by a first small relay.
  await queueMessages(env, 1, 10 * 1024, 'memwarm');
  await engine.drain({ route: ROUTE }, { owner: 'bench-warm', budgetSeconds: 120 });

  const messageId = `mem${bodyBytes}x${Date.now()}`;
  const key = `${routePrefix(ROUTE)}${messageId}`;
  const head = rawMessage({ messageId, to: 'bob@example.com', body: '' });
  const { size } = await env.emulators.call<{ size: number }>('putLargeMessage', { bucket: env.resources.bucketName, key, head, bodyBytes });
  await env.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: env.resources.routes[0]!.queue.url,
      MessageBody: sesNotification({ messageId, timestamp: new Date(), recipients: ['bob@example.com'], bucketName: env.resources.bucketName, objectKey: key }),
    }),
  );
  await env.sink.call('reset');
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakArrayBuffers = baseline.arrayBuffers;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers);
  }, 5);
  const started = Date.now();
  const summary = await engine.drain({ route: ROUTE }, { owner: 'bench-mem', budgetSeconds: 300 });
  clearInterval(sampler);
  const stats = await env.sink.call<{ messages: number; bytes: number }>('stats');
  if (summary.delivered !== 1 || stats.messages !== 1) throw new Error(`40 MB message not relayed: ${JSON.stringify({ summary, stats })}`);
  return {
    messageBytes: size,
    baselineRssMb: round(baseline.rss / MB, 1),
    peakRssMb: round(peakRss / MB, 1),
    rssGrowthMb: round((peakRss - baseline.rss) / MB, 1),
    peakArrayBuffersGrowthMb: round((peakArrayBuffers - baseline.arrayBuffers) / MB, 1),
    seconds: round((Date.now() - started) / 1000, 2),
    sinkReceivedBytes: stats.bytes,
  };
}
