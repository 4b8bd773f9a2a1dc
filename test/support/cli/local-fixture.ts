// A local backup MX for the CLI tests, built the way `npm start` leaves one:
// embedded emulators, provisioned resources, a runtime file in a temporary
// BACKUPMX_DATA_DIR, and a scripted primary. The CLI finds all of it through
// the runtime file (--local --data-dir), as an operator's would.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import type { AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { composeBackupMx } from '../../../lambdas/app/composition.js';
import type { Engine } from '../../../lambdas/app/engine.js';
import type { EngineDeps } from '../../../lambdas/core/drain/drain-deps.js';
import { routePrefix } from '../../../lambdas/config/mail-layout.js';
import { loadSettings, settingsToEnv } from '../../../lambdas/config/settings.js';
import type { Provisioned } from '../../../local/provision.js';
import { writeRuntimeInfo } from '../../../local/runtime-file.js';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import { buildLocalAws, uniqueNames } from '../aws/local-aws-builder.js';
import { ScriptedPrimary } from '../smtp/scripted-primary.js';
import { rawMessage, sesMessageId, sesNotification } from '../aws/ses-events.js';
import type { Verdicts } from '../../../lambdas/core/model.js';

/** Route name → its domain. */
export const ROUTES = { main: 'example.com', other: 'example.net' } as const;

export interface LocalFixture {
  dataDir: string;
  primary: ScriptedPrimary;
  clients: AwsClients;
  resources: Provisioned;
  /** The test's own engine on the same resources (to queue mail and look behind the CLI). */
  engine: Engine;
  /** What the test's engine is built from (the composition's output), to look behind the CLI. */
  deps: Readonly<EngineDeps>;
  /** Queues one message per route its recipients belong to (same id in each, as SES does). */
  queue(options: { recipients: string[]; sender?: string; subject?: string; messageId?: string; receivedAt?: Date; verdicts?: Partial<Verdicts> }): Promise<string>;
  /** The notification `queue` published for a message on a route (what its queue entry carries). */
  notification(messageId: string, route: string): string;
  cli(...args: string[]): Promise<{ code: number; io: RecordingIo }>;
  /** Between tests: the primary forgets what it kept and the main route is not held. */
  reset(): Promise<void>;
  /** Forgets every queued index entry and dead-letter record, for tests that count what a listing selects. */
  emptyRecords(): Promise<void>;
  stop(): Promise<void>;
}

/** stackName: as a deployed stack's settings carry it (adopt then checks a queue's stack tag). */
export async function startLocalFixture(
  options: { bouncePolicy?: 'dsn' | 'dead-letter'; dsnPerHour?: number; stackName?: string; probeIntervalSeconds?: number; /** main's list is pushed (recipientSync) */ syncMain?: boolean } = {},
): Promise<LocalFixture> {
  const aws = await buildLocalAws({ routes: Object.keys(ROUTES), names: uniqueNames('cli') });
  const { clients, resources, region, endpoints } = aws;
  const primary = await ScriptedPrimary.start({ starttls: 'off' });
  const dataDir = await mkdtemp(join(tmpdir(), 'backupmx-cli-'));
  const settings = loadSettings(
    settingsToEnv({
      routes: resources.routes.map((r) => ({
        name: r.name,
        domains: [ROUTES[r.name as keyof typeof ROUTES]],
        primary: primary.asPrimary('none'),
        queueUrl: r.queue.url,
        bouncePolicy: options.bouncePolicy ?? 'dead-letter',
        ...(options.dsnPerHour !== undefined ? { dsnPerHour: options.dsnPerHour } : {}),
        ...(options.syncMain && r.name === 'main' ? { recipientSync: { maxShrinkPercent: 10, maxAddresses: 1000 } } : {}),
      })),
      tableName: resources.tableName,
      bucketName: resources.bucketName,
      deadLetterQueueUrl: resources.deadLetterQueue.url,
      hostname: 'backup-mx.test',
      minBackoffSeconds: 1,
      maxBackoffSeconds: 1,
      probeTimeoutMs: 2000,
      ...(options.probeIntervalSeconds !== undefined ? { probeIntervalSeconds: options.probeIntervalSeconds } : {}),
      ...(options.stackName ? { stackName: options.stackName } : {}),
    }),
  );
  await writeRuntimeInfo(
    {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      region,
      endpoints,
      bucketName: resources.bucketName,
      tableName: resources.tableName,
      deadLetterQueueUrl: resources.deadLetterQueue.url,
      routes: resources.routes.map((r) => ({ name: r.name, queueUrl: r.queue.url, topicArn: r.topicArn })),
      smtpPort: 0,
      settings,
      dataDir,
    },
    { BACKUPMX_DATA_DIR: dataDir },
  );
  const { engine, deps } = composeBackupMx(settings, { clients, log: new RecordingDeliveryLog(), metrics: new RecordingMetrics() });
  const notifications = new Map<string, string>();

  return {
    dataDir,
    primary,
    clients,
    resources,
    engine,
    deps,
    async queue({ recipients, sender = 'alice@sender.example', subject = 'Quarterly numbers', messageId = sesMessageId(), receivedAt = new Date(), verdicts }) {
      for (const route of resources.routes) {
        const domain = ROUTES[route.name as keyof typeof ROUTES];
        const mine = recipients.filter((r) => r.endsWith(`@${domain}`));
        if (mine.length === 0) continue;
        const prefix = routePrefix(route.name);
        // The stored head carries the verdicts as SES writes them there (what `show` and `--verdict` read of a queued message).
        const raw = rawMessage({ messageId, sender, to: mine.join(', '), subject, ...(verdicts ? { verdicts } : {}) });
        await clients.s3.send(new PutObjectCommand({ Bucket: resources.bucketName, Key: `${prefix}${messageId}`, Body: raw }));
        const notification = sesNotification({
          messageId,
          timestamp: receivedAt,
          sender,
          recipients: mine,
          subject,
          bucketName: resources.bucketName,
          objectKeyPrefix: prefix,
          topicArn: route.topicArn,
          ...(verdicts ? { verdicts } : {}),
        });
        await clients.sns.send(new PublishCommand({ TopicArn: route.topicArn, Message: notification }));
        await engine.accept(notification);
        notifications.set(`${route.name}/${messageId}`, notification);
      }
      return messageId;
    },
    notification(messageId, route) {
      const found = notifications.get(`${route}/${messageId}`);
      if (found === undefined) throw new Error(`no notification queued for ${messageId} on ${route}`);
      return found;
    },
    async cli(...args) {
      const io = new RecordingIo();
      const code = await main(['--local', '--data-dir', dataDir, ...args], { io });
      return { code, io };
    },
    async reset() {
      primary.reset();
      await deps.routeState.setHold('main', undefined);
      // A requeue may leave a second copy waiting out the in-flight delay: no test sees another's mail.
      for (const route of resources.routes) await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: route.queue.url }));
    },
    async emptyRecords() {
      for (const m of await deps.index.listQueued()) await deps.index.remove(m.messageId);
      for (const d of await deps.deadLetters.list()) await deps.deadLetters.remove(d.messageId, d.route ?? '', d.copy ?? '', d.at);
    },
    async stop() {
      await primary.stop();
      await aws.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
