// The deploy's custom resource when ruleSet.name changes. CloudFormation sends
// the old physical id a Delete (with the old properties) only when an Update
// answers with a new physical id; the id names the set, so a renamed set's
// Update answers a new one and the Delete that follows removes the old set's
// synced rules, while an Update in the same set keeps the id (no Delete).
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import { makeRecipientSyncHandler, syncedRouteOf, type RecipientSyncEvent, type RecipientSyncProperties, type RecipientSyncResult } from '../../../lambdas/handlers/recipient-sync-deploy.js';

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
  return { handler, rulesOf, update };
}

describe('the recipient-sync custom resource when the rule set is renamed', () => {
  it('the new set gets the synced rules and the old set\'s are removed by the Delete its changed physical id brings', async () => {
    const { handler, rulesOf, update } = setup();
    const created = await handler({ RequestType: 'Create', ResourceProperties: props('backup-mx') });
    expect(rulesOf('backup-mx').rules.get('corp')).toEqual([['seed@example.com']]);
    const { result, deleted } = await update(created.PhysicalResourceId, props('backup-mx'), props('backup-mx-2'));
    expect(result.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(deleted).toBe(true);
    expect(rulesOf('backup-mx').rules.has('corp')).toBe(false);
    expect(rulesOf('backup-mx-2').rules.get('corp')).toEqual([['seed@example.com']]);
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
