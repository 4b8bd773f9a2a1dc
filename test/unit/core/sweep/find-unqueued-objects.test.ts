// Objects SES stored whose notification never came: after five hours (SES retries the
// notification for about four) they become
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
} from '../../../../lambdas/adapters/fakes/index.js';
import { FindUnqueuedObjects, SES_SETUP_OBJECT } from '../../../../lambdas/core/sweep/find-unqueued-objects.js';
import type { Route } from '../../../../lambdas/core/model.js';

const prefixOf = (name: string) => `mail/${name}/`;
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
  return { ...deps, ago, find: new FindUnqueuedObjects(deps, { prefixOf }) };
}

describe('FindUnqueuedObjects', () => {
  it('dead-letters an object older than five hours that nothing knows, keeping the key and saying why', async () => {
    const h = setup();
    h.store.put('mail/corp/lost1', 'Subject: x\r\n\r\nbody', h.ago(400));
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

  it('leaves alone what is younger than five hours (SES may still be retrying its notification), indexed, delivered, already dead, other routes\' and the SES setup object', async () => {
    const h = setup();
    h.store.put('mail/corp/fresh', 'x', h.ago(240));
    h.store.put('mail/corp/indexed', 'x', h.ago(360));
    await h.index.add({ messageId: 'indexed', route: 'corp', sender: '', recipients: ['a@example.com'], receivedAt: h.ago(360), state: 'queued' });
    h.store.put('mail/corp/delivered', 'x', h.ago(360));
    await h.ledger.record('delivered', { recipient: 'a@example.com', state: 'delivered', attempts: 1, updatedAt: h.ago(340) });
    h.store.put('mail/corp/dead', 'x', h.ago(360));
    await h.deadLetters.put({ messageId: 'dead', route: 'corp', reason: 'bounced', detail: '', at: h.ago(330), notification: '{}' });
    h.store.put('mail/other/lost', 'x', h.ago(360));
    h.store.put(`mail/corp/${SES_SETUP_OBJECT}`, 'x', h.ago(900));
    const summary = await h.find.run(route);
    expect(summary).toEqual({ route: 'corp', examined: 3, deadLettered: 0 });
  });

  it('looks at many objects at once, and stops at its time budget saying so', async () => {
    const h = setup();
    for (let i = 0; i < 50; i++) h.store.put(`mail/corp/m${String(i).padStart(2, '0')}`, 'x', h.ago(360));
    let inFlight = 0;
    let most = 0;
    const find = h.index.find.bind(h.index);
    h.index.find = async (id: string) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 1;
      return find(id);
    };
    const all = await new FindUnqueuedObjects(h, { prefixOf, concurrency: 8 }).run(route);
    expect(all).toEqual({ route: 'corp', examined: 50, deadLettered: 50 });
    expect(most).toBe(8);

    const h2 = setup();
    for (let i = 0; i < 5; i++) h2.store.put(`mail/corp/n${i}`, 'x', h2.ago(360));
    const slow = h2.index.find.bind(h2.index);
    h2.index.find = async (id: string) => {
      h2.clock.advance(30);
      return slow(id);
    };
    const cut = await new FindUnqueuedObjects(h2, { prefixOf, concurrency: 1, budgetSeconds: 60 }).run(route);
    expect(cut).toMatchObject({ examined: 2, truncated: true });
  });

  it('objects past the look-back window were examined by earlier runs and are skipped', async () => {
    const h = setup();
    h.store.put('mail/corp/ancient', 'x', h.ago(25 * 60));
    expect(await h.find.run(route)).toEqual({ route: 'corp', examined: 0, deadLettered: 0 });
  });
});
