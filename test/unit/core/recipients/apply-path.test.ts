// The rule writer's pass checks a stored list against the route as it is NOW
// (the push was checked against the route as it was): addresses outside the
// current domains are dropped and counted, a list over the current budget is
// not applied (the rules stay), an unreadable list is not applied and the
// deploy still succeeds; superseded bodies are pruned after an apply. (A route
// with no seed takes its first list only with force: sync-shrink.ts.)
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { SyncRecipients } from '../../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../../lambdas/core/recipients/synced-route.js';

const addresses = (n: number, domain = 'example.com') => Array.from({ length: n }, (_, i) => `user${i}@${domain}`);
const corp: SyncedRoute = { name: 'corp', domains: ['example.com', 'example.org'], maxShrinkPercent: 10, maxAddresses: 1_000 };

function setup() {
  const store = new InMemoryRecipientListStore();
  const rules = new InMemoryRecipientRules();
  const log = new RecordingDeliveryLog();
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const sync = (route: Partial<SyncedRoute> = {}) => new SyncRecipients({ routes: [{ ...corp, ...route }], store, rules, clock, log });
  return { store, rules, log, sync };
}

describe('the apply path checks the stored list against the route as deployed now', () => {
  it('a domain moved to another route since the push: its addresses are dropped, the count warned, the rest written', async () => {
    const { rules, log, sync } = setup();
    await sync().push('corp', [...addresses(5), ...addresses(3, 'example.org')], { source: 'push', force: true });
    await sync({ domains: ['example.com'] }).redeploy('corp');
    expect(rules.rules.get('corp')!.flat()).toEqual(addresses(5));
    expect(log.lines.find((l) => l.level === 'warn')).toMatchObject({ message: expect.stringContaining('outside the route\'s current domains dropped'), fields: { route: 'corp', dropped: 3 } });
  });

  it('a lowered maxAddresses: the list is not applied, the rules are kept as they were, an ERROR line says why', async () => {
    const { rules, log, store, sync } = setup();
    await sync().push('corp', addresses(300), { source: 'push', force: true });
    const before = structuredClone(rules.rules.get('corp'));
    const report = await sync({ maxAddresses: 200 }).redeploy('corp');
    expect(report).toMatchObject({ kept: 'over-budget', created: 0, updated: 0, deleted: 0 });
    expect(rules.rules.get('corp')).toEqual(before);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ route: 'corp', kept: 'over-budget', why: expect.stringContaining('recipientSync.maxAddresses = 200') }) }),
    ]);
    expect((await store.read('corp'))!.appliedVersion).toBe(1); // from the push, not from this pass
  });

  it('an unreadable list (missing body, wrong SHA-256): rules kept, ERROR names the route and key, the pass succeeds', async () => {
    const { rules, log, store, sync } = setup();
    await sync().push('corp', addresses(10), { source: 'push', force: true });
    const stored = store.lists.get('corp')!;
    const before = structuredClone(rules.rules.get('corp'));
    store.lists.set('corp', { ...stored, version: 2, addresses: [], unreadable: { key: 'recipient-lists/corp/v2-abc.txt', reason: 'missing' } });
    const report = await sync().redeploy('corp');
    expect(report.kept).toBe('unreadable');
    expect(rules.rules.get('corp')).toEqual(before);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ fields: expect.objectContaining({ route: 'corp', key: 'recipient-lists/corp/v2-abc.txt', kept: 'unreadable' }) })]);
  });

  it('after an applied version, the bodies it superseded are pruned', async () => {
    const { store, sync } = setup();
    await sync().push('corp', addresses(10), { source: 'push', force: true });
    await sync().push('corp', addresses(11), { source: 'push' });
    expect(store.prunes).toEqual([
      { route: 'corp', appliedVersion: 1 },
      { route: 'corp', appliedVersion: 2 },
    ]);
  });
});
