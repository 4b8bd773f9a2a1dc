// The shrink guard (sync-shrink.ts): a first list with no seed needs force; a
// push is compared with the list it replaces (or the seed while nothing is
// stored) and with the route's 7-day high-water mark, so small shrinks cannot
// add up; a forced push sets the mark to its own count.
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { RecipientPushRefused } from '../../../../lambdas/core/recipients/push-refused.js';
import { SyncRecipients } from '../../../../lambdas/core/recipients/sync-recipients.js';
import { PEAK_WINDOW_DAYS } from '../../../../lambdas/core/recipients/sync-shrink.js';
import type { SyncedRoute } from '../../../../lambdas/core/recipients/synced-route.js';

const addresses = (n: number) => Array.from({ length: n }, (_, i) => `user${String(i).padStart(5, '0')}@example.com`);
const DAY = 24 * 3600;

function setup(route: Partial<SyncedRoute> = {}) {
  const store = new InMemoryRecipientListStore();
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const synced: SyncedRoute = { name: 'corp', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 5_000, ...route };
  const sync = new SyncRecipients({ routes: [synced], store, rules: new InMemoryRecipientRules(), clock, log: new RecordingDeliveryLog() });
  return { store, clock, sync };
}

async function refusal(promise: Promise<unknown>): Promise<RecipientPushRefused> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RecipientPushRefused);
  return error as RecipientPushRefused;
}

describe('the first list of a route with no seed', () => {
  it('is refused without force, saying why and how (by hand or ?force=1), by push and by the dry run; forced it is taken', async () => {
    const { sync, store } = setup();
    for (const attempt of [sync.push('corp', addresses(1), { source: 'push' }), sync.preview('corp', addresses(1))]) {
      const error = await refusal(attempt);
      expect(error.reason).toBe('first-push');
      expect(error.message).toContain('every address of the route\'s domains');
      expect(error.message).toContain('backup-mx recipients push corp --file <list> --force');
      expect(error.message).toContain('?force=1');
    }
    expect(await store.read('corp')).toBeUndefined();
    await expect(sync.push('corp', addresses(1), { source: 'push', force: true })).resolves.toMatchObject({ version: 1, total: 1 });
    // Later pushes need no force.
    await expect(sync.push('corp', addresses(2), { source: 'push' })).resolves.toMatchObject({ version: 2 });
  });
});

describe('with a seed', () => {
  it('while nothing is stored, a push is compared with the seed: keeping it is taken, dropping most of it is not', async () => {
    const seed = addresses(20);
    const { sync } = setup({ seed });
    const error = await refusal(sync.push('corp', ['other@example.com'], { source: 'push' }));
    expect(error.reason).toBe('shrink');
    expect(error.message).toContain('removes 20 of the 20 addresses of the seed');
    await expect(sync.push('corp', [...seed, 'new@example.com'], { source: 'push' })).resolves.toMatchObject({ version: 1, total: 21 });
  });

  it('stored by the deploy (source seed), it is compared with as any stored list', async () => {
    const { sync } = setup({ seed: addresses(20) });
    await sync.redeploy('corp');
    expect((await refusal(sync.push('corp', addresses(17), { source: 'push' }))).message).toContain('stored list (version 1)');
    await expect(sync.push('corp', addresses(18), { source: 'push' })).resolves.toMatchObject({ version: 2, removed: 2 });
  });
});

describe('the 7-day high-water mark', () => {
  it('small shrinks do not add up: 9 % then 9 % of the rest is refused against the largest list of the week', async () => {
    const { sync, store, clock } = setup();
    await sync.push('corp', addresses(1_000), { source: 'push', force: true });
    clock.advance(DAY);
    await expect(sync.push('corp', addresses(910), { source: 'push' })).resolves.toMatchObject({ removed: 90 });
    expect(await store.read('corp')).toMatchObject({ peakCount: 1_000, peakAt: new Date('2026-12-01T10:00:00Z') });
    clock.advance(DAY);
    const error = await refusal(sync.push('corp', addresses(829), { source: 'push' }));
    expect(error.reason).toBe('shrink');
    expect(error.message).toMatch(/leaves 829 addresses, 17\.1% fewer than the 1000 the route had on 2026-12-01T10:00:00\.000Z \(the largest list of the last 7 days\)/);
    // Exactly the share below the mark is taken.
    await expect(sync.push('corp', addresses(900), { source: 'push' })).resolves.toMatchObject({ total: 900 });
  });

  it(`expires after ${PEAK_WINDOW_DAYS} days: then the list in force is the mark`, async () => {
    const { sync, store, clock } = setup();
    await sync.push('corp', addresses(1_000), { source: 'push', force: true });
    clock.advance(DAY);
    await sync.push('corp', addresses(910), { source: 'push' });
    clock.advance(PEAK_WINDOW_DAYS * DAY);
    await expect(sync.push('corp', addresses(829), { source: 'push' })).resolves.toMatchObject({ removed: 81 });
    expect(await store.read('corp')).toMatchObject({ peakCount: 910, peakAt: clock.now() });
  });

  it('grows with the list, and a forced push sets it to its own count (no refusals of the lists after it)', async () => {
    const { sync, store, clock } = setup();
    await sync.push('corp', addresses(100), { source: 'push', force: true });
    clock.advance(60);
    await sync.push('corp', addresses(200), { source: 'push' });
    expect(await store.read('corp')).toMatchObject({ peakCount: 200, peakAt: clock.now() });
    clock.advance(60);
    expect((await refusal(sync.push('corp', addresses(150), { source: 'push' }))).reason).toBe('shrink');
    await sync.push('corp', addresses(150), { source: 'push', force: true });
    expect(await store.read('corp')).toMatchObject({ peakCount: 150, peakAt: clock.now() });
    clock.advance(60);
    await expect(sync.push('corp', addresses(140), { source: 'push' })).resolves.toMatchObject({ total: 140 });
  });
});

describe('a stored list whose body cannot be read (missing, or not its SHA-256)', () => {
  /** What the store reads when version 1's body is gone: no addresses, the pointer's count (absent: not known). */
  async function unreadable(count: number | undefined) {
    const env = setup();
    await env.sync.push('corp', addresses(450), { source: 'push', force: true });
    const stored = (await env.store.read('corp'))!;
    // A list stored by the seed or before the high-water mark: no peak to fall back on.
    const { peakCount: _count, peakAt: _at, ...unpeaked } = stored;
    env.store.lists.set('corp', { ...unpeaked, addresses: [], unreadable: { key: 'recipient-lists/corp/v1-ab.txt', reason: 'missing from the bucket', ...(count !== undefined ? { count } : {}) } });
    return env;
  }

  it('does not switch the guard off: a one-address push against an unreadable 450-address list is refused without force', async () => {
    const { sync, store } = await unreadable(450);
    for (const attempt of [sync.push('corp', addresses(1), { source: 'push' }), sync.preview('corp', addresses(1))]) {
      const error = await refusal(attempt);
      expect(error.reason).toBe('shrink');
      expect(error.message).toContain('removes 449 of the 450 addresses of the stored list (version 1, 450 addresses by its pointer; its body cannot be read)');
    }
    expect((await store.read('corp'))!.version).toBe(1);
    // The primary's next full push repairs it without force.
    await expect(sync.push('corp', addresses(450), { source: 'push' })).resolves.toMatchObject({ version: 2, total: 450 });
  });

  it('with no count known, every push needs force', async () => {
    const { sync } = await unreadable(undefined);
    const error = await refusal(sync.push('corp', addresses(450), { source: 'push' }));
    expect(error.reason).toBe('shrink');
    expect(error.message).toContain('its size is not known');
    await expect(sync.push('corp', addresses(1), { source: 'push', force: true })).resolves.toMatchObject({ version: 2, total: 1 });
  });
});
