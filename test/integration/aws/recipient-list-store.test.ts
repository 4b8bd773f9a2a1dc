// The synced recipient list on the local emulators: the body in S3, the
// version committed by a conditional update of the pointer item (dynalite),
// so two pushes on one version cannot both win; 20,000 addresses do not fit a
// DynamoDB item (400 KB) and do fit here. A body that is missing or does not
// match its pointer's SHA-256 blocks neither the deploy nor a push; old bodies
// are pruned by the writer.
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RecipientListStore } from '../../../lambdas/adapters/aws/recipient-list-store.js';
import { InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import { makeRecipientSyncHandler, syncedRouteOf } from '../../../lambdas/handlers/recipient-sync-deploy.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

/** DynamoDB's largest item (Amazon DynamoDB constraints: "Item size", 400 KB). */
const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

let env: EmulatorEnv;
let store: S3RecipientListStore;
beforeAll(async () => {
  env = await startEmulatorEnv();
  store = new S3RecipientListStore(env.clients.doc, env.resources.tableName, env.clients.s3, env.resources.bucketName);
});
afterAll(async () => {
  await env?.stop();
});

const list = (addresses: string[], source = 'push') => ({ addresses, updatedAt: new Date('2026-12-01T10:00:00Z'), source, forced: false });
const bodies = async (route: string) =>
  ((await env.clients.s3.send(new ListObjectsV2Command({ Bucket: env.resources.bucketName, Prefix: `recipient-lists/${route}/` }))).Contents ?? []).map((o) => o.Key!);
// Realistic long addresses: first.last names of an organisation's domain.
const many = (n: number) => Array.from({ length: n }, (_, i) => `firstname.lastname${String(i).padStart(5, '0')}@mail.example-organisation.com`);

describe('S3RecipientListStore (fauxqs S3 + dynalite)', () => {
  it('20,000 addresses are more than a DynamoDB item holds (dynalite refuses it too) and round-trip here', async () => {
    const addresses = many(20_000);
    const bytes = Buffer.byteLength(addresses.join('\n'));
    expect(bytes).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES);
    await expect(env.clients.doc.send(new PutCommand({ TableName: env.resources.tableName, Item: { pk: 'probe#big', sk: 'x', body: addresses.join('\n') } }))).rejects.toThrow(/size/i);
    expect(await store.write('big', list(addresses), 0)).toBe(true);
    const read = await store.read('big');
    expect(read?.addresses).toEqual(addresses);
    expect(read).toMatchObject({ version: 1, source: 'push', forced: false, appliedVersion: 0 });
  });

  it('of two writes on the same version exactly one commits; the loser\'s body and the replaced one are removed', async () => {
    expect(await store.write('race', list(['a@example.com']), 0)).toBe(true);
    const results = await Promise.all([store.write('race', list(['b@example.com'], 'b'), 1), store.write('race', list(['c@example.com'], 'c'), 1)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const read = await store.read('race');
    expect(read?.version).toBe(2);
    expect(read?.addresses).toEqual([results[0] ? 'b@example.com' : 'c@example.com']);
    expect(await bodies('race')).toHaveLength(1);
    expect(await store.write('race', list(['d@example.com']), 1)).toBe(false);
    expect(await store.write('race', list(['d@example.com']), 0)).toBe(false);
  });

  it('notes the applied version and never lowers it', async () => {
    await store.write('applied', list(['a@example.com']), 0);
    await store.write('applied', list(['b@example.com']), 1);
    await store.markApplied('applied', 2, new Date('2026-12-01T10:01:00Z'));
    await store.markApplied('applied', 1, new Date('2026-12-01T10:02:00Z'));
    expect(await store.read('applied')).toMatchObject({ version: 2, appliedVersion: 2, appliedAt: new Date('2026-12-01T10:01:00Z') });
    await store.write('applied', list(['c@example.com']), 2);
    expect(await store.read('applied')).toMatchObject({ version: 3, appliedVersion: 2 });
  });

  it('keeps the shrink guard\'s high-water mark with a version, and drops it when a write names none', async () => {
    const peakAt = new Date('2026-11-30T10:00:00Z');
    await store.write('peak', { ...list(['a@example.com']), peakCount: 40, peakAt }, 0);
    expect(await store.read('peak')).toMatchObject({ version: 1, peakCount: 40, peakAt });
    await store.write('peak', list(['b@example.com']), 1);
    const read = await store.read('peak');
    expect(read?.peakCount).toBeUndefined();
    expect(read?.peakAt).toBeUndefined();
  });

  it('concurrent pushes through the use case: both are stored in turn, the loser on the winner\'s version, and the rules end with the newest', async () => {
    const rules = new InMemoryRecipientRules();
    const sync = new SyncRecipients({
      routes: [{ name: 'pushes', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 1_000 }],
      store,
      rules,
      clock: new ManualClock(new Date('2026-12-01T10:00:00Z')),
      log: new RecordingDeliveryLog(),
    });
    const base = Array.from({ length: 50 }, (_, i) => `u${i}@example.com`);
    await sync.push('pushes', base, { source: 'seed', force: true });
    const [a, b] = await Promise.all([sync.push('pushes', [...base, 'a@example.com'], { source: 'a' }), sync.push('pushes', [...base, 'b@example.com'], { source: 'b' })]);
    expect([a.version, b.version].sort()).toEqual([2, 3]);
    const newest = (await store.read('pushes'))!;
    expect(newest.version).toBe(3);
    expect(newest.appliedVersion).toBe(3);
    expect(rules.rules.get('pushes')!.flat().sort()).toEqual([...newest.addresses].sort());
  });
});

describe('a body that is missing or altered, and old bodies (fauxqs S3 + dynalite)', () => {
  const route = (name: string) => ({ name, domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 1_000 });
  const setup = (name: string) => {
    const rules = new InMemoryRecipientRules();
    const log = new RecordingDeliveryLog();
    const sync = new SyncRecipients({ routes: [route(name)], store, rules, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log });
    const handler = makeRecipientSyncHandler(() => ({ sync, rules, store }), { info: () => undefined });
    const deploy = () => handler({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-backup-mx', ResourceProperties: { RuleSetName: 'backup-mx', TableName: 't', BucketName: 'b', Routes: [{ Name: name, Domains: ['example.com'], MaxShrinkPercent: 10, MaxAddresses: 1000 }] } });
    return { rules, log, sync, deploy };
  };
  const pointer = async (name: string) => (await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: { pk: `recipients#${name}`, sk: 'list' } }))).Item!;
  const errors = (log: RecordingDeliveryLog) => log.lines.filter((l) => l.level === 'error');

  it('the pointer names the body\'s SHA-256; an altered body is unreadable: the deploy succeeds keeping the rules, an ERROR names route and key, and a push still works', async () => {
    const { rules, log, sync, deploy } = setup('altered');
    await sync.push('altered', ['a@example.com', 'b@example.com'], { source: 'push', force: true });
    const item = await pointer('altered');
    expect(item.bodySha256).toBe(createHash('sha256').update('a@example.com\nb@example.com').digest('hex'));
    // Someone with bucket access slips an address in (or the object is damaged).
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: item.bodyKey, Body: 'a@example.com\nb@example.com\nintruder@example.com' }));
    expect(await store.read('altered')).toMatchObject({ version: 1, addresses: [], unreadable: { key: item.bodyKey, reason: expect.stringContaining('does not match the SHA-256'), count: 2 } });
    const before = structuredClone(rules.rules.get('altered'));
    const result = await deploy();
    expect(result.Data.Summary).toContain('altered: list version 1 (2 addresses, push); not applied (unreadable), the rules in place kept');
    expect(rules.rules.get('altered')).toEqual(before);
    expect(errors(log)).toEqual([expect.objectContaining({ fields: expect.objectContaining({ route: 'altered', key: item.bodyKey, kept: 'unreadable' }) })]);
    // The push endpoint's call (store only): taken, not a 500 (the shrink guard still holds against the 7-day high-water mark); its list then replaces the broken one.
    await expect(sync.push('altered', ['a@example.com', 'b@example.com', 'c@example.com'], { source: 'push', deferRules: true })).resolves.toMatchObject({ version: 2, rulesPending: true });
    await sync.applyRules('altered');
    expect(rules.rules.get('altered')).toEqual([['a@example.com', 'b@example.com', 'c@example.com']]);
  });

  it('a missing body: the same (read again first, in case a newer push replaced it)', async () => {
    const { rules, log, sync, deploy } = setup('missing');
    await sync.push('missing', ['a@example.com'], { source: 'push', force: true });
    const item = await pointer('missing');
    await env.clients.s3.send(new DeleteObjectCommand({ Bucket: env.resources.bucketName, Key: item.bodyKey }));
    expect(await store.read('missing')).toMatchObject({ unreadable: { key: item.bodyKey, reason: expect.stringContaining('missing'), count: 1 } });
    await expect(deploy()).resolves.toMatchObject({ Data: { Summary: expect.stringContaining('not applied (unreadable)') } });
    expect(rules.rules.get('missing')).toEqual([['a@example.com']]);
    expect(errors(log)).toHaveLength(1);
    await expect(sync.push('missing', ['b@example.com'], { source: 'push' })).resolves.toMatchObject({ version: 2, rulesPending: false });
    expect(rules.rules.get('missing')).toEqual([['b@example.com']]);
  });

  it('prunes the bodies an applied version superseded (the push role cannot delete them) and abandoned ones; keeps the current and a push in flight', async () => {
    const name = 'prune';
    const put = (key: string) => env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `recipient-lists/${name}/${key}`, Body: 'x@example.com' }));
    await store.write(name, list(['a@example.com']), 0);
    await put('v1-aaaaaaaaaaaa.txt'); // left by a push function (it has no s3:DeleteObject)
    await store.write(name, list(['b@example.com']), 1);
    await put('v2-bbbbbbbbbbbb.txt'); // a loser of the race for version 2
    await put('v3-cccccccccccc.txt'); // a push in flight: written, not yet committed
    await put('notes.txt'); // not a body of ours
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `recipient-lists/${name}-other/v1-dddddddddddd.txt`, Body: 'y' }));
    const current = (await pointer(name)).bodyKey as string;
    const now = new Date();
    expect(await store.prune(name, 2, now)).toBe(1);
    expect((await bodies(name)).sort()).toEqual([current, `recipient-lists/${name}/notes.txt`, `recipient-lists/${name}/v2-bbbbbbbbbbbb.txt`, `recipient-lists/${name}/v3-cccccccccccc.txt`].sort());
    // Past the longest a push can run, what is not the pointer's lost or died: pruned; the current stays.
    expect(await store.prune(name, 2, new Date(now.getTime() + 16 * 60_000))).toBe(2);
    expect((await bodies(name)).sort()).toEqual([current, `recipient-lists/${name}/notes.txt`].sort());
    expect(await bodies(`${name}-other`)).toHaveLength(1);
  });
});

describe('a route that stops syncing and syncs again starts from its seed, not a stale list (fauxqs S3 + dynalite, the deploy handler)', () => {
  const routeProp = (name: string, seed: string[]) => ({ Name: name, Domains: [`${name}.example`], MaxShrinkPercent: 10, MaxAddresses: 1000, Seed: seed });
  const props = (routes: ReturnType<typeof routeProp>[], phase: 'gain' | 'exact') => ({ RuleSetName: 'backup-mx', TableName: 't', BucketName: 'b', Routes: routes, Phase: phase });
  function setup() {
    const rules = new InMemoryRecipientRules();
    const handler = makeRecipientSyncHandler(
      (p) => ({ sync: new SyncRecipients({ routes: p.Routes.map(syncedRouteOf), store, rules, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog() }), rules, store }),
      { info: () => undefined },
    );
    /** One deploy: the gain pass, then the exact pass (CloudFormation's order). */
    const deploy = async (type: 'Create' | 'Update', routes: ReturnType<typeof routeProp>[], old?: ReturnType<typeof routeProp>[]) => {
      for (const phase of ['gain', 'exact'] as const) {
        await handler({ RequestType: type, PhysicalResourceId: `recipient-sync-${phase}`, ResourceProperties: props(routes, phase), ...(old ? { OldResourceProperties: props(old, phase) } : {}) });
      }
    };
    const sync = (routes: ReturnType<typeof routeProp>[]) => new SyncRecipients({ routes: routes.map(syncedRouteOf), store, rules, clock: new ManualClock(new Date('2026-12-01T11:00:00Z')), log: new RecordingDeliveryLog() });
    return { rules, deploy, sync };
  }

  it('stop → recipients edited while static → sync again: the new seed is applied, the pushed list before the stop is gone', async () => {
    const { rules, deploy, sync } = setup();
    const keep = routeProp('keep', ['k@keep.example']);
    const flipBefore = routeProp('flip', ['a@flip.example', 'b@flip.example']);
    await deploy('Create', [keep, flipBefore]);
    await sync([keep, flipBefore]).push('flip', ['a@flip.example', 'b@flip.example', 'c@flip.example'], { source: 'push' });
    expect(rules.rules.get('flip')!.flat()).toContain('c@flip.example');
    expect(await bodies('flip')).not.toEqual([]);

    await deploy('Update', [keep], [keep, flipBefore]);
    expect(rules.rules.has('flip')).toBe(false);
    expect(await store.read('flip')).toBeUndefined();
    expect(await bodies('flip')).toEqual([]);
    expect(await store.read('keep')).toBeDefined();

    // While static, c@ left and d@ joined: the seed is what the config now lists.
    const flipAfter = routeProp('flip', ['a@flip.example', 'd@flip.example']);
    await deploy('Update', [keep, flipAfter], [keep]);
    expect(rules.rules.get('flip')!.flat().sort()).toEqual(['a@flip.example', 'd@flip.example']);
    expect(await store.read('flip')).toMatchObject({ version: 1, source: 'seed', addresses: ['a@flip.example', 'd@flip.example'] });
  });

  it('a Create (no route synced before it) retires what an earlier time left; the gain pass\'s Delete removes nothing', async () => {
    const { rules, deploy, sync } = setup();
    const old = routeProp('again', ['a@again.example']);
    await deploy('Create', [old]);
    await sync([old]).push('again', ['a@again.example', 'stale@again.example'], { source: 'push' });
    // Every route stopped syncing (the resources' Deletes), then one syncs again: a Create.
    const handler = makeRecipientSyncHandler(() => ({ sync: sync([old]), rules, store }), { info: () => undefined });
    const gainDelete = await handler({ RequestType: 'Delete', PhysicalResourceId: 'recipient-sync-gain-backup-mx', ResourceProperties: props([old], 'gain') });
    expect(gainDelete.Data.Summary).toContain('nothing to remove');
    expect(rules.rules.get('again')!.flat()).toContain('stale@again.example');
    await handler({ RequestType: 'Delete', PhysicalResourceId: 'recipient-sync-backup-mx', ResourceProperties: props([old], 'exact') });
    expect(rules.rules.has('again')).toBe(false);
    expect((await store.read('again'))?.addresses).toContain('stale@again.example');
    const seed = routeProp('again', ['a@again.example', 'new@again.example']);
    await deploy('Create', [seed]);
    expect(rules.rules.get('again')!.flat().sort()).toEqual(['a@again.example', 'new@again.example']);
    expect(await store.read('again')).toMatchObject({ version: 1, source: 'seed' });
  });
});
