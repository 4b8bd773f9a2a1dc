// The hourly look for stored mail that never reached a queue, on the real S3
// and DynamoDB emulators through the drain handler: an object SES stored but
// never announced becomes a dead letter (and a DLQ message, which the alarm
// watches); an accepted one is left alone.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeBackupMx } from '../../../lambdas/app/composition.js';
import type { Engine } from '../../../lambdas/app/engine.js';
import type { EngineDeps } from '../../../lambdas/core/drain/drain-deps.js';
import { makeDrainHandler } from '../../../lambdas/handlers/drain.js';
import { ManualClock, RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';
import { rawMessage, sesNotification } from '../../support/aws/ses-events.js';

describe('find-unqueued on emulators', () => {
  let env: EmulatorEnv;
  let engine: Engine;
  let deps: Readonly<EngineDeps>;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    const settings = mainRouteSettings(env, 9);
    ({ engine, deps } = composeBackupMx(settings, { clients: env.clients, log: new RecordingDeliveryLog(), metrics: new RecordingMetrics(), clock }));
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('dead-letters the unannounced object after five hours, leaves the accepted one alone', async () => {
    const put = (id: string) =>
      env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `mail/main/${id}`, Body: rawMessage({ to: 'bob@example.com' }) }));
    await put('lostnotification000000000001');
    await put('acceptednormally000000000001');
    await engine.accept(sesNotification({ messageId: 'acceptednormally000000000001', objectKeyPrefix: 'mail/main/', bucketName: env.resources.bucketName, timestamp: clock.now() }));

    const handler = makeDrainHandler(() => engine);
    const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 600_000 };
    // Too young: its notification may still come.
    expect(await handler({ task: 'find-unqueued' }, context)).toEqual([{ route: 'main', examined: 0, deadLettered: 0 }]);
    clock.advance(6 * 3600);
    expect(await handler({ task: 'find-unqueued' }, context)).toEqual([{ route: 'main', examined: 2, deadLettered: 1 }]);

    const [record] = await deps.deadLetters.find('lostnotification000000000001');
    expect(record).toMatchObject({ route: 'main', reason: 'not-queued', objectKey: 'mail/main/lostnotification000000000001' });
    expect(await deps.deadLetters.find('acceptednormally000000000001')).toEqual([]);
    const dlq = await env.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: env.resources.deadLetterQueue.url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    expect((dlq.Messages ?? []).length).toBeGreaterThanOrEqual(1);
    // The next run adds nothing.
    expect(await handler({ task: 'find-unqueued' }, context)).toEqual([{ route: 'main', examined: 2, deadLettered: 0 }]);
  });
});
