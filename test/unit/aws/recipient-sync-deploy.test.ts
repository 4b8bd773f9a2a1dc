// The deploy's custom resource when ruleSet.name changes. CloudFormation sends
// the old physical id a Delete (with the old properties) only when an Update
// answers with a new physical id; the id names the set, so a renamed set's
// Update answers a new one and the Delete that follows removes the old set's
// synced rules, while an Update in the same set keeps the id (no Delete).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import { freshRoutesOf, gainIdOf, gainRoutes, makeRecipientSyncHandler, syncedRouteOf, type RecipientSyncEvent, type RecipientSyncProperties, type RecipientSyncResult } from '../../../lambdas/handlers/recipient-sync-deploy.js';

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
    // The exact pass retires nothing on Create (the gain pass's Create does, before it, for a route with no rules);
    // the old id's Delete keeps the list: the new set's rules were written from it.
    expect(store.retired).toEqual([]);
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

describe('a Create that fails removes the synced rules it wrote (CDK then skips the rollback\'s Delete)', () => {
  /** Rules that fail on one route's write, after the routes before it were written. */
  class FailingOn extends InMemoryRecipientRules {
    constructor(private readonly route: string) {
      super();
    }
    override async apply(route: { name: string; domains: string[] }, addresses: string[] | undefined) {
      if (route.name === this.route) throw new Error('Throttling: Rate exceeded');
      return super.apply(route, addresses);
    }
  }
  const routes = [
    { Name: 'first', Domains: ['first.example'], MaxShrinkPercent: '10', MaxAddresses: '100', Seed: ['a@first.example'] },
    { Name: 'second', Domains: ['second.example'], MaxShrinkPercent: '10', MaxAddresses: '100' },
  ];
  const props = (phase: 'gain' | 'exact'): RecipientSyncProperties => ({ RuleSetName: 's', TableName: 't', BucketName: 'b', Routes: routes, Phase: phase });
  const handlerOn = (rules: InMemoryRecipientRules) => {
    const store = new InMemoryRecipientListStore();
    return makeRecipientSyncHandler(
      (p) => ({ sync: new SyncRecipients({ routes: p.Routes.map(syncedRouteOf), store, rules, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog() }), rules, store }),
      { info: () => undefined },
    );
  };

  it('the fact it rests on: CDK\'s provider framework skips the Delete that follows a failed Create', () => {
    const root = dirname(createRequire(import.meta.url).resolve('aws-cdk-lib'));
    const source = readFileSync(join(root, 'custom-resources/lib/provider-framework/runtime/cfn-response.js'), 'utf8');
    expect(source).toContain('AWSCDK::CustomResourceProviderFramework::CREATE_FAILED');
    expect(source).toContain('ignoring DELETE event caused by a failed CREATE event');
  });

  it('the exact pass: the first route\'s rules, written before the second failed, are removed before the failure is reported', async () => {
    const rules = new FailingOn('second');
    await expect(handlerOn(rules)({ RequestType: 'Create', ResourceProperties: props('exact') })).rejects.toThrow(/Rate exceeded/);
    expect(rules.applied).toBe(1);
    expect(rules.rules.has('first')).toBe(false);
  });

  it('the gain pass: removes a route it wrote from nothing, keeps one that had rules before (the first deploy of this version)', async () => {
    const fresh = new FailingOn('second');
    await expect(handlerOn(fresh)({ RequestType: 'Create', ResourceProperties: props('gain') })).rejects.toThrow(/Rate exceeded/);
    expect(fresh.applied).toBe(1);
    expect(fresh.rules.has('first')).toBe(false);

    const upgraded = new FailingOn('second');
    upgraded.rules.set('first', [['pushed@first.example']]);
    await expect(handlerOn(upgraded)({ RequestType: 'Create', ResourceProperties: props('gain') })).rejects.toThrow(/Rate exceeded/);
    expect(upgraded.rules.get('first')).toEqual([['a@first.example']]);
  });

  it('an Update that fails removes nothing (CloudFormation rolls it back with the old properties)', async () => {
    const rules = new FailingOn('second');
    await expect(handlerOn(rules)({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-s', ResourceProperties: props('exact'), OldResourceProperties: props('exact') })).rejects.toThrow(/Rate exceeded/);
    expect(rules.rules.get('first')).toEqual([['a@first.example']]);
  });
});

describe('the gain pass\'s Create names the routes it wrote from nothing (its id), for the Delete a rollback brings', () => {
  const routes = [{ Name: 'corp', Domains: ['example.com'], MaxShrinkPercent: '10', MaxAddresses: '100', Seed: ['seed@example.com'] }];
  const at = (phase: 'gain' | 'exact'): RecipientSyncProperties => ({ RuleSetName: 's', TableName: 't', BucketName: 'b', Routes: routes, Phase: phase });
  const make = () => {
    const rules = new InMemoryRecipientRules();
    const store = new InMemoryRecipientListStore();
    const sync = () => new SyncRecipients({ routes: routes.map(syncedRouteOf), store, rules, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog() });
    const handler = makeRecipientSyncHandler(() => ({ sync: sync(), rules, store }), { info: () => undefined });
    return { rules, store, sync, handler };
  };

  it('a stack turning sync on: the Create retires an earlier list, names the route, and a rollback\'s Delete removes its rules', async () => {
    const { rules, store, sync, handler } = make();
    await sync().push('corp', ['old@example.com', 'stale@example.com'], { source: 'push', force: true, deferRules: true });
    const created = await handler({ RequestType: 'Create', ResourceProperties: at('gain') });
    expect(created.PhysicalResourceId).toBe(gainIdOf('s', ['corp']));
    expect(freshRoutesOf(created.PhysicalResourceId, 's')).toEqual(['corp']);
    expect(store.retired).toEqual(['corp']);
    expect(rules.rules.get('corp')!.flat()).toEqual(['seed@example.com']);
    // Something later in the deploy failed: CloudFormation deletes what it created, the exact pass never ran.
    const undone = await handler({ RequestType: 'Delete', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: at('gain') });
    expect(undone.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(rules.rules.has('corp')).toBe(false);
  });

  it('over routes that had rules (the first deploy of this version): the plain id, and its Delete removes nothing', async () => {
    const { rules, store, handler } = make();
    rules.rules.set('corp', [['pushed@example.com']]);
    const created = await handler({ RequestType: 'Create', ResourceProperties: at('gain') });
    expect(created.PhysicalResourceId).toBe('recipient-sync-gain-s');
    expect(store.retired).toEqual([]);
    await handler({ RequestType: 'Delete', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: at('gain') });
    expect(rules.rules.has('corp')).toBe(true);
  });

  it('a push stored between the gain pass and the exact pass\'s Create is kept (the exact pass retires nothing)', async () => {
    const { rules, store, sync, handler } = make();
    await handler({ RequestType: 'Create', ResourceProperties: at('gain') });
    await sync().push('corp', ['seed@example.com', 'new@example.com'], { source: 'push' });
    await handler({ RequestType: 'Create', ResourceProperties: at('exact') });
    expect(await store.read('corp')).toMatchObject({ version: 2, source: 'push' });
    expect(rules.rules.get('corp')!.flat().sort()).toEqual(['new@example.com', 'seed@example.com']);
  });

  it('an Update in the same set keeps the id it was given (so a later Delete still knows the routes); another set\'s id names none', async () => {
    const { handler } = make();
    const given = gainIdOf('s', ['corp']);
    expect((await handler({ RequestType: 'Update', PhysicalResourceId: given, ResourceProperties: at('gain'), OldResourceProperties: at('gain') })).PhysicalResourceId).toBe(given);
    expect(freshRoutesOf(given, 'other')).toEqual([]);
    expect(gainIdOf('s', Array.from({ length: 40 }, (_, i) => `route-with-a-long-name-${i}`))).toBe('recipient-sync-gain-s');
  });
});
