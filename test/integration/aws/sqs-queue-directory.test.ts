// SqsQueueDirectory on the embedded SQS emulator. fauxqs 1.9 filters
// ListQueues by QueueNamePrefix but never returns a NextToken (MaxResults only
// cuts the list): paging is tested with a mocked client (test/unit/aws).
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueueDirectory } from '../../../lambdas/adapters/aws/sqs-queue-directory.js';
import { queueDirectoryContract } from '../../contracts/queue-directory.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

async function create(name: string, messages: number, tags?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await env.clients.sqs.send(new CreateQueueCommand({ QueueName: name, ...(tags ? { tags } : {}) }));
  for (let i = 0; i < messages; i += 1) await env.clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
  return QueueUrl!;
}

describe('SqsQueueDirectory', () => {
  queueDirectoryContract(async () => {
    const made: string[] = [];
    return {
      subject: {
        directory: new SqsQueueDirectory(env.clients.sqs),
        create: async (name, messages, tags) => {
          const url = await create(name, messages, tags);
          made.push(url);
          return url;
        },
        remove: async (url) => {
          await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
        },
      },
      cleanup: async () => {
        for (const url of made) await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
      },
    };
  });

  it('counts messages in flight and delayed apart from visible ones', async () => {
    const url = await create(`Stack${env.unique()}-Queue-1`, 2);
    await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 600 }));
    await env.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }));
    expect(await new SqsQueueDirectory(env.clients.sqs).depth(url)).toEqual({ visible: 1, inFlight: 1, delayed: 1 });
    await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });
});
