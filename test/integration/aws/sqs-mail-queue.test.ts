import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsMailQueue } from '../../../lambdas/adapters/aws/sqs-mail-queue.js';
import { mailQueueContract } from '../../contracts/mail-queue.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('SqsMailQueue', () => {
  mailQueueContract(async () => {
    const { QueueUrl } = await env.clients.sqs.send(
      new CreateQueueCommand({ QueueName: `contract-${env.unique()}`, Attributes: { VisibilityTimeout: '300' } }),
    );
    return {
      subject: new SqsMailQueue(env.clients.sqs, QueueUrl!),
      cleanup: async () => {
        await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl }));
      },
    };
  });

  it('receives what the route topic published, raw, with its send time', async () => {
    const route = env.resources.routes[0]!;
    const queue = new SqsMailQueue(env.clients.sqs, route.queue.url);
    const notification = JSON.stringify({ notificationType: 'Received', mail: { messageId: env.unique() } });
    const before = Date.now();
    await env.clients.sns.send(new PublishCommand({ TopicArn: route.topicArn, Message: notification }));
    const [message] = await queue.receive(10, 2);
    expect(message?.body).toBe(notification);
    expect(message!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(message!.enqueuedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    await queue.delete(message!.handle);
  });
});
