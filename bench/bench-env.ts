// What every figure needs: emulators and an SMTP sink in their own processes,
// and an Engine in this one (as in Lambda: only the relay runs here).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients, type AwsClientConfig } from '../lambdas/adapters/aws/clients.js';
import { RecordingMetrics } from '../lambdas/adapters/fakes/index.js';
import { composeBackupMx, type Composition } from '../lambdas/app/composition.js';
import type { Engine, EngineOverrides } from '../lambdas/app/engine.js';
import { routePrefix } from '../lambdas/config/mail-layout.js';
import { loadSettings, settingsToEnv, type Settings } from '../lambdas/config/settings.js';
import type { DeliveryLog } from '../lambdas/core/runtime/ports.js';
import type { Provisioned } from '../local/provision.js';
import { rawMessage, sesNotification } from '../test/support/aws/ses-events.js';
import { BenchChild } from './child-process.js';

export const ROUTE = 'main';

/** Logs nothing but counts errors (a bench must not print 2,000 attempt lines). */
export class QuietLog implements DeliveryLog {
  errors: string[] = [];
  attempt(): void {}
  info(): void {}
  warn(): void {}
  error(message: string, fields?: Record<string, unknown>): void {
    if (this.errors.length < 20) this.errors.push(`${message} ${JSON.stringify(fields ?? {})}`);
  }
}

export interface BenchEnv {
  clients: AwsClients;
  /** How a relay child process reaches the same emulators. */
  clientConfig: AwsClientConfig;
  resources: Provisioned;
  sink: BenchChild;
  sinkPort: number;
  emulators: BenchChild;
  engine(settings?: Partial<Settings>, overrides?: EngineOverrides): Engine;
  /** The engine with what it is built from, for a figure that sets state up around it. */
  compose(settings?: Partial<Settings>, overrides?: EngineOverrides): Composition;
  stop(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const emulators = await BenchChild.start('./emulator-process.ts');
  const sink = await BenchChild.start('./smtp-sink-process.ts');
  try {
    const { clientConfig, resources } = await emulators.call<{ clientConfig: AwsClientConfig; resources: Provisioned }>('start', { routes: [ROUTE] });
    const sinkPort = await sink.call<number>('start');
    const clients = createAwsClients(clientConfig);
    const compose = (extra: Partial<Settings> = {}, overrides: EngineOverrides = {}) =>
      composeBackupMx(benchSettings(resources, sinkPort, extra), { clients, log: new QuietLog(), metrics: new RecordingMetrics(), ...overrides });
    return {
      clients,
      clientConfig,
      resources,
      sink,
      sinkPort,
      emulators,
      engine: (extra = {}, overrides = {}) => compose(extra, overrides).engine,
      compose,
      async stop() {
        clients.destroy();
        await sink.stop();
        await emulators.stop();
      },
    };
  } catch (error) {
    await sink.stop();
    await emulators.stop();
    throw error;
  }
}

/** The settings of the bench's one route, delivering to the sink on `sinkPort`. */
export function benchSettings(resources: Provisioned, sinkPort: number, extra: Partial<Settings> = {}, route: Partial<Settings['routes'][number]> = {}): Settings {
  return loadSettings(
    settingsToEnv({
      routes: [
        {
          name: ROUTE,
          domains: ['example.com'],
          primary: { host: '127.0.0.1', port: sinkPort, tls: 'none' },
          queueUrl: resources.routes[0]!.queue.url,
          bouncePolicy: 'dsn',
          ...route,
        },
      ],
      tableName: resources.tableName,
      bucketName: resources.bucketName,
      deadLetterQueueUrl: resources.deadLetterQueue.url,
      hostname: 'backup-mx.bench',
      ...extra,
    }),
  );
}

/** A message of about `bytes` bytes (CRLF lines), in the shape SES stores. */
export function messageOfSize(messageId: string, bytes: number): string {
  const head = rawMessage({ messageId, to: 'bob@example.com', body: '' });
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  return head + line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length)));
}

/**
 * SES's part for `count` messages: raw bytes in S3 and the notification in the
 * route's queue; with `index`, the accept path's part too (the message index
 * entry that mailq and status read, and that the drain marks done).
 */
export async function queueMessages(env: BenchEnv, count: number, bytes: number, idPrefix: string, opts: { index?: Engine; recipients?: number } = {}): Promise<void> {
  const { clients, resources } = env;
  const queueUrl = resources.routes[0]!.queue.url;
  const ids = Array.from({ length: count }, (_, i) => `${idPrefix}${i.toString().padStart(6, '0')}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map((id) =>
        clients.s3.send(new PutObjectCommand({ Bucket: resources.bucketName, Key: `${routePrefix(ROUTE)}${id}`, Body: messageOfSize(id, bytes) })),
      ),
    );
  }
  const bodies = ids.map((id) =>
    sesNotification({ messageId: id, timestamp: new Date(), recipients: recipientList(opts.recipients ?? 1), bucketName: resources.bucketName, objectKeyPrefix: routePrefix(ROUTE) }),
  );
  if (opts.index) {
    const engine = opts.index;
    for (let i = 0; i < bodies.length; i += 25) await Promise.all(bodies.slice(i, i + 25).map((body) => engine.accept(body)));
  }
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  for (let i = 0; i < batches.length; i += 10) {
    await Promise.all(
      batches.slice(i, i + 10).map((batch) =>
        clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((MessageBody, n) => ({ Id: String(n), MessageBody })) })),
      ),
    );
  }
}

function recipientList(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'bob@example.com' : `bob${i + 1}@example.com`));
}
