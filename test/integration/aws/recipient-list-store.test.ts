// The synced recipient list on the local emulators: the body in S3, the
// version committed by a conditional update of the pointer item (dynalite),
// so two pushes on one version cannot both win; 20,000 addresses do not fit a
// DynamoDB item (400 KB) and do fit here.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RecipientListStore } from '../../../lambdas/adapters/aws/recipient-list-store.js';
import { InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
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
