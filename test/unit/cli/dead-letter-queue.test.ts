// The DLQ scan's matching, its receive bound and its error path, with a mocked
// SQS client (the happy path runs against the emulator in the integration tests).
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { printCopyCleanup } from '../../../cli/dead-letter-cleanup.js';
import { SqsDeadLetterQueue } from '../../../lambdas/adapters/aws/sqs-dead-letter-queue.js';
import { removeDeadLetterCopies, type WantedCopy } from '../../../lambdas/core/operator/dead-letter-cleanup.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { sesNotification } from '../../support/aws/ses-events.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());
const URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/BackupMx-dlq';
const dlq = () => new SqsDeadLetterQueue(new SQSClient({ region: 'eu-west-1' }), URL, parseSesNotification);

const copy = (handle: string, body: string, attributes: Record<string, string> = {}): Message => ({
  ReceiptHandle: handle,
  Body: body,
  MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
});
const notification = (messageId: string, route: string) => sesNotification({ messageId, objectKeyPrefix: `mail/${route}/` });

describe('SqsDeadLetterQueue.removeCopies', () => {
  it('deletes the copies of the wanted id and route (by attribute, or by the body of a redriven copy) and releases the rest', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          copy('h1', notification('m1', 'main'), { messageId: 'm1', route: 'main' }),
          copy('h2', notification('m1', 'other'), { messageId: 'm1', route: 'other' }),
          copy('h3', notification('m1', 'main')), // redriven: no attributes
          copy('h4', 'poison'),
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })) }));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    const result = await dlq().removeCopies([{ messageId: 'm1', route: 'main' }, { messageId: 'm2' }]);
    expect(result).toEqual({ removed: [2, 0], scanned: 4, complete: true });
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toEqual(['h1', 'h3']);
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(released.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual([['h2', 0], ['h4', 0]]);
  });

  // requeue/delete racing a drain: the copy of a record put after the command read it stands for that record.
  it('with writtenUpTo, deletes copies put at or before it and those with no time, and keeps a later one', async () => {
    const at = '2026-01-05T10:00:00.000Z';
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          copy('older', notification('m1', 'main'), { messageId: 'm1', route: 'main', deadLetteredAt: '2026-01-05T09:00:00.000Z' }),
          copy('same', notification('m1', 'main'), { messageId: 'm1', route: 'main', deadLetteredAt: at }),
          copy('later', notification('m1', 'main'), { messageId: 'm1', route: 'main', deadLetteredAt: '2026-01-05T10:00:00.001Z' }),
          copy('untimed', notification('m1', 'main'), { messageId: 'm1', route: 'main' }),
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })) }));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    const result = await dlq().removeCopies([{ messageId: 'm1', route: 'main', writtenUpTo: new Date(at) }]);
    expect(result.removed).toEqual([3]);
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toEqual(['older', 'same', 'untimed']);
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(released.map((e) => e.ReceiptHandle)).toEqual(['later']);
  });

  it('stops after a bounded number of receives, releasing what it held, and says the scan was not complete', async () => {
    sqs.on(ReceiveMessageCommand).callsFake(() => ({ Messages: [copy(`h${Math.random()}`, 'poison')] }));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const result = await dlq().removeCopies([{ messageId: 'm1' }]);
    expect(result).toMatchObject({ removed: [0], scanned: 100, complete: false });
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(10);
  });
});

describe('removeDeadLetterCopies, as the CLI prints it', () => {
  /** The use case's removal, then the CLI's lines; returns how many copies went. */
  const removeDeadLetterCopiesPrinted = async (wanted: WantedCopy[], io: RecordingIo) => printCopyCleanup(await removeDeadLetterCopies(dlq(), wanted), io);

  it('only warns when the dead-letter queue cannot be read: the requeue or delete is done', async () => {
    sqs.on(ReceiveMessageCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    const io = new RecordingIo();
    expect(await removeDeadLetterCopiesPrinted([{ messageId: 'm1', route: 'main' }], io)).toBe(0);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toContain('dead-letter queue: could not remove the copies (AccessDenied: not allowed)');
  });

  it('names the route of a missing copy only when the id is wanted on two routes', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    const io = new RecordingIo();
    await removeDeadLetterCopiesPrinted([{ messageId: 'm1', route: 'main' }, { messageId: 'm1', route: 'other' }, { messageId: 'm2', route: 'main', expected: false }], io);
    expect(io.stdout).toEqual([
      'dead-letter queue: no copy of m1 (route main) found (removed earlier, or being read by someone else): nothing to remove, not an error',
      'dead-letter queue: no copy of m1 (route other) found (removed earlier, or being read by someone else): nothing to remove, not an error',
    ]);
  });
});
