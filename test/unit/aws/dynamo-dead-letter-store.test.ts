import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDeadLetterStore } from '../../../lambdas/adapters/aws/dynamo-dead-letter-store.js';
import type { DeadLetterRecord } from '../../../lambdas/core/model.js';
import { DEAD_LETTERS_COUNTED_AT_MOST } from '../../../lambdas/core/outcome/ports.js';

const doc = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
afterEach(() => {
  doc.reset();
  sqs.reset();
});

const store = () =>
  new DynamoDeadLetterStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    't',
    new SQSClient({ region: 'us-east-1' }),
    'https://sqs/dlq',
  );
const record: DeadLetterRecord = {
  messageId: 'm-1',
  route: 'main',
  reason: 'virus',
  detail: 'X-SES-Virus-Verdict: FAIL',
  at: new Date('2026-01-05T10:00:00.000Z'),
  notification: '{"notificationType":"Received"}',
  objectKey: 'inbound/m-1',
};
const sqsError = (name: string) => new SQSServiceException({ name, $fault: 'client', $metadata: {}, message: name });

describe('DynamoDeadLetterStore', () => {
  it('writes the text, then the summary with the dead#<route> index key (only that item is listed and counted), then sends to the DLQ', async () => {
    doc.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
    await store().put(record);
    const [text, summary] = doc.commandCalls(PutCommand).map((c) => c.args[0].input.Item!);
    expect(text).toEqual({ pk: 'msg#m-1', sk: 'deadtext#main', messageId: 'm-1', route: 'main', copy: undefined, at: '2026-01-05T10:00:00.000Z', detail: record.detail, notification: record.notification });
    expect(summary).toMatchObject({
      pk: 'msg#m-1',
      sk: 'dead#main',
      gsi1pk: 'dead#main',
      gsi1sk: '2026-01-05T10:00:00.000Z',
      reason: 'virus',
    });
    // The index's copy of a dead letter is small, whatever the notification's size.
    expect(summary).not.toHaveProperty('notification');
    expect(summary).not.toHaveProperty('detail');
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.MessageBody).toBe(record.notification);
    expect(sent.MessageAttributes?.reason).toEqual({ DataType: 'String', StringValue: 'virus' });
    // requeue and delete remove only the copies of the record they removed, by this time.
    expect(sent.MessageAttributes?.deadLetteredAt).toEqual({ DataType: 'String', StringValue: '2026-01-05T10:00:00.000Z' });
  });

  it('surfaces a DLQ send failure', async () => {
    doc.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(sqsError('QueueDoesNotExist'));
    await expect(store().put(record)).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('does not send to the DLQ when the record could not be written', async () => {
    doc.on(PutCommand).rejects(new Error('table gone'));
    await expect(store().put(record)).rejects.toThrow('table gone');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('falls back to a JSON envelope when SQS refuses the notification’s characters', async () => {
    doc.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).rejectsOnce(sqsError('InvalidMessageContents')).resolves({ MessageId: 'x' });
    const odd = { ...record, notification: 'bad \u0000 byte' };
    await store().put(odd);
    const bodies = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageBody!);
    expect(bodies).toHaveLength(2);
    expect(JSON.parse(bodies[1]!).deadLetter.notification).toBe(odd.notification);
  });
});

describe('DynamoDeadLetterStore.count', () => {
  it('counts on the index with Select COUNT and stops at DEAD_LETTERS_COUNTED_AT_MOST, asking only for what is left', async () => {
    doc.on(QueryCommand).resolves({ Count: 600, LastEvaluatedKey: { pk: 'x' } });
    expect(await store().count('main')).toBe(DEAD_LETTERS_COUNTED_AT_MOST);
    const inputs = doc.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs.map((i) => [i.IndexName, i.Select, i.Limit, i.ExpressionAttributeValues])).toEqual([
      ['byRoute', 'COUNT', 1000, { ':route': 'dead#main' }],
      ['byRoute', 'COUNT', 400, { ':route': 'dead#main' }],
    ]);
  });

  it('reads every page below the limit', async () => {
    doc.on(QueryCommand).resolvesOnce({ Count: 3, LastEvaluatedKey: { pk: 'x' } }).resolvesOnce({ Count: 2 });
    expect(await store().count('main')).toBe(5);
  });
});
