// A retained queue's mail (after a route rename or a redeploy) moves into the
// route's current queue: enqueued there before it is deleted, index moved.
import { describe, expect, it } from 'vitest';
import { InMemoryMailQueue, InMemoryMessageIndex, InMemoryQueueDirectory, ManualClock, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { AdoptQueue, adoptRefusal } from '../../../../lambdas/core/operator/adopt-queue.js';
import { STACK_TAG } from '../../../../lambdas/core/sweep/queue-owner.js';
import { sesNotification } from '../../../support/aws/ses-events.js';

function setup() {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const from = new InMemoryMailQueue(clock);
  const to = new InMemoryMailQueue(clock);
  const index = new InMemoryMessageIndex();
  const adopt = new AdoptQueue({ index, parse: parseSesNotification, log: new RecordingDeliveryLog() });
  return { clock, from, to, index, adopt };
}

describe('AdoptQueue', () => {
  it('moves every message (more than one batch) and moves its index summary to the new route', async () => {
    const { from, to, index, adopt } = setup();
    const bodies = Array.from({ length: 23 }, (_, i) => sesNotification({ messageId: `old${i}` }));
    for (const body of bodies) await from.enqueue(body);
    await index.add({ messageId: 'old0', route: 'legacy', sender: 'a@x.example', recipients: ['b@example.com'], receivedAt: new Date(), state: 'queued' });
    const progress: number[] = [];
    const summary = await adopt.run(from, to, 'corp', (s) => progress.push(s.moved));
    expect(summary).toEqual({ moved: 23, unreadable: 0, reindexed: 1 });
    expect(progress).toEqual([10, 20, 23]);
    expect(from.all()).toEqual([]);
    expect(to.all().map((e) => e.body).sort()).toEqual([...bodies].sort());
    expect((await index.find('old0')).map((s) => s.route)).toEqual(['corp']);
  });

  it('a body that is no notification is moved anyway (the drain dead-letters it with a record)', async () => {
    const { from, to, adopt } = setup();
    await from.enqueue('not json');
    expect(await adopt.run(from, to, 'corp')).toEqual({ moved: 1, unreadable: 1, reindexed: 0 });
    expect(to.all().map((e) => e.body)).toEqual(['not json']);
  });

  it('never deletes before the copy is on the new queue: a failed enqueue leaves the old one in place', async () => {
    const { from, to, adopt } = setup();
    await from.enqueue(sesNotification({ messageId: 'keep' }));
    to.failNext.enqueue = new Error('ThrottlingException');
    await expect(adopt.run(from, to, 'corp')).rejects.toThrow();
    expect(from.all()).toHaveLength(1);
    expect(to.all()).toHaveLength(0);
  });
});

describe('adoptRefusal: only an old queue of this stack', () => {
  const queues = new InMemoryQueueDirectory();
  const current = queues.add('BackupMx-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p', 0, { [STACK_TAG]: 'BackupMx' });
  const other = queues.add('BackupMx-RoutesQueuetwo5F2A9C1B-Ab12Cd34Ef56', 3, { [STACK_TAG]: 'BackupMx' });
  const dlq = queues.add('BackupMx-RoutesDeadLetterE4935FBD-Ab12Cd34Ef56', 1, { [STACK_TAG]: 'BackupMx' });
  const retained = queues.add('BackupMx-RoutesQueueoldname5F2A9C1B-Qw3Er4Ty5Ui6', 2, { [STACK_TAG]: 'BackupMx' });
  const euRetained = queues.add('BackupMx-eu-RoutesQueueoldname5F2A9C1B-Qw3Er4Ty5Ui6', 2, { [STACK_TAG]: 'BackupMx-eu' });
  const untagged = queues.add('BackupMx-RoutesQueuelegacyAAAA1111-Legacy000000', 2);
  const guard = (stackName?: string) => ({
    route: 'corp',
    inUse: [{ url: current, route: 'corp' }, { url: other, route: 'two' }, { url: dlq }],
    ...(stackName ? { stackName } : {}),
  });

  it('lets a retained queue tagged as this stack\'s be adopted', async () => {
    expect(await adoptRefusal(queues, retained, guard('BackupMx'))).toBeUndefined();
  });

  it('refuses a queue of stack "BackupMx-eu", whose name starts like ours, naming its stack', async () => {
    expect(await adoptRefusal(queues, euRetained, guard('BackupMx'))).toMatch(/belongs to stack BackupMx-eu \(tag backup-mx:stack=BackupMx-eu\), not to BackupMx: adopt it there with `--stack BackupMx-eu`/);
    // And the other way round: BackupMx-eu may not take ours.
    expect(await adoptRefusal(queues, retained, guard('BackupMx-eu'))).toMatch(/belongs to stack BackupMx \(tag backup-mx:stack=BackupMx\), not to BackupMx-eu/);
  });

  it('refuses an untagged queue with the command that claims it', async () => {
    expect(await adoptRefusal(queues, untagged, guard('BackupMx'))).toContain(`aws sqs tag-queue --queue-url ${untagged} --tags backup-mx:stack=BackupMx`);
  });

  it('refuses the queues in use: the route\'s own, another route\'s (its mail would go to the wrong primary), the dead-letter queue', async () => {
    expect(await adoptRefusal(queues, current, guard('BackupMx'))).toMatch(/already the queue of route corp/);
    expect(await adoptRefusal(queues, `https://queue.amazonaws.com/123456789012/${other.split('/').pop()}`, guard('BackupMx'))).toMatch(/queue of route two, in use: .*primary of route corp/);
    expect(await adoptRefusal(queues, dlq, guard('BackupMx'))).toMatch(/dead-letter queue/);
  });

  it('says so when there is no such queue', async () => {
    expect(await adoptRefusal(queues, 'https://sqs.us-east-1.amazonaws.com/123456789012/BackupMx-Nope', guard('BackupMx'))).toMatch(/no queue at/);
  });

  it('without a stack name (the local runner\'s own emulator) only the in-use check applies', async () => {
    expect(await adoptRefusal(queues, untagged, guard())).toBeUndefined();
    expect(await adoptRefusal(queues, other, guard())).toMatch(/in use/);
  });
});

