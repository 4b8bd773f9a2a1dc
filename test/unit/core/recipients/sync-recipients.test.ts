// Pushes of a route's recipient list: the guards (empty, outside the domains,
// over the budget, shrink), the counts logged, the rules split as SES holds
// them, concurrent pushes, and the deploy's pass that keeps a pushed list.
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { RecipientPushRefused } from '../../../../lambdas/core/recipients/push-refused.js';
import { normaliseRecipients } from '../../../../lambdas/core/recipients/recipient-list.js';
import { RecipientRulesPending, SyncRecipients, type PushResult } from '../../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../../lambdas/core/recipients/synced-route.js';

const addresses = (n: number, domain = 'example.com', stem = 'user') => Array.from({ length: n }, (_, i) => `${stem}${i}@${domain}`);

function setup(route: Partial<SyncedRoute> = {}) {
  const store = new InMemoryRecipientListStore();
  const rules = new InMemoryRecipientRules();
  const log = new RecordingDeliveryLog();
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const synced: SyncedRoute = { name: 'corp', domains: ['example.com', 'example.org'], maxShrinkPercent: 10, maxAddresses: 1_000, ...route };
  const sync = new SyncRecipients({ routes: [synced], store, rules, clock, log });
  return { store, rules, log, clock, sync };
}

async function refusal(promise: Promise<unknown>): Promise<RecipientPushRefused> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RecipientPushRefused);
  return error as RecipientPushRefused;
}

describe('normaliseRecipients', () => {
  it('trims, lower-cases the domain only, drops duplicates (case-insensitively, as SES matches) and sorts', () => {
    const parsed = normaliseRecipients(['  Bob@Example.COM ', 'bob@example.com', '# comment', '', 'alice@example.com', 'not an address']);
    expect(parsed.addresses).toEqual(['Bob@example.com', 'alice@example.com']);
    expect(parsed.invalid).toEqual(['not an address']);
  });

  it('takes only plain addresses: no domain alone, catch-all, quoted local part or local part past 64 octets', () => {
    const long = `${'a'.repeat(65)}@example.com`;
    const parsed = normaliseRecipients(['example.com', '@example.com', '"a b"@example.com', long, `${'a'.repeat(64)}@example.com`]);
    expect(parsed.invalid).toEqual(['example.com', '@example.com', '"a b"@example.com', long]);
    expect(parsed.addresses).toHaveLength(1);
  });
});

describe('SyncRecipients.push guards', () => {
  it('refuses an empty list, even forced, and says how to stop syncing instead', async () => {
    const { sync, store } = setup();
    await sync.push('corp', addresses(5), { source: 'push', force: true });
    for (const force of [false, true]) {
      const error = await refusal(sync.push('corp', ['', '# nothing', '   '], { source: 'push', force }));
      expect(error.reason).toBe('empty');
      expect(error.message).toContain('remove its recipientSync');
    }
    expect((await store.read('corp'))?.addresses).toHaveLength(5);
  });

  it('refuses an address outside the route\'s domains, naming it, and stores nothing', async () => {
    const { sync, store } = setup();
    const error = await refusal(sync.push('corp', ['a@example.com', 'mallory@evil.example', 'b@sub.example.com'], { source: 'push' }));
    expect(error.reason).toBe('outside-domains');
    expect(error.message).toContain('"mallory@evil.example"');
    expect(error.message).toContain('"b@sub.example.com"');
    expect(await store.read('corp')).toBeUndefined();
  });

  it('refuses lines that are not addresses', async () => {
    const { sync } = setup();
    expect((await refusal(sync.push('corp', ['a@example.com', 'a@b@'], { source: 'push' }))).reason).toBe('invalid-address');
  });

  it('refuses more addresses than maxAddresses, naming the field', async () => {
    const { sync } = setup({ maxAddresses: 450 });
    await expect(sync.push('corp', addresses(450), { source: 'push', force: true })).resolves.toMatchObject({ total: 450 });
    const error = await refusal(sync.push('corp', addresses(451), { source: 'push' }));
    expect(error.reason).toBe('over-budget');
    expect(error.message).toContain('recipientSync.maxAddresses = 450');
  });

  it('20,000 addresses (200 rules, the whole set) are refused at push, naming the budget, even by the largest budget synth allows beside the template rule', async () => {
    const { sync, rules } = setup({ domains: ['example.com'], maxAddresses: 19_900 });
    const error = await refusal(sync.push('corp', addresses(20_000), { source: 'push' }));
    expect(error.reason).toBe('over-budget');
    expect(error.message).toContain('20000 addresses, but the route\'s budget is recipientSync.maxAddresses = 19900');
    await expect(sync.push('corp', addresses(19_900), { source: 'push', force: true })).resolves.toMatchObject({ total: 19_900 });
    expect(rules.rules.get('corp')).toHaveLength(199);
  });

  it('refuses a push removing more than maxShrinkPercent unless forced; exactly the share is taken', async () => {
    const { sync, store } = setup();
    await sync.push('corp', addresses(100), { source: 'push', force: true });
    await expect(sync.push('corp', addresses(90), { source: 'push' })).resolves.toMatchObject({ removed: 10, total: 90 });
    const error = await refusal(sync.push('corp', addresses(80), { source: 'push' }));
    expect(error.reason).toBe('shrink');
    expect(error.message).toMatch(/removes 10 of the 90 addresses of the stored list \(version 2\) \(11\.1%\), more than recipientSync\.maxShrinkPercent = 10%/);
    expect((await store.read('corp'))?.addresses).toHaveLength(90);
    await expect(sync.push('corp', addresses(1), { source: 'push', force: true })).resolves.toMatchObject({ removed: 89, total: 1 });
    expect(await sync.status('corp')).toMatchObject({ count: 1, forced: true });
  });

  it('refuses a route that does not sync', async () => {
    const { sync } = setup();
    expect((await refusal(sync.push('other', addresses(1), { source: 'push' }))).reason).toBe('unknown-route');
  });
});

describe('SyncRecipients.push', () => {
  it('stores 450 addresses, writes them as 5 rules of at most 100, logs the counts, and status shows them', async () => {
    const { sync, rules, log, clock } = setup();
    const result = await sync.push('corp', addresses(450), { source: 'push', force: true });
    expect(result).toMatchObject({ version: 1, added: 450, removed: 0, total: 450, unchanged: false });
    const written = rules.rules.get('corp')!;
    // 450 addresses of example.com, and example.org (none listed) stays a whole-domain entry.
    expect(written.map((r) => r.length)).toEqual([100, 100, 100, 100, 51]);
    expect(written.flat()).toContain('example.org');
    expect(written.flat()).not.toContain('example.com');
    expect(log.lines.find((l) => l.message === 'recipient list stored')?.fields).toMatchObject({ route: 'corp', version: 1, added: 450, removed: 0, total: 450 });
    const next = await sync.push('corp', [...addresses(445), 'new@example.com'], { source: 'push' });
    expect(next).toMatchObject({ version: 2, added: 1, removed: 5, total: 446 });
    expect(await sync.status('corp')).toEqual({ route: 'corp', count: 446, version: 2, updatedAt: clock.now(), source: 'push', forced: false, appliedVersion: 2 });
  });

  it('an unchanged list stores nothing new and writes no rules', async () => {
    const { sync, rules, store } = setup();
    await sync.push('corp', addresses(3), { source: 'push', force: true });
    const again: PushResult = await sync.push('corp', [...addresses(3)].reverse().map((a) => a.toUpperCase().replace('@EXAMPLE.COM', '@example.com')), { source: 'push' });
    expect(again).toMatchObject({ unchanged: true, version: 1 });
    expect(again.rules).toBeUndefined();
    expect(rules.applied).toBe(1);
    expect(store.writes).toBe(1);
  });

  it('keeps the list when the rules cannot be written, and the next push writes them', async () => {
    const { sync, rules, store } = setup();
    rules.fail = new Error('Throttling');
    await expect(sync.push('corp', addresses(3), { source: 'push', force: true })).rejects.toBeInstanceOf(RecipientRulesPending);
    expect(await sync.status('corp')).toMatchObject({ version: 1, appliedVersion: 0 });
    rules.fail = undefined;
    await expect(sync.push('corp', addresses(3), { source: 'push' })).resolves.toMatchObject({ unchanged: true, rules: { rules: 1 } });
    expect((await store.read('corp'))?.appliedVersion).toBe(1);
  });
});

describe('concurrent pushes', () => {
  it('the loser of the race is checked again on the winner\'s list and stored after it; SES ends with the newest', async () => {
    const { sync, store, rules } = setup();
    await sync.push('corp', addresses(100), { source: 'push', force: true });
    // B lands between A's read and A's write.
    store.beforeWrite = async () => {
      await sync.push('corp', [...addresses(100), 'b@example.com'], { source: 'b' });
    };
    const a = await sync.push('corp', [...addresses(100), 'a@example.com'], { source: 'a' });
    expect(store.conflicts).toBe(1);
    expect(a.version).toBe(3);
    const stored = (await store.read('corp'))!;
    expect(stored).toMatchObject({ version: 3, source: 'a', appliedVersion: 3 });
    expect(stored.addresses).toContain('a@example.com');
    expect(stored.addresses).not.toContain('b@example.com');
    expect(rules.rules.get('corp')!.flat()).toContain('a@example.com');
  });

  it('a retried push is refused when the winner\'s list makes it shrink too much', async () => {
    const { sync, store } = setup();
    await sync.push('corp', addresses(10), { source: 'push', force: true });
    store.beforeWrite = async () => {
      await sync.push('corp', [...addresses(10), ...addresses(10, 'example.com', 'new')], { source: 'b' });
    };
    // Against 10 it adds one; against the winner's 20 it removes 10 (50%).
    const error = await refusal(sync.push('corp', [...addresses(10), 'a@example.com'], { source: 'a' }));
    expect(error.reason).toBe('shrink');
    expect((await store.read('corp'))?.source).toBe('b');
  });

  it('a push stored while an older list\'s rules are being written is written after it: SES never ends on the older list', async () => {
    const { sync, store, rules } = setup();
    await sync.push('corp', addresses(10), { source: 'push', force: true });
    // A's rules are computed from its list; B stores and writes a newer list meanwhile; A finishes after B.
    rules.beforeApply = async () => {
      await sync.push('corp', [...addresses(10), 'b@example.com'], { source: 'b' });
    };
    const before = rules.applied;
    await sync.push('corp', [...addresses(10), 'a@example.com'], { source: 'a' });
    const newest = (await store.read('corp'))!;
    expect(newest.source).toBe('b');
    expect(rules.rules.get('corp')!.flat()).toContain('b@example.com');
    expect(rules.rules.get('corp')!.flat()).not.toContain('a@example.com');
    expect(newest.appliedVersion).toBe(newest.version);
    // A's own list, B's list (inside A's), then B's again as A reads the store after its write.
    expect(rules.applied - before).toBe(3);
  });

  it('gives up with "conflict" after losing every attempt', async () => {
    const { sync, store } = setup();
    const original = store.write.bind(store);
    store.write = async () => false;
    expect((await refusal(sync.push('corp', addresses(2), { source: 'push', force: true }))).reason).toBe('conflict');
    store.write = original;
  });
});

describe('SyncRecipients.redeploy (the deploy keeps the pushed list)', () => {
  it('stores the seed before the first push, and after a push writes the pushed list, not the seed', async () => {
    const { sync, rules, store } = setup({ seed: ['Seed@Example.com'] });
    await sync.redeploy('corp');
    expect(await sync.status('corp')).toMatchObject({ count: 1, source: 'seed', version: 1 });
    expect(rules.rules.get('corp')!.flat()).toEqual(['Seed@example.com', 'example.org']);
    await sync.push('corp', ['seed@example.com', 'new@example.com'], { source: 'push' });
    rules.rules.clear(); // as if CloudFormation had rebuilt the set
    await sync.redeploy('corp');
    expect(rules.rules.get('corp')!.flat()).toEqual(['new@example.com', 'seed@example.com', 'example.org']);
    expect((await store.read('corp'))?.version).toBe(2);
  });

  it('with no seed and no push, every address of the domains is accepted', async () => {
    const { sync, rules } = setup();
    await sync.redeploy('corp');
    expect(rules.rules.get('corp')).toEqual([['example.com', 'example.org']]);
    expect(await sync.status('corp')).toBeUndefined();
  });
});
