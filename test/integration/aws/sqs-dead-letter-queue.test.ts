// The SQS dead-letter queue adapter against the emulator: copies put as the
// drain puts them (DynamoDeadLetterStore.put) and as SQS redrive moves them.
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoDeadLetterStore } from '../../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { SqsDeadLetterQueue } from '../../../lambdas/adapters/aws/sqs-dead-letter-queue.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { deadLetterQueueContract } from '../../contracts/dead-letter-queue.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('SqsDeadLetterQueue', () => {
  // A queue of its own per test: depth counts every copy on it.
  deadLetterQueueContract(async () => {
    const { QueueUrl } = await env.clients.sqs.send(new CreateQueueCommand({ QueueName: `dlq-${env.unique()}` }));
    const url = QueueUrl!;
    const store = new DynamoDeadLetterStore(env.clients.doc, env.resources.tableName, env.clients.sqs, url);
    return {
      subject: {
        dlq: new SqsDeadLetterQueue(env.clients.sqs, url, parseSesNotification),
        putCopy: (record) => store.put(record),
        putRedriven: async (notification) => {
          await env.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: notification }));
        },
      },
      cleanup: async () => {
        await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
      },
    };
  });
});
