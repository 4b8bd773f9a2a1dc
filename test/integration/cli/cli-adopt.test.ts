// `backup-mx adopt`: a queue kept after a route rename or a redeploy gives its
// mail to a route's current queue, and the route delivers it (real SQS
// emulator, real primary on loopback).
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, TagQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesNotification, sesMessageId } from '../../support/aws/ses-events.js';
import { STACK_TAG } from '../../../lambdas/core/sweep/queue-owner.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('backup-mx adopt', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('moves every notification of the old queue into the route, which then delivers them', async () => {
    const { QueueUrl: oldQueue } = await fx.clients.sqs.send(new CreateQueueCommand({ QueueName: `retained-${Date.now()}` }));
    // What a renamed route's old queue holds: the mail's notification (its object is in the bucket).
    const id = await fx.queue({ recipients: ['bob@example.com'] });
    const body = fx.notification(id, 'main');
    // Take it off the route's queue as the rename would have left it: only on the old queue.
    const main = fx.engine.queue(fx.engine.route('main'));
    for (const qm of await main.receive(10, 1)) await main.delete(qm.handle);
    await fx.clients.sqs.send(new SendMessageCommand({ QueueUrl: oldQueue, MessageBody: body }));
    await fx.clients.sqs.send(new SendMessageCommand({ QueueUrl: oldQueue, MessageBody: sesNotification({ messageId: sesMessageId(), objectKeyPrefix: 'mail/gone/' }) }));

    const { code, io } = await fx.cli('adopt', oldQueue!, '--route', 'main');
    expect(code).toBe(0);
    expect(io.text).toContain(`moved 2 messages from ${oldQueue} to route main`);
    expect(io.text).toContain('they are delivered at the next probe, within 60 s; `backup-mx flush main` starts now');
    const left = await fx.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: oldQueue, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(Number(left.Attributes!.ApproximateNumberOfMessages) + Number(left.Attributes!.ApproximateNumberOfMessagesNotVisible)).toBe(0);

    const flush = await fx.cli('flush', 'main');
    expect(flush.code).toBe(0);
    expect(fx.primary.messages.some((m) => m.to.includes('bob@example.com'))).toBe(true);
  });

  it('requeue of a "not-queued" dead letter says why it cannot, and what to do instead', async () => {
    await fx.deps.deadLetters.put({
      messageId: 'neverannounced00000000000001',
      route: 'main',
      reason: 'not-queued',
      detail: 'stored by SES but its notification never reached the queue',
      at: new Date(),
      notification: '',
      objectKey: 'mail/main/neverannounced00000000000001',
    });
    const { code, io } = await fx.cli('requeue', 'neverannounced00000000000001');
    expect(code).not.toBe(0);
    expect(io.stderr.join('\n')).toMatch(/envelope is unknown.*backup-mx show neverannounced00000000000001.*backup-mx delete/);
  });

  it('refuses the route\'s own queue, another route\'s, and something that is no URL', async () => {
    const own = fx.engine.route('main').queueUrl;
    expect((await fx.cli('adopt', own, '--route', 'main')).io.stderr.join('\n')).toMatch(/already the queue of route main/);
    const other = await fx.cli('adopt', fx.engine.route('other').queueUrl, '--route', 'main');
    expect(other.code).not.toBe(0);
    expect(other.io.stderr.join('\n')).toMatch(/queue of route other, in use/);
    expect((await fx.cli('adopt', 'my-queue', '--route', 'main')).code).not.toBe(0);
  });
});

describe('backup-mx adopt with a stack name: only queues tagged as that stack\'s', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture({ stackName: 'BackupMx' });
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const oldQueue = async (name: string, tags?: Record<string, string>) => {
    const { QueueUrl } = await fx.clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}`, ...(tags ? { tags } : {}) }));
    await fx.clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: sesNotification({ messageId: sesMessageId(), objectKeyPrefix: 'mail/gone/' }) }));
    return QueueUrl!;
  };
  const depth = async (url: string) => {
    const { Attributes = {} } = await fx.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  };

  it('refuses the retained queue of stack BackupMx-eu and leaves its mail where it is', async () => {
    const theirs = await oldQueue('BackupMx-eu-RoutesQueueold', { [STACK_TAG]: 'BackupMx-eu' });
    const { code, io } = await fx.cli('adopt', theirs, '--route', 'main');
    expect(code).not.toBe(0);
    expect(io.stderr.join('\n')).toContain('belongs to stack BackupMx-eu');
    expect(await depth(theirs)).toBe(1);
  });

  it('refuses an untagged queue, saying how to tag it; once tagged, adopts it', async () => {
    const legacy = await oldQueue('BackupMx-RoutesQueuelegacy');
    const refused = await fx.cli('adopt', legacy, '--route', 'main');
    expect(refused.code).not.toBe(0);
    expect(refused.io.stderr.join('\n')).toContain(`aws sqs tag-queue --queue-url ${legacy} --tags backup-mx:stack=BackupMx`);
    expect(await depth(legacy)).toBe(1);
    await fx.clients.sqs.send(new TagQueueCommand({ QueueUrl: legacy, Tags: { [STACK_TAG]: 'BackupMx' } }));
    const adopted = await fx.cli('adopt', legacy, '--route', 'main');
    expect(adopted.code).toBe(0);
    expect(adopted.io.text).toContain(`moved 1 message from ${legacy} to route main`);
    expect(await depth(legacy)).toBe(0);
  });
});
