// The rule writer's pass after a push: the public push stored the list and left
// the rules (rulesPending); the writer, asked with the route's name only, takes
// the route from the route table (never from the event), writes the rules from
// the newest stored list and notes them applied. A route the table does not
// sync is refused and nothing is written.
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { syncedRoutesOfTable } from '../../../lambdas/app/synced-routes-of-table.js';
import { RecipientPushRefused } from '../../../lambdas/core/recipients/push-refused.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../lambdas/core/recipients/synced-route.js';
import { makeApplyRulesHandler } from '../../../lambdas/handlers/recipient-sync-deploy.js';

const TABLE = JSON.stringify([
  { name: 'corp', domains: ['example.com'], recipientSync: { maxShrinkPercent: 10, maxAddresses: 500 }, queueUrl: 'q', bouncePolicy: 'dsn' },
  { name: 'plain', domains: ['example.org'], queueUrl: 'q2', bouncePolicy: 'dsn' },
]);

describe('the rule writer after a push', () => {
  const store = new InMemoryRecipientListStore();
  const rules = new InMemoryRecipientRules();
  const build = (routes: SyncedRoute[]) => ({ sync: new SyncRecipients({ routes, store, rules, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog() }) });
  const handler = makeApplyRulesHandler(build, async () => syncedRoutesOfTable(TABLE));

  it('reads only synced routes from the table, with their limits', () => {
    expect(syncedRoutesOfTable(TABLE)).toEqual([{ name: 'corp', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 500 }]);
  });

  it('writes the rules of a list the push stored with its rules pending, and notes them applied', async () => {
    const pushed = await build(syncedRoutesOfTable(TABLE)).sync.push('corp', ['a@example.com', 'b@example.com'], { source: 'push', force: true, deferRules: true });
    expect(pushed).toMatchObject({ version: 1, rulesPending: true });
    expect(rules.applied).toBe(0);
    expect(await handler({ applyRules: 'corp' })).toMatchObject({ rules: 1, created: 1 });
    expect(rules.rules.get('corp')).toEqual([['a@example.com', 'b@example.com']]);
    expect((await store.read('corp'))?.appliedVersion).toBe(1);
  });

  it('refuses a route the table does not sync, writing nothing', async () => {
    const before = rules.applied;
    await expect(handler({ applyRules: 'plain' })).rejects.toBeInstanceOf(RecipientPushRefused);
    expect(rules.applied).toBe(before);
  });
});
