import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { clamp, MAX_VISIBILITY_SECONDS, SqsMailQueue } from '../../../lambdas/adapters/aws/sqs-mail-queue.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const URL = 'http://sqs.us-east-1.localhost/000000000000/q';

function queueAt(startMs = 1_000_000) {
  let now = startMs;
  const queue = new SqsMailQueue(new SQSClient({ region: 'us-east-1' }), URL, () => now);
  return { queue, advance: (seconds: number) => (now += seconds * 1000) };
}

const visibilities = () => sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout);

describe('SqsMailQueue', () => {
  it('asks for the receive count and send time, and maps them', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        { ReceiptHandle: 'h1', Body: '{"a":1}', Attributes: { ApproximateReceiveCount: '3', SentTimestamp: '1767607200000' } },
        { Body: 'no handle: skipped' },
      ],
    });
    const { queue } = queueAt();
    const messages = await queue.receive(50, 60, 30);
    expect(messages).toEqual([{ handle: 'h1', body: '{"a":1}', receiveCount: 3, enqueuedAt: new Date(1767607200000) }]);
    const input = sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ QueueUrl: URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 30 });
    expect(input.MessageSystemAttributeNames).toEqual(['ApproximateReceiveCount', 'SentTimestamp']);
    expect(input.AttributeNames).toEqual(['ApproximateReceiveCount', 'SentTimestamp']);
  });

  it('leaves the queue’s visibility alone when none is given', async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    await queueAt().queue.receive(0, -5);
    const input = sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input;
    expect(input.VisibilityTimeout).toBeUndefined();
    expect(input).toMatchObject({ MaxNumberOfMessages: 1, WaitTimeSeconds: 0 });
  });

  it('clamps defer to 0..12 h in whole seconds', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const { queue } = queueAt();
    await queue.defer('unknown-handle', -10);
    await queue.defer('unknown-handle', 299.6);
    await queue.defer('unknown-handle', 10 * 86_400);
    await queue.defer('unknown-handle', Number.NaN);
    expect(visibilities()).toEqual([0, 300, MAX_VISIBILITY_SECONDS, 0]);
  });

  it('never defers past 12 h after the receive, which SQS would refuse', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ ReceiptHandle: 'h1', Body: 'x', Attributes: {} }] });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const { queue, advance } = queueAt();
    await queue.receive(1, 0);
    advance(11 * 3600);
    await queue.defer('h1', 7200);
    const [late] = visibilities();
    expect(late).toBeLessThanOrEqual(3600);
    expect(late).toBeGreaterThan(3000);
  });

  it('clamps an enqueue delay to SQS’s 15 minutes', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const { queue } = queueAt();
    await queue.enqueue('body', 5_000);
    await queue.enqueue('body');
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.DelaySeconds)).toEqual([900, 0]);
  });

  it('lets throttling errors through', async () => {
    const throttled = new SQSServiceException({ name: 'RequestThrottled', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'slow down' });
    sqs.on(ReceiveMessageCommand).rejects(throttled);
    sqs.on(ChangeMessageVisibilityCommand).rejects(throttled);
    const { queue } = queueAt();
    await expect(queue.receive(10, 0)).rejects.toMatchObject({ name: 'RequestThrottled' });
    await expect(queue.defer('h', 60)).rejects.toMatchObject({ name: 'RequestThrottled' });
  });

  it('clamp treats infinities as the bounds', () => {
    expect(clamp(Infinity, 0, 900)).toBe(900);
    expect(clamp(-Infinity, 0, 900)).toBe(0);
  });
});
