// A retained queue's mail (after a route rename or a redeploy) moves into the
// route's current queue: enqueued there before it is deleted, index moved.
import { describe, expect, it } from 'vitest';
import { InMemoryMailQueue, InMemoryMessageIndex, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { AdoptQueue } from '../../../lambdas/core/adopt-queue.js';
import { sesNotification } from '../../support/ses-events.js';

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
