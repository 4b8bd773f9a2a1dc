import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws/clients.js';
import { TABLE_LAYOUT } from '../../../lambdas/config/table-layout.js';
import { startEmulators, type Emulators } from '../../../local/emulators.js';
import { MAX_RECEIVE_COUNT, provision, type ProvisionOptions } from '../../../local/provision.js';

describe('provision against the embedded emulators', () => {
  let emulators: Emulators;
  let clients: AwsClients;
  const options: ProvisionOptions = {
    bucketName: 'mail',
    tableName: 'state',
    deadLetterQueueName: 'dead',
    routes: [{ name: 'example' }, { name: 'other', queueName: 'other-q', topicName: 'other-t' }],
  };

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createAwsClients(emulators.clientConfig);
  });
  afterAll(async () => {
    clients?.destroy();
    await emulators?.stop();
  });

  it('listens on loopback only', () => {
    for (const endpoint of [emulators.s3Endpoint, emulators.sqsEndpoint, emulators.dynamoEndpoint]) {
      expect(new URL(endpoint).hostname).toBe('127.0.0.1');
    }
  });

  it('creates everything, and a second run changes nothing and returns the same', async () => {
    const first = await provision(clients, options);
    const second = await provision(clients, options);
    expect(second).toEqual(first);
    expect(first.routes.map((r) => r.queue.name)).toEqual(['backupmx-example', 'other-q']);
    expect(first.routes[1]!.topicArn).toMatch(/:other-t$/);
  });

  it('updates an existing queue whose settings changed instead of failing', async () => {
    const changed = await provision(clients, { ...options, visibilityTimeoutSeconds: 120 });
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: changed.routes[0]!.queue.url, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('120');
    await provision(clients, options);
  });

  it('creates the table with the shared layout', async () => {
    const { Table } = await clients.dynamo.send(new DescribeTableCommand({ TableName: 'state' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_LAYOUT.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_LAYOUT.sortKey, KeyType: 'RANGE' },
    ]);
    const index = Table?.GlobalSecondaryIndexes?.[0];
    expect(index?.IndexName).toBe(TABLE_LAYOUT.routeIndex.name);
    expect(index?.KeySchema?.map((k) => k.AttributeName)).toEqual([
      TABLE_LAYOUT.routeIndex.partitionKey,
      TABLE_LAYOUT.routeIndex.sortKey,
    ]);
  });

  it('redrives route queues to the DLQ after 1000 receives', async () => {
    const result = await provision(clients, options);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: result.routes[0]!.queue.url, AttributeNames: ['RedrivePolicy'] }),
    );
    const redrive = JSON.parse(Attributes!.RedrivePolicy!);
    expect(redrive.deadLetterTargetArn).toBe(result.deadLetterQueue.arn);
    expect(Number(redrive.maxReceiveCount)).toBe(MAX_RECEIVE_COUNT);
  });

  it('delivers a topic publish raw to the route queue, and the bucket stores objects', async () => {
    const result = await provision(clients, options);
    const route = result.routes[0]!;
    const notification = JSON.stringify({ notificationType: 'Received', mail: { messageId: 'abc' } });
    await clients.sns.send(new PublishCommand({ TopicArn: route.topicArn, Message: notification }));
    const received = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: route.queue.url, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }),
    );
    expect(received.Messages?.[0]?.Body).toBe(notification);

    await clients.s3.send(new PutObjectCommand({ Bucket: 'mail', Key: 'in/abc', Body: 'hello' }));
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: 'mail', Key: 'in/abc' }));
    expect(await object.Body?.transformToString()).toBe('hello');
  });

  it('stops promptly even while clients still hold keep-alive connections, and twice is harmless', async () => {
    const extra = await startEmulators();
    const open = createAwsClients(extra.clientConfig);
    await provision(open, { ...options, routes: [] });
    const started = Date.now();
    await extra.stop();
    await extra.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(open.dynamo.send(new DescribeTableCommand({ TableName: 'state' }))).rejects.toThrow();
    open.destroy();
  });

  it('persists DynamoDB under dataDir across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'backupmx-emu-'));
    try {
      const first = await startEmulators({ dataDir });
      const c1 = createAwsClients(first.clientConfig);
      await provision(c1, options);
      await c1.doc.send(new PutCommand({ TableName: 'state', Item: { pk: 'k', sk: 's', v: 1 } }));
      c1.destroy();
      await first.stop();

      const second = await startEmulators({ dataDir });
      const c2 = createAwsClients(second.clientConfig);
      const got = await c2.doc.send(new GetCommand({ TableName: 'state', Key: { pk: 'k', sk: 's' } }));
      expect(got.Item?.v).toBe(1);
      c2.destroy();
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
