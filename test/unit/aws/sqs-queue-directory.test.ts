// Paging and errors of SqsQueueDirectory on a mocked client (the embedded
// emulator never returns a NextToken).
import { GetQueueAttributesCommand, ListQueuesCommand, ListQueueTagsCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LIST_QUEUES_MAX_RESULTS, SqsQueueDirectory } from '../../../lambdas/adapters/aws/sqs-queue-directory.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const BASE = 'https://sqs.us-east-1.amazonaws.com/123456789012/';
const directory = () => new SqsQueueDirectory(new SQSClient({ region: 'us-east-1' }));

async function listAll(prefix: string): Promise<string[]> {
  const urls: string[] = [];
  for await (const url of directory().list(prefix)) urls.push(url);
  return urls;
}

describe('SqsQueueDirectory', () => {
  it('asks for pages of 1,000 (without MaxResults SQS returns no NextToken) and follows NextToken to the end', async () => {
    sqs
      .on(ListQueuesCommand)
      .resolvesOnce({ QueueUrls: [`${BASE}BackupMx-a`, `${BASE}BackupMx-b`], NextToken: 't1' })
      .resolvesOnce({ QueueUrls: [`${BASE}BackupMx-c`], NextToken: 't2' })
      .resolvesOnce({});
    expect(await listAll('BackupMx-')).toEqual([`${BASE}BackupMx-a`, `${BASE}BackupMx-b`, `${BASE}BackupMx-c`]);
    const inputs = sqs.commandCalls(ListQueuesCommand).map((c) => c.args[0].input);
    expect(LIST_QUEUES_MAX_RESULTS).toBe(1000);
    expect(inputs).toEqual([
      { QueueNamePrefix: 'BackupMx-', MaxResults: 1000 },
      { QueueNamePrefix: 'BackupMx-', MaxResults: 1000, NextToken: 't1' },
      { QueueNamePrefix: 'BackupMx-', MaxResults: 1000, NextToken: 't2' },
    ]);
  });

  it('one page with no NextToken is the whole list; no queues is an empty one', async () => {
    sqs.on(ListQueuesCommand).resolves({});
    expect(await listAll('BackupMx-')).toEqual([]);
    expect(sqs.commandCalls(ListQueuesCommand)).toHaveLength(1);
  });

  it('a failing page rejects the listing after the pages before it', async () => {
    sqs.on(ListQueuesCommand).resolvesOnce({ QueueUrls: [`${BASE}BackupMx-a`], NextToken: 't1' }).rejectsOnce(new Error('throttled'));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const url of directory().list('BackupMx-')) seen.push(url);
      })(),
    ).rejects.toThrow('throttled');
    expect(seen).toEqual([`${BASE}BackupMx-a`]);
  });

  it('reads visible, in-flight and delayed counts', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '5', ApproximateNumberOfMessagesNotVisible: '2', ApproximateNumberOfMessagesDelayed: '1' },
    });
    expect(await directory().depth(`${BASE}BackupMx-a`)).toEqual({ visible: 5, inFlight: 2, delayed: 1 });
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]!.args[0].input).toEqual({
      QueueUrl: `${BASE}BackupMx-a`,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    });
  });

  it('a queue deleted since it was listed is undefined; any other error is thrown', async () => {
    sqs.on(GetQueueAttributesCommand).rejectsOnce(new QueueDoesNotExist({ message: 'gone', $metadata: {} })).rejectsOnce(new Error('AccessDenied'));
    expect(await directory().depth(`${BASE}BackupMx-a`)).toBeUndefined();
    await expect(directory().depth(`${BASE}BackupMx-a`)).rejects.toThrow('AccessDenied');
  });

  it('reads a queue\'s tags; a queue deleted since it was listed is undefined; any other error is thrown', async () => {
    sqs
      .on(ListQueueTagsCommand)
      .resolvesOnce({ Tags: { 'backup-mx:stack': 'BackupMx' } })
      .resolvesOnce({})
      .rejectsOnce(new QueueDoesNotExist({ message: 'gone', $metadata: {} }))
      .rejectsOnce(new Error('AccessDenied'));
    expect(await directory().tags(`${BASE}BackupMx-a`)).toEqual({ 'backup-mx:stack': 'BackupMx' });
    expect(await directory().tags(`${BASE}BackupMx-a`)).toEqual({});
    expect(await directory().tags(`${BASE}BackupMx-a`)).toBeUndefined();
    await expect(directory().tags(`${BASE}BackupMx-a`)).rejects.toThrow('AccessDenied');
    expect(sqs.commandCalls(ListQueueTagsCommand)[0]!.args[0].input).toEqual({ QueueUrl: `${BASE}BackupMx-a` });
  });
});
