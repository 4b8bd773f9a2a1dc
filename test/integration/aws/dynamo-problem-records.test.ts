import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CANARY_ARRIVAL_ATTRIBUTES,
  DELIVERY_RECORD_ATTRIBUTES,
  DynamoCanaryArrivals,
  DynamoDeliveryRecords,
  DynamoOrphanWatchRecords,
  DynamoProblemStates,
  ORPHAN_WATCH_ATTRIBUTES,
  PROBLEM_STATE_ATTRIBUTES,
} from '../../../lambdas/adapters/aws/dynamo-problem-records.js';
import { SqsQueueDepth } from '../../../lambdas/adapters/aws/sqs-queue-depth.js';
import { STACK_SCOPE } from '../../../lambdas/core/problems/problem-ports.js';
import { problemRecordsContract } from '../../contracts/problem-records.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

describe('DynamoDB problem records and SQS queue depth (emulators)', () => {
  // The stack's records have fixed keys: each test gets partitions of its own, and a queue of its own.
  problemRecordsContract(async () => {
    const { doc, sqs } = env.clients;
    const table = env.resources.tableName;
    const run = env.unique();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `backupmx-depth-${run}` }));
    return {
      subject: {
        states: new DynamoProblemStates(doc, table, `stack#problems-${run}`),
        deliveries: new DynamoDeliveryRecords(doc, table),
        orphanWatch: new DynamoOrphanWatchRecords(doc, table, `stack#watch-${run}`),
        canaryArrivals: new DynamoCanaryArrivals(doc, table, `stack#canary-${run}`),
        queue: {
          depth: new SqsQueueDepth(sqs, QueueUrl!),
          send: async (n, delaySeconds) => {
            for (let i = 0; i < n; i++) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}`, ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}) }));
          },
          receive: async (n) => {
            const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: n, VisibilityTimeout: 600 }));
            expect(Messages).toHaveLength(n);
          },
        },
        route: `r${run}`,
      },
      cleanup: async () => {
        await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      },
    };
  });

  it('writes each record under its key with only its attributes (the IAM grants name them)', async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    const at = new Date('2026-01-05T10:00:00.000Z');
    await new DynamoProblemStates(doc, table).save('attrs', { conditions: { backlog: { since: at, announced: false } } });
    await new DynamoProblemStates(doc, table).save(STACK_SCOPE, { conditions: {}, firstRoundAt: at });
    await new DynamoDeliveryRecords(doc, table).save('attrs', { failingSince: at, lastFailingAt: at, lastFailure: 'all-deferred', refusedSinceDelivery: 1, lastRefusedAt: at, lastDeliveredAt: at });
    await new DynamoOrphanWatchRecords(doc, table).record({ at, messages: 2 });
    await new DynamoCanaryArrivals(doc, table).record({ at, roundTripSeconds: 3 });
    const item = async (pk: string, sk: string) => (await doc.send(new GetCommand({ TableName: table, Key: { pk, sk } }))).Item!;
    expect(Object.keys(await item('route#attrs', 'problems')).sort()).toEqual([...PROBLEM_STATE_ATTRIBUTES].filter((a) => a !== 'firstRoundAt').sort());
    expect(Object.keys(await item('stack#problems', 'problems')).sort()).toEqual([...PROBLEM_STATE_ATTRIBUTES].sort());
    expect(Object.keys(await item('route#attrs', 'deliveries')).sort()).toEqual([...DELIVERY_RECORD_ATTRIBUTES].sort());
    expect(Object.keys(await item('stack#watch', 'orphans')).sort()).toEqual([...ORPHAN_WATCH_ATTRIBUTES].sort());
    expect(Object.keys(await item('stack#canary', 'arrival')).sort()).toEqual([...CANARY_ARRIVAL_ATTRIBUTES].sort());
  });

  it('a damaged record is an error naming it, never "no record" (the probe reports it unreadable and keeps it)', async () => {
    const { doc } = env.clients;
    const table = env.resources.tableName;
    const run = env.unique();
    await doc.send(new PutCommand({ TableName: table, Item: { pk: `route#d${run}`, sk: 'problems', conditions: { backlog: { since: 'yesterday', announced: true } } } }));
    await expect(new DynamoProblemStates(doc, table).get(`d${run}`)).rejects.toThrow(/problems record of route d.* is damaged \(since\)/);
    await doc.send(new PutCommand({ TableName: table, Item: { pk: `route#d${run}`, sk: 'deliveries', refusedSinceDelivery: 'many' } }));
    await expect(new DynamoDeliveryRecords(doc, table).get(`d${run}`)).rejects.toThrow(/delivery record of route d.* is damaged \(refusedSinceDelivery\)/);
    await doc.send(new PutCommand({ TableName: table, Item: { pk: `stack#canary-${run}`, sk: 'arrival', roundTripSeconds: 3 } }));
    await expect(new DynamoCanaryArrivals(doc, table, `stack#canary-${run}`).last()).rejects.toThrow(/damaged \(at\)/);
  });
});
