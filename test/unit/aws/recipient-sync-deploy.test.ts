// The deploy's custom resource when ruleSet.name changes. CloudFormation sends
// the old physical id a Delete (with the old properties) only when an Update
// answers with a new physical id; the id names the set, so a renamed set's
// Update answers a new one and the Delete that follows removes the old set's
// synced rules, while an Update in the same set keeps the id (no Delete).
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import { gainRoutes, makeRecipientSyncHandler, syncedRouteOf, type RecipientSyncEvent, type RecipientSyncProperties, type RecipientSyncResult } from '../../../lambdas/handlers/recipient-sync-deploy.js';

const props = (set: string): RecipientSyncProperties => ({
  RuleSetName: set,
  TableName: 'table',
  BucketName: 'bucket',
  Routes: [{ Name: 'corp', Domains: ['example.com'], MaxShrinkPercent: '10', MaxAddresses: '1000', Seed: ['seed@example.com'] }],
});

function setup() {
  const store = new InMemoryRecipientListStore();
  const sets = new Map<string, InMemoryRecipientRules>();
  const rulesOf = (set: string) => sets.get(set) ?? sets.set(set, new InMemoryRecipientRules()).get(set)!;
  const handler = makeRecipientSyncHandler(
    (p) => ({
      sync: new SyncRecipients({ routes: p.Routes.map(syncedRouteOf), store, rules: rulesOf(p.RuleSetName), clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog() }),
      rules: rulesOf(p.RuleSetName),
      store,
    }),
    { info: () => undefined },
  );
  /** CloudFormation's side: an Update whose answer changes the physical id is followed, in cleanup, by a Delete of the old id. */
  const update = async (physicalId: string, from: RecipientSyncProperties, to: RecipientSyncProperties): Promise<{ result: RecipientSyncResult; deleted: boolean }> => {
    const result = await handler({ RequestType: 'Update', PhysicalResourceId: physicalId, ResourceProperties: to, OldResourceProperties: from });
    if (result.PhysicalResourceId === physicalId) return { result, deleted: false };
    const cleanup: RecipientSyncEvent = { RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: from };
    expect((await handler(cleanup)).PhysicalResourceId).toBe(physicalId);
    return { result, deleted: true };
  };
  return { handler, rulesOf, update, store };
}

describe('the recipient-sync custom resource when the rule set is renamed', () => {
  it('the new set gets the synced rules and the old set\'s are removed by the Delete its changed physical id brings', async () => {
    const { handler, rulesOf, update, store } = setup();
    const created = await handler({ RequestType: 'Create', ResourceProperties: props('backup-mx') });
    expect(rulesOf('backup-mx').rules.get('corp')).toEqual([['seed@example.com']]);
    const { result, deleted } = await update(created.PhysicalResourceId, props('backup-mx'), props('backup-mx-2'));
    expect(result.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(deleted).toBe(true);
    expect(rulesOf('backup-mx').rules.has('corp')).toBe(false);
    expect(rulesOf('backup-mx-2').rules.get('corp')).toEqual([['seed@example.com']]);
    // Only the Create retired (nothing synced before it); the old id's Delete keeps the list: the new set's rules were written from it.
    expect(store.retired).toEqual(['corp']);
    expect(store.lists.get('corp')?.source).toBe('seed');
  });

  it('an Update in the same set keeps the physical id: no Delete, the rules stay', async () => {
    const { handler, rulesOf, update } = setup();
    const created = await handler({ RequestType: 'Create', ResourceProperties: props('backup-mx') });
    const { result, deleted } = await update(created.PhysicalResourceId, props('backup-mx'), { ...props('backup-mx'), Template: 'changed' });
    expect(result.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(deleted).toBe(false);
    expect(rulesOf('backup-mx').rules.get('corp')).toEqual([['seed@example.com']]);
  });

  it('keeps the id a stack deployed before this version holds (recipient-sync-<set>)', async () => {
    const { handler } = setup();
    expect((await handler({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-backup-mx', ResourceProperties: props('backup-mx'), OldResourceProperties: props('backup-mx') })).PhysicalResourceId).toBe('recipient-sync-backup-mx');
  });
});

describe('the gain pass (Phase "gain")', () => {
  const route = (domains: string[], max = '100') => ({ Name: 'corp', Domains: domains, MaxShrinkPercent: '10', MaxAddresses: max });
  const at = (set: string, domains: string[], max?: string): RecipientSyncProperties => ({ RuleSetName: set, TableName: 't', BucketName: 'b', Routes: [route(domains, max)], Phase: 'gain' });

  it('keeps the domains a route is losing (same set), with both budgets; nothing else changes', () => {
    expect(gainRoutes({ ResourceProperties: at('s', ['a.example']), OldResourceProperties: at('s', ['a.example', 'moved.example'], '50') }).map((r) => [r.Domains, r.MaxAddresses])).toEqual([[['a.example', 'moved.example'], 150]]);
    expect(gainRoutes({ ResourceProperties: at('s', ['a.example', 'new.example']), OldResourceProperties: at('s', ['a.example']) })[0]!.Domains).toEqual(['a.example', 'new.example']);
    // Another set (renamed): its rules are another set's; nothing to keep.
    expect(gainRoutes({ ResourceProperties: at('t', ['a.example']), OldResourceProperties: at('s', ['a.example', 'moved.example']) })[0]!.Domains).toEqual(['a.example']);
    expect(gainRoutes({ ResourceProperties: at('s', ['a.example']) })[0]!.Domains).toEqual(['a.example']);
  });

  it('writes the route with the departing domain still matched, answers its own physical id, and its Delete removes nothing', async () => {
    const { handler, rulesOf } = setup();
    const gain = await handler({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-gain-s', ResourceProperties: at('s', ['a.example']), OldResourceProperties: at('s', ['a.example', 'moved.example']) });
    expect(gain.PhysicalResourceId).toBe('recipient-sync-gain-s');
    expect(rulesOf('s').rules.get('corp')!.flat().sort()).toEqual(['a.example', 'moved.example']);
    const exact = await handler({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-s', ResourceProperties: { ...at('s', ['a.example']), Phase: 'exact' }, OldResourceProperties: { ...at('s', ['a.example', 'moved.example']), Phase: 'exact' } });
    expect(exact.PhysicalResourceId).toBe('recipient-sync-s');
    expect(rulesOf('s').rules.get('corp')!.flat()).toEqual(['a.example']);
    await handler({ RequestType: 'Delete', PhysicalResourceId: 'recipient-sync-gain-s', ResourceProperties: at('s', ['a.example']) });
    expect(rulesOf('s').rules.get('corp')!.flat()).toEqual(['a.example']);
  });
});
