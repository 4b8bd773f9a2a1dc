// The hourly watch on old queues through the drain handler, on the embedded
// SQS: a queue tagged as the stack's that no route uses and that holds mail is
// logged with the adopt command and counted; the route queue and the DLQ (same
// prefix here) are not, nor a queue of another stack whose name starts with ours.
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { STACK_TAG } from '../../../lambdas/core/sweep/queue-owner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../lambdas/app/engine.js';
import { makeDrainHandler } from '../../../lambdas/handlers/drain.js';
import type { Settings } from '../../../lambdas/config/settings.js';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import { mainRouteSettings, startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

describe('find-orphaned-queues on emulators', () => {
  let env: EmulatorEnv;
  let settings: (stackName?: string) => Settings;
  const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 600_000 };

  beforeAll(async () => {
    env = await startEmulatorEnv({ routes: ['main'] });
    settings = (stackName) => mainRouteSettings(env, 9, stackName ? { stackName } : {});
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('reports the old queue holding mail, and not the route queue or the DLQ', async () => {
    const sqs = env.clients.sqs;
    // The provisioned route queue and DLQ are named backupmx-test-…: that is our "stack" here.
    await sqs.send(new SendMessageCommand({ QueueUrl: env.resources.routes[0]!.queue.url, MessageBody: 'current' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: env.resources.deadLetterQueue.url, MessageBody: 'dead' }));
    const ours = { [STACK_TAG]: 'backupmx-test' };
    const { QueueUrl: old } = await sqs.send(new CreateQueueCommand({ QueueName: `backupmx-test-RoutesQueueold-${env.unique()}`, tags: ours }));
    for (const body of ['a', 'b']) await sqs.send(new SendMessageCommand({ QueueUrl: old, MessageBody: body }));
    await sqs.send(new CreateQueueCommand({ QueueName: `backupmx-test-RoutesQueueempty-${env.unique()}`, tags: ours }));
    // Stack "backupmx-test-eu": named like ours, tagged as its own, holding mail.
    const { QueueUrl: theirs } = await sqs.send(new CreateQueueCommand({ QueueName: `backupmx-test-eu-RoutesQueueold-${env.unique()}`, tags: { [STACK_TAG]: 'backupmx-test-eu' } }));
    await sqs.send(new SendMessageCommand({ QueueUrl: theirs, MessageBody: 'theirs' }));

    const log = new RecordingDeliveryLog();
    const metrics = new RecordingMetrics();
    const engine = new Engine(settings('backupmx-test'), { clients: env.clients, log, metrics });
    const summary = await makeDrainHandler(() => engine)({ task: 'find-orphaned-queues' }, context);
    expect(summary).toEqual({ examined: 2, orphaned: [{ url: old, messages: 2 }], messages: 2, otherStacks: 1, untagged: [], failures: 0 });
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(`npx backup-mx adopt ${old} --route main`);
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 2 }]);
    expect(metrics.flushes).toBe(1);
  });

  it('without a stack name (local runs) looks at nothing', async () => {
    const metrics = new RecordingMetrics();
    const engine = new Engine(settings(), { clients: env.clients, log: new RecordingDeliveryLog(), metrics });
    expect(await makeDrainHandler(() => engine)({ task: 'find-orphaned-queues' }, context)).toBeUndefined();
    expect(metrics.stackGauges).toEqual([]);
  });
});
