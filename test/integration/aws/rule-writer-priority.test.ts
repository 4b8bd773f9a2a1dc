// The deploy before push writers, on the real lease (dynalite): a deploy that
// finds the lease taken marks that it waits, and a push's writer meeting the
// mark writes nothing (the deploy writes the newest stored list itself); the
// deploy never waits past its bound. The deploy records its route table's
// digest under the lease: a push's writer configured with another table writes
// nothing and throws (Lambda's retry runs with the new configuration).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESClient } from '@aws-sdk/client-ses';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRuleWriterLease } from '../../../lambdas/adapters/aws/dynamo-rule-writer-lease.js';
import { composeRecipientSync } from '../../../lambdas/app/compose-recipients.js';
import { InMemoryRecipientListStore, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import type { RecipientRules, RuleApplyReport } from '../../../lambdas/core/recipients/ports.js';
import { RouteTableChanged, RuleWriterBusy, RuleWriterLock } from '../../../lambdas/core/recipients/rule-writer-lock.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../lambdas/core/recipients/synced-route.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

const clock = { now: () => new Date() };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const route: SyncedRoute = { name: 'corp', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 1000 };
const DIGEST_A = 'a'.repeat(64);
const DIGEST_B = 'b'.repeat(64);

/** SES as a recording fake: each write notes its writer and the addresses it was given. */
class RecordingRules implements RecipientRules {
  constructor(private readonly writer: string, private readonly writes: { writer: string; addresses?: string[] }[]) {}
  async apply(_route: unknown, addresses: string[] | undefined): Promise<RuleApplyReport> {
    this.writes.push({ writer: this.writer, ...(addresses ? { addresses } : {}) });
    return { rules: 1, created: 0, updated: 1, deleted: 0 };
  }
  async remove(): Promise<number> {
    return 0;
  }
}

describe('the deploy before push writers, and the route table it records', () => {
  let env: EmulatorEnv;
  beforeAll(async () => {
    env = await startEmulatorEnv();
  });
  afterAll(() => env?.stop());

  const lock = (ruleSet: string, owner: string, as: 'deploy' | 'push', opts: { waitMs?: number; digest?: string } = {}) =>
    new RuleWriterLock({
      lease: new DynamoRuleWriterLease(env.clients.doc, env.resources.tableName, ruleSet),
      clock,
      sleep,
      owner,
      as,
      ...(opts.digest ? { routeTableDigest: opts.digest } : {}),
      waitMs: opts.waitMs ?? 5_000,
      pollMs: 10,
      log: new RecordingDeliveryLog(),
    });

  async function stored(addresses: string[]) {
    const store = new InMemoryRecipientListStore();
    await store.write('corp', { addresses, updatedAt: new Date(), source: 'push', forced: false }, 0);
    return store;
  }
  const writer = (store: InMemoryRecipientListStore, writes: { writer: string; addresses?: string[] }[], name: string, held: RuleWriterLock) =>
    new SyncRecipients({ routes: [route], store, rules: new RecordingRules(name, writes), clock, log: new RecordingDeliveryLog(), lock: held });

  it('a push writer arriving while a deploy waits writes nothing; the deploy then writes the list that push stored', async () => {
    const store = await stored(['a@example.com']);
    const writes: { writer: string; addresses?: string[] }[] = [];
    // Push writer 1 holds the lease (a long write under way).
    let release!: () => void;
    const first = lock('set-prio', 'push-1', 'push').run(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(50);
    const deploy = writer(store, writes, 'deploy', lock('set-prio', 'deploy', 'deploy')).redeploy('corp');
    await sleep(100); // the deploy has found the lease taken and marked that it waits
    // The primary pushes again: stored, then its writer is asked.
    await store.write('corp', { addresses: ['a@example.com', 'b@example.com'], updatedAt: new Date(), source: 'push', forced: false }, 1);
    const second = await writer(store, writes, 'push-2', lock('set-prio', 'push-2', 'push')).applyRules('corp');
    expect(second).toEqual({ rules: 0, created: 0, updated: 0, deleted: 0, kept: 'deploy-waiting' });
    expect(writes).toEqual([]);
    release();
    await first;
    await deploy;
    // The deploy wrote, and what it wrote is the list push 2 stored.
    expect(writes).toEqual([{ writer: 'deploy', addresses: ['a@example.com', 'b@example.com'] }]);
    // Taken by the deploy, the mark is gone: the next push writer writes.
    await writer(store, writes, 'push-3', lock('set-prio', 'push-3', 'push')).applyRules('corp');
    expect(writes.map((w) => w.writer)).toEqual(['deploy', 'push-3']);
  });

  it('the deploy waits no longer than its bound, and its mark ends with its wait', async () => {
    let release!: () => void;
    const held = lock('set-bound', 'push-1', 'push').run(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(50);
    const started = Date.now();
    const error = await lock('set-bound', 'deploy', 'deploy', { waitMs: 300 }).run(async () => 'written').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleWriterBusy);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2_000);
    release();
    await held;
    // The deploy gave up and its wait is over: push writers take the lease again.
    await expect(lock('set-bound', 'push-2', 'push', { waitMs: 0 }).run(async () => 'written')).resolves.toBe('written');
  });

  it('after a deploy recorded route table B, a push writer on A writes nothing and throws; one on B writes', async () => {
    const store = await stored(['a@example.com']);
    const writes: { writer: string; addresses?: string[] }[] = [];
    // Before any deploy recorded a table, a writer writes (an upgrade: nothing to compare with yet).
    await writer(store, writes, 'before', lock('set-digest', 'before', 'push', { digest: DIGEST_A })).applyRules('corp');
    await writer(store, writes, 'deploy', lock('set-digest', 'deploy', 'deploy', { digest: DIGEST_B })).redeploy('corp');
    const old = await writer(store, writes, 'old', lock('set-digest', 'old', 'push', { digest: DIGEST_A })).applyRules('corp').catch((e: unknown) => e);
    expect(old).toBeInstanceOf(RouteTableChanged);
    expect((old as Error).message).toContain('Lambda retries this asynchronous invocation');
    expect(writes.map((w) => w.writer)).toEqual(['before', 'deploy']);
    // The refused writer gave the lease back: the writer on B takes it at once and writes.
    await writer(store, writes, 'new', lock('set-digest', 'new', 'push', { digest: DIGEST_B, waitMs: 0 })).applyRules('corp');
    expect(writes.map((w) => w.writer)).toEqual(['before', 'deploy', 'new']);
    // A deploy without a digest (a template before it) removes the record: no writer is refused by a stale one.
    await writer(store, writes, 'deploy-2', lock('set-digest', 'deploy-2', 'deploy')).redeploy('corp');
    await writer(store, writes, 'any', lock('set-digest', 'any', 'push', { digest: DIGEST_A, waitMs: 0 })).applyRules('corp');
    expect(writes.map((w) => w.writer)).toEqual(['before', 'deploy', 'new', 'deploy-2', 'any']);
  });

  it('the mark holds even while the lease is free (between a release and the deploy\'s next try), ends when the deploy takes it or its wait passes', async () => {
    const lease = new DynamoRuleWriterLease(env.clients.doc, env.resources.tableName, 'set-mark');
    const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s));
    expect(await lease.acquire('push-1', t(0), t(600), { as: 'push' })).toEqual({ taken: true });
    expect(await lease.acquire('deploy', t(1), t(601), { as: 'deploy', waitUntil: t(240) })).toMatchObject({ taken: false, holder: { owner: 'push-1' } });
    await lease.release('push-1');
    // Free, but a deploy waits: no push writer takes it, and it says until when.
    expect(await lease.acquire('push-2', t(2), t(602), { as: 'push' })).toEqual({ taken: false, holder: { owner: 'none (released)', until: t(2) }, deployWaitingUntil: t(240) });
    // Once the deploy's wait is over (it gave up), push writers take it again.
    expect(await lease.acquire('push-2', t(241), t(841), { as: 'push' })).toEqual({ taken: true });
    await lease.release('push-2');
    // Taking the lease ends the deploy's mark; the digest it records is what a push writer learns.
    expect(await lease.acquire('push-3', t(242), t(842), { as: 'push' })).toEqual({ taken: true });
    expect(await lease.acquire('deploy-2', t(243), t(843), { as: 'deploy', waitUntil: t(483), routeTableDigest: DIGEST_B })).toMatchObject({ taken: false });
    await lease.release('push-3');
    expect(await lease.acquire('deploy-2', t(244), t(844), { as: 'deploy', waitUntil: t(483), routeTableDigest: DIGEST_B })).toEqual({ taken: true, routeTableDigest: DIGEST_B });
    await lease.release('deploy-2');
    expect(await lease.acquire('push-4', t(245), t(845), { as: 'push' })).toEqual({ taken: true, routeTableDigest: DIGEST_B });
  });

  it('as composed for the deploy, the lease records the custom resource\'s RouteTableDigest; as composed for a push, a writer on another digest is refused', async () => {
    // No SES call is made: the work inside the lease is the test's own.
    const ses = new SESClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    const compose = (writer: { as: 'deploy' | 'push'; routeTableDigest?: string }) =>
      composeRecipientSync({ doc: env.clients.doc, s3: env.clients.s3, tableName: env.resources.tableName, bucketName: env.resources.bucketName, routes: [route], rules: { ses, ruleSetName: 'set-composed' }, log: new RecordingDeliveryLog(), writer }).lock!;
    await compose({ as: 'deploy', routeTableDigest: DIGEST_B }).run(async () => undefined);
    const item = await env.clients.doc.send(new GetCommand({ TableName: env.resources.tableName, Key: { pk: 'rulewriter#set-composed', sk: 'lease' } }));
    expect(item.Item).toMatchObject({ routeTableDigest: DIGEST_B });
    expect(item.Item).not.toHaveProperty('owner'); // released, the record kept
    await expect(compose({ as: 'push', routeTableDigest: DIGEST_A }).run(async () => 'written')).rejects.toBeInstanceOf(RouteTableChanged);
    await expect(compose({ as: 'push', routeTableDigest: DIGEST_B }).run(async () => 'written')).resolves.toBe('written');
  });
});
