import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { deadTextSort, key, messageKey } from '../../../lambdas/adapters/aws/dynamo-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeadLetterStore } from '../../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import { deadLetterStoreContract } from '../../contracts/dead-letter-store.contract.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const store = (queueUrl = env.resources.deadLetterQueue.url) =>
  new DynamoDeadLetterStore(env.clients.doc, env.resources.tableName, env.clients.sqs, queueUrl);

async function withQueue<T>(use: (queueUrl: string) => Promise<T>): Promise<T> {
  const { QueueUrl } = await env.clients.sqs.send(new CreateQueueCommand({ QueueName: `dlq-${env.unique()}` }));
  try {
    return await use(QueueUrl!);
  } finally {
    await env.clients.sqs.send(new DeleteQueueCommand({ QueueUrl }));
  }
}

async function receiveOne(queueUrl: string) {
  const { Messages = [] } = await env.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
  );
  return Messages;
}

describe('DynamoDeadLetterStore', () => {
  deadLetterStoreContract(async () => ({ subject: store(), cleanup: async () => {} }));

  it('sends the notification to the DLQ with the reason, message id and route as attributes', async () => {
    await withQueue(async (queueUrl) => {
      const notification = JSON.stringify({ notificationType: 'Received', mail: { messageId: 'm-1' } });
      await store(queueUrl).put({
        messageId: 'm-1',
        route: 'main',
        reason: 'loop-detected',
        detail: '51 Received headers',
        at: new Date('2026-01-05T10:00:00.000Z'),
        notification,
      });
      const [message, ...rest] = await receiveOne(queueUrl);
      expect(rest).toEqual([]);
      expect(message?.Body).toBe(notification);
      expect(message?.MessageAttributes?.reason?.StringValue).toBe('loop-detected');
      expect(message?.MessageAttributes?.messageId?.StringValue).toBe('m-1');
      expect(message?.MessageAttributes?.route?.StringValue).toBe('main');
    });
  });

  it('sends the record\'s time as the deadLetteredAt attribute (what requeue and delete match DLQ copies by)', async () => {
    await withQueue(async (queueUrl) => {
      const at = new Date('2026-01-05T10:00:00.123Z');
      await store(queueUrl).put({ messageId: 'm-at', route: 'main', reason: 'virus', detail: 'x', at, notification: '{"n":1}' });
      const [message] = await receiveOne(queueUrl);
      expect(message?.MessageAttributes?.deadLetteredAt?.StringValue).toBe(at.toISOString());
    });
  });

  // The window the writtenAt filter cannot see: a drain's put lands between remove's read and its deletes.
  it('removal is conditional on the time it read: a put landing after its read keeps its summary and its text', async () => {
    const route = `race${env.unique()}`;
    const messageId = `m-${env.unique()}`;
    const read = { messageId, route, reason: 'virus' as const, detail: 'first', at: new Date('2026-01-05T10:00:00.000Z'), notification: '{"first":true}', copy: 'c1' };
    const subject = store();
    await subject.put(read);
    const stale = await subject.find(messageId);
    const again = { ...read, detail: 'quarantined again', at: new Date('2026-01-05T10:05:00.000Z'), notification: '{"again":true}' };
    await subject.put(again);
    subject.find = async () => stale; // as if the find had run just before the drain's put
    expect(await subject.remove(messageId, route, 'c1')).toBe(0);
    expect(await store().get(messageId, route, 'c1')).toEqual(again);
    expect(await store().count(route)).toBe(1);
  });

  // The drain writes the text first: one landing between remove's summary and text deletes is not taken with the old summary.
  it('removal keeps a text item written after its read, even once the summary it read is gone', async () => {
    const route = `race${env.unique()}`;
    const messageId = `m-${env.unique()}`;
    const read = { messageId, route, reason: 'virus' as const, detail: 'first', at: new Date('2026-01-05T10:00:00.000Z'), notification: '{"first":true}', copy: 'c1' };
    await store().put(read);
    const newText = { ...key(messageKey(messageId), deadTextSort(route, 'c1')), messageId, route, copy: 'c1', at: '2026-01-05T10:05:00.000Z', detail: 'again', notification: '{"again":true}' };
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: newText }));
    expect(await store().remove(messageId, route, 'c1', read.at)).toBe(1);
    const { Item } = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: key(messageKey(messageId), deadTextSort(route, 'c1')) }));
    expect(Item).toEqual(newText);
  });

  it('removes a text item written before texts carried their time', async () => {
    const route = `old${env.unique()}`;
    const messageId = `m-${env.unique()}`;
    await store().put({ messageId, route, reason: 'virus', detail: 'first', at: new Date('2026-01-05T10:00:00.000Z'), notification: '{"n":1}', copy: 'c1' });
    const textKey = key(messageKey(messageId), deadTextSort(route, 'c1'));
    await env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { ...textKey, messageId, route, copy: 'c1', detail: 'first', notification: '{"n":1}' } }));
    expect(await store().remove(messageId)).toBe(1);
    expect((await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: textKey }))).Item).toBeUndefined();
  });

  it('sends a JSON envelope when the notification cannot be a queue body', async () => {
    await withQueue(async (queueUrl) => {
      await store(queueUrl).put({
        messageId: 'm-2',
        reason: 'malformed-notification',
        detail: 'empty body',
        at: new Date('2026-01-05T10:00:00.000Z'),
        notification: '',
      });
      const [message] = await receiveOne(queueUrl);
      expect(JSON.parse(message!.Body!)).toEqual({
        deadLetter: {
          messageId: 'm-2',
          reason: 'malformed-notification',
          detail: 'empty body',
          at: '2026-01-05T10:00:00.000Z',
          notification: '',
        },
      });
      expect(message?.MessageAttributes?.route).toBeUndefined();
    });
  });

  it('falls back to the JSON envelope for a notification with characters SQS refuses', async () => {
    await withQueue(async (queueUrl) => {
      const notification = 'garbage \u0000\u0001 from a broken publisher';
      await store(queueUrl).put({
        messageId: 'm-3',
        reason: 'malformed-notification',
        detail: 'not JSON',
        at: new Date('2026-01-05T10:00:00.000Z'),
        notification,
      });
      const [message] = await receiveOne(queueUrl);
      expect(JSON.parse(message!.Body!).deadLetter.notification).toBe(notification);
      expect(message?.MessageAttributes?.reason?.StringValue).toBe('malformed-notification');
      // The record keeps the original text for a requeue.
      expect((await store(queueUrl).get('m-3'))?.notification).toBe(notification);
    });
  });

  it('keeps the DynamoDB record when the DLQ send fails, and surfaces the error', async () => {
    const broken = store(`${env.resources.deadLetterQueue.url}-missing-${env.unique()}`);
    const record = {
      messageId: `m-${env.unique()}`,
      route: 'main',
      reason: 'poison' as const,
      detail: 'received 1000 times',
      at: new Date('2026-01-05T10:00:00.000Z'),
      notification: '{}',
    };
    await expect(broken.put(record)).rejects.toThrow();
    expect(await store().get(record.messageId)).toEqual(record);
  });

  // Before the summary/text split one item held everything (with the index keys): such records are read as they are.
  it('reads, lists, counts and removes a record written as one item by an earlier version', async () => {
    const route = `old${env.unique()}`;
    const messageId = `m-${env.unique()}`;
    const at = '2026-01-05T10:00:00.000Z';
    await env.clients.doc.send(
      new PutCommand({
        TableName: env.resources.tableName,
        Item: { pk: `msg#${messageId}`, sk: `dead#${route}#c1`, messageId, route, reason: 'expired', detail: 'queued for 5 days', at, notification: '{"old":true}', objectKey: 'inbound/x', copy: 'c1', gsi1pk: `dead#${route}`, gsi1sk: at },
      }),
    );
    const expected = { messageId, route, reason: 'expired', detail: 'queued for 5 days', at: new Date(at), notification: '{"old":true}', objectKey: 'inbound/x', copy: 'c1' };
    expect(await store().get(messageId, route, 'c1')).toEqual(expected);
    expect(await store().find(messageId)).toEqual([expected]);
    expect(await store().list(route)).toEqual([expected]);
    expect(await store().count(route)).toBe(1);
    await store().remove(messageId);
    expect(await store().count(route)).toBe(0);
  });

  it('lists the text of more records than one BatchGetItem reads (100)', async () => {
    const route = `many${env.unique()}`;
    for (let i = 0; i < 130; i++) {
      await store().put({ messageId: `m${i}-${env.unique()}`, route, reason: 'virus', detail: `detail ${i}`, at: new Date(Date.UTC(2026, 0, 5, 10, 0, i)), notification: `{"n":${i}}`, copy: 'c' });
    }
    const listed = await store().list(route);
    expect(listed).toHaveLength(130);
    expect(listed.map((r) => r.notification)).toEqual(Array.from({ length: 130 }, (_, i) => `{"n":${i}}`));
    expect(listed[129]!.detail).toBe('detail 129');
  });
});

