// Objects SES stored whose notification never came: after an hour they become
// dead letters (the DLQ alarm fires); anything the index, the ledger or the
// dead letters know is left alone.
import { describe, expect, it } from 'vitest';
import {
  InMemoryDeadLetterStore,
  InMemoryLedger,
  InMemoryMessageIndex,
  InMemoryMessageStore,
  ManualClock,
  RecordingDeliveryLog,
  RecordingMetrics,
} from '../../../lambdas/adapters/fakes/index.js';
import { FindUnqueuedObjects, SES_SETUP_OBJECT } from '../../../lambdas/core/find-unqueued-objects.js';
import type { Route } from '../../../lambdas/core/model.js';

const route: Route = { name: 'corp', domains: ['example.com'], primary: { host: 'mx.example.com', port: 587, tls: 'required' }, queueUrl: 'q', bouncePolicy: 'dsn' };

function setup() {
  const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
  const deps = {
    store: new InMemoryMessageStore(),
    index: new InMemoryMessageIndex(),
    ledger: new InMemoryLedger(),
    deadLetters: new InMemoryDeadLetterStore(),
    log: new RecordingDeliveryLog(),
    metrics: new RecordingMetrics(),
    clock,
  };
  const ago = (minutes: number) => new Date(clock.now().getTime() - minutes * 60_000);
  return { ...deps, ago, find: new FindUnqueuedObjects(deps) };
}

describe('FindUnqueuedObjects', () => {
  it('dead-letters an object older than an hour that nothing knows, keeping the key and saying why', async () => {
    const h = setup();
    h.store.put('mail/corp/lost1', 'Subject: x\r\n\r\nbody', h.ago(300));
    const summary = await h.find.run(route);
    expect(summary).toEqual({ route: 'corp', examined: 1, deadLettered: 1 });
    const [record] = await h.deadLetters.find('lost1');
    expect(record).toMatchObject({ route: 'corp', reason: 'not-queued', objectKey: 'mail/corp/lost1', notification: '' });
    expect(record!.detail).toMatch(/notification never reached the queue/);
    expect(h.metrics.total('DeadLettered', 'corp')).toBe(1);
    // The bytes stay.
    expect(h.store.objects.has('mail/corp/lost1')).toBe(true);
    // A second run adds nothing.
    expect((await h.find.run(route)).deadLettered).toBe(0);
  });

  it('leaves alone what is younger than an hour, indexed, delivered, already dead, other routes\' and the SES setup object', async () => {
    const h = setup();
    h.store.put('mail/corp/fresh', 'x', h.ago(30));
    h.store.put('mail/corp/indexed', 'x', h.ago(120));
    await h.index.add({ messageId: 'indexed', route: 'corp', sender: '', recipients: ['a@example.com'], receivedAt: h.ago(120), state: 'queued' });
    h.store.put('mail/corp/delivered', 'x', h.ago(120));
    await h.ledger.record('delivered', { recipient: 'a@example.com', state: 'delivered', attempts: 1, updatedAt: h.ago(100) });
    h.store.put('mail/corp/dead', 'x', h.ago(120));
    await h.deadLetters.put({ messageId: 'dead', route: 'corp', reason: 'bounced', detail: '', at: h.ago(90), notification: '{}' });
    h.store.put('mail/other/lost', 'x', h.ago(120));
    h.store.put(`mail/corp/${SES_SETUP_OBJECT}`, 'x', h.ago(600));
    const summary = await h.find.run(route);
    expect(summary).toEqual({ route: 'corp', examined: 3, deadLettered: 0 });
  });

  it('objects past the look-back window were examined by earlier runs and are skipped', async () => {
    const h = setup();
    h.store.put('mail/corp/ancient', 'x', h.ago(8 * 24 * 60));
    expect(await h.find.run(route)).toEqual({ route: 'corp', examined: 0, deadLettered: 0 });
  });
});
