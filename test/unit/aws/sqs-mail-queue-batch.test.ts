// SqsMailQueue sends deletes asked together, or piling up while one is in
// flight, as one DeleteMessageBatch, and each caller learns about its own entry only.
import { DeleteMessageBatchCommand, DeleteMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueDeleteError, SqsMailQueue } from '../../../lambdas/adapters/aws/sqs-mail-queue.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const URL = 'http://sqs.us-east-1.localhost/000000000000/q';
const queue = () => new SqsMailQueue(new SQSClient({ region: 'us-east-1' }), URL);
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('SqsMailQueue batched deletes', () => {
  it('sends deletes asked in one turn as one batch', async () => {
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
    const q = queue();
    await Promise.all(['h1', 'h2', 'h3', 'h4'].map((h) => q.delete(h)));
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    const batches = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(batches).toEqual([['h1', 'h2', 'h3', 'h4']]);
  });

  it('sends a lone delete alone and batches the ones that arrive while it is on its way', async () => {
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
    const q = queue();
    const first = q.delete('h1');
    await nextTurn(); // sent
    await Promise.all([first, ...['h2', 'h3', 'h4'].map((h) => q.delete(h))]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['h1']);
    const batches = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(batches).toEqual([['h2', 'h3', 'h4']]);
  });

  it('a busy drain: a delete soon after the last one waits a few ms, so the next ones share its batch', async () => {
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
    const q = queue();
    await q.delete('first'); // idle: at once, alone
    const later = ['a', 'b', 'c'].map((h, i) => new Promise<void>((resolve) => setTimeout(() => resolve(q.delete(h)), i)));
    await Promise.all(later);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['first']);
    expect(sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle))).toEqual([['a', 'b', 'c']]);
  });

  it('never puts more than 10 entries in one batch', async () => {
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })) }));
    const q = queue();
    await Promise.all(Array.from({ length: 25 }, (_, i) => q.delete(`h${i}`)));
    const sizes = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('rejects only the entry SQS refused, and entries it did not report on', async () => {
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'bad handle' }],
    });
    const q = queue();
    const results = await Promise.allSettled(['ok', 'bad', 'unreported'].map((h) => q.delete(h)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    const bad = (results[1] as PromiseRejectedResult).reason;
    expect(bad).toBeInstanceOf(QueueDeleteError);
    expect(bad).toMatchObject({ name: 'QueueDeleteError', code: 'ReceiptHandleIsInvalid' });
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'NoResult' });
  });

  it('rejects every entry of a batch whose call failed, and keeps going afterwards', async () => {
    const throttled = new SQSServiceException({ name: 'RequestThrottled', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'slow down' });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(DeleteMessageBatchCommand).rejectsOnce(throttled).resolves({ Successful: [{ Id: '0' }] });
    const q = queue();
    const results = await Promise.allSettled(['a', 'b', 'c'].map((h) => q.delete(h)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(q.delete('later')).resolves.toBeUndefined();
  });
});
