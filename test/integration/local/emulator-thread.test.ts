// The runner's emulators on a worker thread: same services, answered from
// another thread, and
// DynamoDB state kept in the data directory across a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { startEmulatorsInThread } from '../../../local/emulator-thread.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('emulators on their own thread', () => {
  it('serve SQS and DynamoDB from another thread, and stop', async () => {
    const emulators = await startEmulatorsInThread();
    const clients = createAwsClients(emulators.clientConfig);
    try {
      expect(emulators.threadId).not.toBe(threadId);
      const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'thread-q' }));
      await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
      const got = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      expect(got.Messages?.[0]?.Body).toBe('hello');
      expect((await clients.dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      clients.destroy();
      await emulators.stop();
    }
    await expect(fetch(emulators.sqsEndpoint).then(() => 'open', () => 'closed')).resolves.toBe('closed');
  });

  it('keeps DynamoDB tables in the data directory across a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bmx-thread-'));
    dirs.push(dir);
    const first = await startEmulatorsInThread({ dataDir: dir });
    let clients = createAwsClients(first.clientConfig);
    await clients.dynamo.send(new CreateTableCommand({ TableName: 'kept', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    clients.destroy();
    await first.stop();
    const second = await startEmulatorsInThread({ dataDir: dir });
    clients = createAwsClients(second.clientConfig);
    try {
      const table = await clients.dynamo.send(new DescribeTableCommand({ TableName: 'kept' }));
      expect(table.Table?.TableName).toBe('kept');
    } finally {
      clients.destroy();
      await second.stop();
    }
  });
});
