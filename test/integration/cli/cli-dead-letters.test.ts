// requeue and delete against the dead-letter side of a real local backup MX:
// a fresh copy even when the message still has a live queue entry (the
// ledger keeps the two from delivering twice), the SQS
// dead-letter queue (DLQ) copy removed and every other DLQ message left
// visible, and the DLQ depth shown against the dead-letter records.
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteQueueEntries } from '../../../cli/queue-search.js';
import type { MessageView } from '../../../cli/message-view.js';
import type { CheckResult } from '../../../cli/doctor/check.js';
import { TestDnsServer } from '../../support/net/dns-server.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';
import { copyKeyOf } from '../../../lambdas/core/message/message-copy.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('backup-mx requeue and delete: live queue entries and the dead-letter queue', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(() => fx.reset());

  const mainRoute = () => fx.engine.route('main');
  const queueDepth = async () => {
    const d = await fx.engine.queue(mainRoute()).depth();
    return d.visible + d.inFlight + d.delayed;
  };
  const mailqIds = async () => (await fx.cli('mailq', '--json')).io.json<MessageView[]>().map((m) => m.id);

  /** Every DLQ message as (messageId attribute, body), each made visible again right after. */
  const dlqMessages = async () => {
    const url = fx.resources.deadLetterQueue.url;
    const { Messages = [] } = await fx.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 5, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length > 0) {
      await fx.clients.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
    return Messages.map((m) => ({ id: m.MessageAttributes?.messageId?.StringValue, route: m.MessageAttributes?.route?.StringValue, body: m.Body }));
  };

  it('a partial bounce: requeue resets the bounced recipient and enqueues a fresh copy beside the live entry; each recipient gets one delivery', async () => {
    fx.primary.script = {
      rcpt: {
        'erin@example.com': { code: 550, enhanced: '5.1.1', text: 'no such user' },
        'carl@example.com': { code: 451, enhanced: '4.2.0', text: 'mailbox busy' },
      },
    };
    const id = await fx.queue({ recipients: ['erin@example.com', 'carl@example.com'] });
    await fx.cli('flush', 'main');
    // erin dead-lettered (bounce policy 'dead-letter'); carl still queued, deferred by the backoff.
    expect(await fx.deps.deadLetters.get(id, 'main')).toMatchObject({ reason: 'bounced' });
    expect(await mailqIds()).toContain(id);
    expect(await queueDepth()).toBe(1);
    expect((await dlqMessages()).filter((m) => m.id === id)).toHaveLength(1);

    fx.primary.reset(); // erin's mailbox exists now, carl's is free
    const requeue = await fx.cli('requeue', id);
    expect(requeue.code).toBe(0);
    expect(requeue.io.text).toContain(`${id}: requeued on route main (2 recipients to deliver, 1 reset); it may also still have a queue entry`);
    expect(requeue.io.text).toContain('dead-letter queue: removed 1 copy of 1 message');
    expect(await queueDepth()).toBe(2); // the live entry and the fresh copy
    expect((await dlqMessages()).filter((m) => m.id === id)).toEqual([]);
    expect(await fx.deps.deadLetters.find(id)).toEqual([]);
    expect((await fx.deps.ledger.outcomes(id)).get('erin@example.com')?.state).toBe('queued');

    await sleep(1500); // carl's 1 s backoff
    await fx.cli('flush', 'main');
    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('erin@example.com')).toHaveLength(1);
    expect(fx.primary.messagesFor('carl@example.com')).toHaveLength(1);
    expect(await mailqIds()).not.toContain(id);
  });

  it('requeues with a fresh copy when a stale index says done while an entry is still live; delivers once', async () => {
    await fx.cli('hold', 'main');
    const id = await fx.queue({ recipients: ['gil@example.com', 'hank@example.com'] });
    const { deps } = fx;
    const now = new Date();
    await deps.ledger.record(id, { recipient: 'gil@example.com', state: 'dead-lettered', attempts: 1, updatedAt: now });
    await deps.index.markDone(id, 'main', now, copyKeyOf(['gil@example.com', 'hank@example.com'])); // as the drain marks its copy
    await deps.deadLetters.put({ messageId: id, route: 'main', reason: 'bounced', detail: 'test', at: now, notification: fx.notification(id, 'main'), objectKey: `mail/main/${id}` });
    expect(await mailqIds()).not.toContain(id);

    const requeue = await fx.cli('requeue', id);
    expect(requeue.code).toBe(0);
    expect(requeue.io.text).toContain(`${id}: requeued on route main (2 recipients to deliver, 1 reset)`);
    expect(requeue.io.text).toContain('dead-letter queue: removed 1 copy of 1 message');
    expect(await queueDepth()).toBe(2);
    expect(await mailqIds()).toContain(id); // listed as queued again

    await fx.cli('release', 'main', '--flush');
    await fx.cli('flush', 'main');
    expect(fx.primary.messages.map((m) => m.to.sort())).toEqual([['gil@example.com', 'hank@example.com']]);
  });

  it('enqueues a new copy when the index says queued but the queue holds no entry; no DLQ copy is not an error', async () => {
    const id = await fx.queue({ recipients: ['ida@example.com'] });
    expect(await deleteQueueEntries(fx.engine.queue(mainRoute()), fx.deps.parse, id)).toBe(1);
    const { deps } = fx;
    const now = new Date();
    await deps.ledger.record(id, { recipient: 'ida@example.com', state: 'dead-lettered', attempts: 1, updatedAt: now });
    await deps.deadLetters.put({ messageId: id, route: 'main', reason: 'bounced', detail: 'test', at: now, notification: fx.notification(id, 'main') });
    // Someone emptied the DLQ by hand: the record is all that is left.
    const { SqsDeadLetterQueue } = await import('../../../lambdas/adapters/aws/sqs-dead-letter-queue.js');
    const dlq = new SqsDeadLetterQueue(fx.clients.sqs, fx.resources.deadLetterQueue.url, deps.parse);
    expect((await dlq.removeCopies([{ messageId: id, route: 'main' }])).removed).toEqual([1]);

    const requeue = await fx.cli('requeue', id);
    expect(requeue.code).toBe(0);
    expect(requeue.io.text).toContain(`${id}: requeued on route main (1 recipient to deliver, 1 reset); it may also still have a queue entry`);
    expect(requeue.io.text).toContain(`dead-letter queue: no copy of ${id} found (removed earlier, or being read by someone else): nothing to remove, not an error`);
    expect(requeue.io.stderr).toEqual([]);
    expect(await queueDepth()).toBe(1);

    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('ida@example.com')).toHaveLength(1);
  });

  it('delete removes only its route\'s DLQ copy; a redriven poison message stays, visible, and is reported as having no record', async () => {
    const url = fx.resources.deadLetterQueue.url;
    expect(await dlqMessages()).toEqual([]);
    // A poison message SQS redrove after 1000 receives: the bare queue body, no attributes, no record.
    await fx.clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'not a notification' }));
    const id = await fx.queue({ recipients: ['jo@example.com', 'kim@example.net'] });
    const { deps } = fx;
    for (const route of ['main', 'other']) {
      await deps.deadLetters.put({ messageId: id, route, reason: 'expired', detail: 'test', at: new Date(), notification: fx.notification(id, route) });
    }

    const status = await fx.cli('status');
    expect(status.io.text).toContain('dead-letter queue: ~3 messages for 2 dead-letter records');
    expect(status.io.text).toContain(
      `warning: 1 message on the dead-letter queue has no record: inspect them with the AWS console or \`aws sqs receive-message --queue-url ${url} --message-attribute-names All\``,
    );
    const json = await fx.cli('status', '--json');
    expect(Array.isArray(json.io.json())).toBe(true); // the per-route list, unchanged
    expect(json.io.stderr.join('\n')).toContain('warning: 1 message on the dead-letter queue has no record');
    const dead = await fx.cli('mailq', '--dead', '--route', 'main');
    expect(dead.io.text).toContain('-- 1 dead letter;');
    expect(dead.io.text).toContain('dead-letter queue: ~3 messages for 2 dead-letter records');

    const del = await fx.cli('delete', id, '--route', 'main', '--yes');
    expect(del.code).toBe(0);
    expect(del.io.text).toContain('dead-letter queue: removed 1 copy of 1 message');
    const left = await dlqMessages(); // the others were made visible again at once
    expect(left.map((m) => m.route ?? m.body).sort()).toEqual(['not a notification', 'other']);
    expect(await deps.deadLetters.find(id)).toEqual([expect.objectContaining({ route: 'other' })]);

    const dns = await TestDnsServer.start({});
    const doctor = await fx.cli('doctor', '--json', '--dns-server', dns.address).finally(() => dns.stop());
    const check = doctor.io.json<CheckResult[]>().find((r) => r.check === 'dead-letter queue');
    expect(check).toMatchObject({ status: 'warn', detail: '~2 messages for 1 dead-letter record: 1 message on the dead-letter queue has no record' });
    expect(check?.fix).toContain(`aws sqs receive-message --queue-url ${url}`);

    const rest = await fx.cli('delete', id, '--yes');
    expect(rest.code).toBe(0);
    expect(rest.io.text).toContain('dead-letter queue: removed 1 copy of 1 message');
    expect((await dlqMessages()).map((m) => m.body)).toEqual(['not a notification']);
  });
});
