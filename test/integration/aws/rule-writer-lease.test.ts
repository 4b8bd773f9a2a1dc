// The rule set's writer lease on DynamoDB (dynalite): two writers (a deploy and
// a push's writer, each its own invocation) never write SES at the same time;
// a writer that waited too long fails naming the holder; a lease whose writer
// died frees itself by expiry; only its owner releases it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRuleWriterLease } from '../../../lambdas/adapters/aws/dynamo-rule-writer-lease.js';
import { InMemoryRecipientListStore, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import type { RecipientRules, RuleApplyReport } from '../../../lambdas/core/recipients/ports.js';
import { RuleWriterBusy, RuleWriterLock } from '../../../lambdas/core/recipients/rule-writer-lock.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../lambdas/core/recipients/synced-route.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

const clock = { now: () => new Date() };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const PUSH = { as: 'push' } as const;
const route: SyncedRoute = { name: 'corp', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 1000 };

/** SES as a recording fake: each rule write is three calls 40 ms apart, each noted with its writer and time. */
class RecordingSes implements RecipientRules {
  constructor(private readonly writer: string, private readonly calls: { writer: string; at: number }[]) {}
  async apply(): Promise<RuleApplyReport> {
    for (let i = 0; i < 3; i += 1) {
      this.calls.push({ writer: this.writer, at: performance.now() });
      await sleep(40);
    }
    return { rules: 1, created: 0, updated: 1, deleted: 0 };
  }
  async remove(): Promise<number> {
    return 0;
  }
}

describe('DynamoRuleWriterLease and RuleWriterLock', () => {
  let env: EmulatorEnv;
  beforeAll(async () => {
    env = await startEmulatorEnv();
  });
  afterAll(() => env?.stop());

  const lease = (ruleSet = 'backup-mx') => new DynamoRuleWriterLease(env.clients.doc, env.resources.tableName, ruleSet);
  const lock = (owner: string, waitMs = 5_000, ruleSet = 'backup-mx') =>
    new RuleWriterLock({ lease: lease(ruleSet), clock, sleep, owner, as: 'push', waitMs, pollMs: 10, log: new RecordingDeliveryLog() });

  it('two writers started together never overlap: every SES call of one comes before every call of the other', async () => {
    const store = new InMemoryRecipientListStore();
    await store.write('corp', { addresses: ['a@example.com'], updatedAt: new Date(), source: 'push', forced: false }, 0);
    const calls: { writer: string; at: number }[] = [];
    const writer = (name: string) => new SyncRecipients({ routes: [route], store, rules: new RecordingSes(name, calls), clock, log: new RecordingDeliveryLog(), lock: lock(name) });
    await Promise.all([writer('deploy').redeploy('corp'), writer('push').applyRules('corp'), writer('push2').applyRules('corp')]);
    expect(calls).toHaveLength(9);
    // Grouped by writer in time order: each writer's three calls are consecutive.
    const order = calls.sort((a, b) => a.at - b.at).map((c) => c.writer);
    const runs = order.filter((w, i) => i === 0 || order[i - 1] !== w);
    expect(runs, order.join(',')).toHaveLength(3);
    expect(new Set(runs).size).toBe(3);
  });

  it('a writer waits at most its bound, then fails naming the holder and until when', async () => {
    const holder = lock('deploy-1', 5_000, 'set-busy');
    let release!: () => void;
    const held = holder.run(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(50);
    const started = Date.now();
    const error = await lock('push-1', 200, 'set-busy').run(async () => 'written').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleWriterBusy);
    expect((error as Error).message).toMatch(/another writer \(deploy-1\) holds the rule set's write lease until \d{4}-/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    release();
    await held;
    // Released at the end: the next writer takes it at once.
    await expect(lock('push-2', 0, 'set-busy').run(async () => 'written')).resolves.toBe('written');
  });

  it('a lease whose writer died expires by itself; only its owner releases it; each rule set has its own', async () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const until = new Date(now.getTime() + 16 * 60_000);
    expect(await lease('set-dead').acquire('died', now, until, PUSH)).toEqual({ taken: true });
    expect(await lease('set-dead').acquire('other', new Date(until.getTime() - 1), new Date(until.getTime() + 60_000), PUSH)).toEqual({ taken: false, holder: { owner: 'died', until } });
    expect(await lease('set-else').acquire('other', now, until, PUSH)).toEqual({ taken: true });
    await lease('set-dead').release('other'); // not its lease: nothing happens
    expect(await lease('set-dead').acquire('other', now, until, PUSH)).toMatchObject({ taken: false });
    expect(await lease('set-dead').acquire('other', until, new Date(until.getTime() + 60_000), PUSH)).toEqual({ taken: true });
  });
});
