// Replay and export use cases on fakes: what is picked, what is skipped and
// why, and what the replay's queue entry carries.
import { describe, expect, it } from 'vitest';
import { InMemoryEnvelopeArchive } from '../../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { ExportMessages } from '../../../../lambdas/core/operator/export-messages.js';
import { isReplayId, originalMessageId, ReplayMessages } from '../../../../lambdas/core/operator/replay-messages.js';
import { sesNotification } from '../../../support/aws/ses-events.js';
import { harness } from '../../../support/world/engine-harness.js';
import { RecordingMailbox } from '../../../support/world/recording-mailbox.js';

function setup() {
  const h = harness();
  const archive = new InMemoryEnvelopeArchive();
  const replay = new ReplayMessages({ archive, store: h.store, ledger: h.ledger, index: h.index, queues: () => h.queue, parse: parseSesNotification, clock: h.clock, log: h.log });
  /** A message that arrived `minutesAgo` and is stored and archived (not queued). */
  const archived = async (messageId: string, minutesAgo: number, recipients = ['bob@example.com'], sender = 'alice@sender.example') => {
    const at = new Date(h.clock.now().getTime() - minutesAgo * 60_000);
    const body = sesNotification({ messageId, recipients, sender, timestamp: at });
    h.store.put(`inbound/main/${messageId}`, `Subject: ${messageId}\r\n\r\nbody\r\n`);
    await archive.keep({ messageId, route: 'main', receivedAt: at, notification: body }, new Date(at.getTime() + 86_400_000));
    return body;
  };
  const delivered = async (messageId: string, recipient: string) =>
    h.ledger.record(messageId, { recipient, state: 'delivered', attempts: 1, updatedAt: h.clock.now(), reply: { code: 250, text: 'ok' } });
  return { h, archive, replay, archived, delivered };
}

describe('ReplayMessages', () => {
  it('plans the window, skipping what is still queued (no duplicate) and what the bucket no longer has', async () => {
    const { h, replay, archived, delivered } = setup();
    await archived('old', 120);
    await archived('done', 30, ['bob@example.com', 'carol@example.com']);
    await delivered('done', 'bob@example.com');
    await delivered('done', 'carol@example.com');
    await archived('pending', 20); // no outcome yet: its own entry will deliver it
    await archived('partly', 15, ['bob@example.com', 'carol@example.com']);
    await delivered('partly', 'bob@example.com'); // carol still pending
    await archived('gone', 10);
    await delivered('gone', 'bob@example.com');
    await h.store.remove('inbound/main/gone');

    const plan = await replay.plan(h.route, { since: new Date(h.clock.now().getTime() - 60 * 60_000), until: h.clock.now() });
    expect(plan.items.map((i) => [i.messageId, i.recipients])).toEqual([
      ['done', ['bob@example.com', 'carol@example.com']],
      ['partly', ['bob@example.com']],
    ]);
    expect(plan.skipped.map((s) => s.messageId).sort()).toEqual(['gone', 'pending']);
    expect(plan.skipped.find((s) => s.messageId === 'gone')?.why).toMatch(/raw message gone from the bucket/);
    expect(plan.skipped.find((s) => s.messageId === 'pending')?.why).toMatch(/still queued/);

    const only = await replay.plan(h.route, { since: new Date(0), until: h.clock.now(), recipient: 'CAROL@example.com' });
    expect(only.items.map((i) => [i.messageId, i.recipients])).toEqual([['done', ['carol@example.com']]]);
  });

  it('queues each item under <id>.replay-<generation> with the original envelope and object, lifetime from now', async () => {
    const { h, replay, archived, delivered } = setup();
    const original = await archived('m1', 90, ['bob@example.com'], '');
    await delivered('m1', 'bob@example.com');
    const plan = await replay.plan(h.route, { since: new Date(0), until: h.clock.now() });
    const [id] = await replay.run(h.route, plan);
    expect(id).toBe(`m1.replay-${plan.generation}`);
    expect(isReplayId(id!)).toBe(true);
    expect(originalMessageId(id!)).toBe('m1');
    const [entry] = h.queue.all();
    const queued = parseSesNotification(entry!.body);
    const first = parseSesNotification(original);
    expect(queued).toMatchObject({ messageId: id, sender: '', recipients: ['bob@example.com'], objectKey: first.objectKey, verdicts: first.verdicts });
    expect(queued.receivedAt).toEqual(h.clock.now());
    expect(JSON.parse(entry!.body).backupMxReplay).toEqual({ messageId: 'm1', timestamp: first.receivedAt.toISOString(), generation: plan.generation });
    expect(await h.index.get(id!, 'main')).toMatchObject({ state: 'queued', sender: '' });

    // The drain delivers it: the first delivery's ledger does not skip it.
    const summary = await h.runDrain();
    expect(summary.delivered).toBe(1);
    expect(h.transports.transactions[0]).toMatchObject({ envelope: { from: '', to: ['bob@example.com'] } });
    h.clock.advance(1);
    expect((await replay.plan(h.route, { since: new Date(0), until: h.clock.now() })).generation).not.toBe(plan.generation);
  });
});

describe('ExportMessages', () => {
  it('queued: the index\'s queued messages (an unarchived one by its object key), never a replay copy; all: delivered ones too', async () => {
    const { h, archive, archived } = setup();
    await archived('delivered', 50);
    const queuedBody = await archived('waiting', 40);
    await h.index.add({ ...summaryOf(queuedBody), route: 'main', state: 'queued' });
    h.store.put('inbound/main/legacy', 'Subject: legacy\r\n\r\nx\r\n');
    await h.index.add({ messageId: 'legacy', route: 'main', sender: 'x@y.example', recipients: ['bob@example.com'], receivedAt: new Date(h.clock.now().getTime() - 45 * 60_000), state: 'queued' });
    await h.index.add({ messageId: 'waiting.replay-abc', route: 'main', sender: 'x@y.example', recipients: ['bob@example.com'], receivedAt: h.clock.now(), state: 'queued' });
    const exporter = new ExportMessages({ archive, index: h.index, store: h.store, parse: parseSesNotification, clock: h.clock, objectKeyFor: (r, id) => `inbound/${r}/${id}` });

    const queued = await exporter.select(h.route, { state: 'queued', retentionSeconds: 86_400 });
    expect(queued.map((i) => i.messageId)).toEqual(['legacy', 'waiting']);
    const all = await exporter.select(h.route, { state: 'all', retentionSeconds: 86_400 });
    expect(all.map((i) => [i.messageId, i.state])).toEqual([['delivered', 'done'], ['legacy', 'queued'], ['waiting', 'queued']]);

    h.store.put('inbound/main/ghost', 'x');
    const box = new RecordingMailbox();
    const result = await exporter.run([...all, { messageId: 'ghost2', sender: '', receivedAt: h.clock.now(), objectKey: 'inbound/main/ghost2', state: 'queued' }], box);
    expect(result).toMatchObject({ written: 3, missing: ['ghost2'] });
    expect(box.added.map((a) => a.bytes)).toEqual(['Subject: delivered\r\n\r\nbody\r\n', 'Subject: legacy\r\n\r\nx\r\n', 'Subject: waiting\r\n\r\nbody\r\n']);
    expect(box.closed).toBe(true);
  });
});

function summaryOf(body: string) {
  const m = parseSesNotification(body);
  return { messageId: m.messageId, sender: m.sender, recipients: m.recipients, receivedAt: m.receivedAt };
}
