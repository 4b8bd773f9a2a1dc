// Creates, idempotently, the resources the stack defines, for local runs: the
// mail bucket, the state table, the shared dead-letter queue, and per route a
// topic, a queue (redriving to the DLQ) and a raw-delivery subscription.
// Works against the embedded emulators and against LocalStack.
import { CreateBucketCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { awsErrorName as errorName } from '../lambdas/adapters/aws/aws-errors.js';
import type { AwsClients } from '../lambdas/adapters/aws/clients.js';
import { TABLE_LAYOUT } from '../lambdas/config/table-layout.js';

type ProvisionClients = Pick<AwsClients, 's3' | 'sqs' | 'sns' | 'dynamo' | 'region'>;

export interface ProvisionOptions {
  bucketName: string;
  tableName: string;
  deadLetterQueueName: string;
  /** Names default to `<prefix><route>` for both the topic and the queue. */
  routes: { name: string; queueName?: string; topicName?: string }[];
  /** Prefix for default topic and queue names; 'backupmx-' when absent. */
  namePrefix?: string;
  /**
   * Route queues' visibility timeout: how long a crashed drain hides a message.
   * Defaults to the stack's value (drain timeout 10 min + 5 min).
   */
  visibilityTimeoutSeconds?: number;
}

export interface ProvisionedQueue {
  name: string;
  url: string;
  arn: string;
}

export interface ProvisionedRoute {
  name: string;
  topicArn: string;
  queue: ProvisionedQueue;
  subscriptionArn?: string;
}

export interface Provisioned {
  bucketName: string;
  tableName: string;
  deadLetterQueue: ProvisionedQueue;
  routes: ProvisionedRoute[];
}

/** SQS maximum; the DLQ is only a safety net for poison messages (see shared decisions). */
export const MAX_RECEIVE_COUNT = 1000;
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 15 * 60;
/** SQS's longest retention, 14 days: longer lifetimes re-enqueue before it. */
export const RETENTION_SECONDS = 14 * 86_400;

export async function provision(clients: ProvisionClients, options: ProvisionOptions): Promise<Provisioned> {
  const prefix = options.namePrefix ?? 'backupmx-';
  await createBucket(clients, options.bucketName);
  await createTable(clients, options.tableName);
  const deadLetterQueue = await createQueue(clients, options.deadLetterQueueName, {
    MessageRetentionPeriod: String(RETENTION_SECONDS),
  });
  const routes: ProvisionedRoute[] = [];
  for (const route of options.routes) {
    const queue = await createQueue(clients, route.queueName ?? `${prefix}${route.name}`, {
      MessageRetentionPeriod: String(RETENTION_SECONDS),
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
    });
    const topic = await clients.sns.send(new CreateTopicCommand({ Name: route.topicName ?? `${prefix}${route.name}` }));
    const topicArn = required(topic.TopicArn, 'CreateTopic returned no TopicArn');
    // Raw delivery: the queue body is the SES notification itself, not an SNS envelope.
    const subscription = await clients.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      }),
    );
    routes.push({ name: route.name, topicArn, queue, subscriptionArn: subscription.SubscriptionArn });
  }
  return { bucketName: options.bucketName, tableName: options.tableName, deadLetterQueue, routes };
}

async function createBucket(clients: ProvisionClients, bucketName: string): Promise<void> {
  // Outside us-east-1, AWS and LocalStack want the region named in the request.
  const configuration =
    clients.region === 'us-east-1'
      ? undefined
      : { LocationConstraint: clients.region as BucketLocationConstraint };
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucketName, CreateBucketConfiguration: configuration }));
  } catch (error) {
    if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error;
  }
}

async function createTable(clients: ProvisionClients, tableName: string): Promise<void> {
  const { partitionKey, sortKey, routeIndex, ttlAttribute } = TABLE_LAYOUT;
  try {
    await clients.dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partitionKey, sortKey, routeIndex.partitionKey, routeIndex.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: routeIndex.name,
            KeySchema: [
              { AttributeName: routeIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: routeIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  await waitForActive(clients, tableName);
  try {
    await clients.dynamo.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite has no TTL API (its items simply never expire); a second run on
    // LocalStack or AWS reports TTL as already enabled. Neither is a problem.
    const name = errorName(error);
    const alreadyOn = name === 'ValidationException' && /already enabled/i.test(String((error as Error).message));
    if (name !== 'UnknownOperationException' && !alreadyOn) throw error;
  }
}

async function waitForActive(clients: ProvisionClients, tableName: string): Promise<void> {
  for (let tries = 0; tries < 120; tries++) {
    const { Table } = await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesReady) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

async function createQueue(
  clients: ProvisionClients,
  name: string,
  attributes: Record<string, string>,
): Promise<ProvisionedQueue> {
  let url: string;
  try {
    const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    url = required(created.QueueUrl, 'CreateQueue returned no QueueUrl');
  } catch (error) {
    // The queue exists with other attributes (an earlier run or older settings): update it.
    if (!['QueueAlreadyExists', 'QueueNameExists'].includes(errorName(error))) throw error;
    const existing = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    url = required(existing.QueueUrl, 'GetQueueUrl returned no QueueUrl');
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { name, url, arn: required(Attributes?.QueueArn, `no QueueArn for ${name}`) };
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}
