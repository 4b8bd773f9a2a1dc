import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsMailQueue } from '../../../lambdas/adapters/aws/sqs-mail-queue.js';
import { mailQueueContract } from '../../contracts/mail-queue.contract.js';
import { queueRedriveContract } from '../../contracts/queue-redrive.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

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

describe('SqsMailQueue with a redrive policy', () => {
  queueRedriveContract(async () => {
    const sqs = env.clients.sqs;
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `contract-dlq-${env.unique()}` }))).QueueUrl!;
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const maxReceiveCount = 3;
    const queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `contract-redrive-${env.unique()}`,
          Attributes: { VisibilityTimeout: '300', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount }) },
        }),
      )
    ).QueueUrl!;
    return {
      subject: { queue: new SqsMailQueue(sqs, queueUrl), dlq: new SqsMailQueue(sqs, dlqUrl), maxReceiveCount },
      cleanup: async () => {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
        await sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));
      },
    };
  });
});
