// The synced routes' receipt rules on a mocked SES (aws-sdk-client-mock) that
// keeps the rule set as SES would: rules written from the stored list, split
// at 100 recipients, copying the template rule's actions; unneeded rules
// deleted; calls paced a second apart; and the deploy's custom resource that
// writes the pushed list again, so a deploy does not undo a push.
import {
  CreateReceiptRuleCommand,
  DeleteReceiptRuleCommand,
  DescribeReceiptRuleCommand,
  DescribeReceiptRuleSetCommand,
  SESClient,
  UpdateReceiptRuleCommand,
  type ReceiptRule,
} from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SesRecipientRules, syncRuleName, TemplateRuleMissingError } from '../../../lambdas/adapters/aws/rule-set/ses-recipient-rules.js';
import { InMemoryRecipientListStore, ManualClock, RecordingDeliveryLog } from '../../../lambdas/adapters/fakes/index.js';
import { RuleWriterLock } from '../../../lambdas/core/recipients/rule-writer-lock.js';
import { SyncRecipients } from '../../../lambdas/core/recipients/sync-recipients.js';
import { makeRecipientSyncHandler, syncedRouteOf, type RecipientSyncEvent, type RecipientSyncProperties } from '../../../lambdas/handlers/recipient-sync-deploy.js';
import { MAX_RULE_RECIPIENTS, MAX_RULES_PER_SET } from '../../../lib/config/receipt-rule-chunks.js';

const SET = 'backup-mx';
const ses = mockClient(SESClient);
/** The rule set SES holds, in order. */
let rules: ReceiptRule[];

const templateRule: ReceiptRule = {
  Name: 'tmpl-corp',
  Enabled: false,
  Recipients: ['example.com'],
  ScanEnabled: true,
  TlsPolicy: 'Require',
  Actions: [{ S3Action: { BucketName: 'mail-bucket', ObjectKeyPrefix: 'mail/corp/', TopicArn: 'arn:aws:sns:us-east-1:111122223333:corp' } }],
};

beforeEach(() => {
  rules = [structuredClone(templateRule), { Name: 'route-other', Enabled: true, Recipients: ['other.example'] }];
  ses.on(DescribeReceiptRuleCommand).callsFake((input: { RuleName: string }) => {
    const rule = rules.find((r) => r.Name === input.RuleName);
    if (!rule) throw Object.assign(new Error('no such rule'), { name: 'RuleDoesNotExistException' });
    return { Rule: structuredClone(rule) };
  });
  ses.on(DescribeReceiptRuleSetCommand).callsFake(() => ({ Metadata: { Name: SET }, Rules: structuredClone(rules) }));
  ses.on(CreateReceiptRuleCommand).callsFake((input: { After?: string; Rule: ReceiptRule }) => {
    if (rules.length >= MAX_RULES_PER_SET) throw Object.assign(new Error('rule limit'), { name: 'LimitExceededException' });
    if ((input.Rule.Recipients ?? []).length > MAX_RULE_RECIPIENTS) throw Object.assign(new Error('too many recipients'), { name: 'InvalidParameterValue' });
    const at = input.After ? rules.findIndex((r) => r.Name === input.After) + 1 : 0;
    rules.splice(at, 0, structuredClone(input.Rule));
    return {};
  });
  ses.on(UpdateReceiptRuleCommand).callsFake((input: { Rule: ReceiptRule }) => {
    rules[rules.findIndex((r) => r.Name === input.Rule.Name)] = structuredClone(input.Rule);
    return {};
  });
  ses.on(DeleteReceiptRuleCommand).callsFake((input: { RuleName: string }) => {
    rules = rules.filter((r) => r.Name !== input.RuleName);
    return {};
  });
});
afterEach(() => ses.reset());

const writer = (sleeps: number[] = []) => {
  let clock = 0;
  return new SesRecipientRules(new SESClient({ region: 'us-east-1' }), SET, {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
};
const corp = { name: 'corp', domains: ['example.com'] };
const corpBudget = { ...corp, maxAddresses: 1_000 };
const addresses = (n: number) => Array.from({ length: n }, (_, i) => `user${String(i).padStart(5, '0')}@example.com`);
const synced = () => rules.filter((r) => r.Name!.startsWith('sync-corp-'));

describe('SesRecipientRules', () => {
  it('450 addresses become 5 enabled rules of at most 100, after the template, with its actions, scan and TLS policy', async () => {
    const report = await writer().apply(corp, addresses(450));
    expect(report).toEqual({ rules: 5, created: 5, updated: 0, deleted: 0 });
    expect(rules.map((r) => r.Name)).toEqual(['tmpl-corp', 'sync-corp-1', 'sync-corp-2', 'sync-corp-3', 'sync-corp-4', 'sync-corp-5', 'route-other']);
    expect(synced().map((r) => r.Recipients!.length)).toEqual([100, 100, 100, 100, 50]);
    expect(synced().flatMap((r) => r.Recipients)).toEqual(addresses(450));
    for (const rule of synced()) expect(rule).toMatchObject({ Enabled: true, ScanEnabled: true, TlsPolicy: 'Require', Actions: templateRule.Actions });
    expect(rules.find((r) => r.Name === 'tmpl-corp')?.Enabled).toBe(false);
  });

  it('a smaller list updates what changed and deletes the rules no longer needed; another route\'s rules are untouched', async () => {
    await writer().apply(corp, addresses(450));
    const report = await writer().apply(corp, addresses(150));
    expect(report).toEqual({ rules: 2, created: 0, updated: 1, deleted: 3 });
    expect(synced().map((r) => r.Name)).toEqual(['sync-corp-1', 'sync-corp-2']);
    expect(rules.find((r) => r.Name === 'route-other')).toBeDefined();
    ses.resetHistory();
    await expect(writer().apply(corp, addresses(150))).resolves.toEqual({ rules: 2, created: 0, updated: 0, deleted: 0 });
    expect(ses.commandCalls(UpdateReceiptRuleCommand)).toHaveLength(0);
  });

  it('450 addresses and one new early address: ONE update (the rule with room), no address moves, none unmatched', async () => {
    await writer().apply(corpBudget, addresses(450));
    const before = structuredClone(synced());
    ses.resetHistory();
    const report = await writer().apply(corpBudget, ['aaron@example.com', ...addresses(450)]);
    expect(report).toEqual({ rules: 5, created: 0, updated: 1, deleted: 0 });
    expect(ses.commandCalls(UpdateReceiptRuleCommand)).toHaveLength(1);
    expect(ses.commandCalls(UpdateReceiptRuleCommand)[0]!.args[0].input.Rule!.Name).toBe('sync-corp-5');
    expect(synced().slice(0, 4)).toEqual(before.slice(0, 4));
    expect(synced()[4]!.Recipients).toEqual([...addresses(450).slice(400), 'aaron@example.com']);
  });

  it('moving addresses between rules: every address that stays is matched after every SES call (the writer paced a second a call)', async () => {
    await writer().apply({ ...corpBudget, maxAddresses: 300 }, addresses(300));
    const keep = addresses(300).filter((_, i) => i % 3 !== 0);
    const added = Array.from({ length: 100 }, (_, i) => `new${String(i).padStart(3, '0')}@example.com`);
    const unmatched: string[] = [];
    const check = () => {
      const matched = new Set(synced().flatMap((r) => r.Recipients ?? []));
      unmatched.push(...keep.filter((a) => !matched.has(a)));
    };
    // Check the set after every call the writer makes.
    const client = new SESClient({ region: 'us-east-1' });
    const send = client.send.bind(client);
    (client as { send: unknown }).send = async (command: Parameters<typeof send>[0]) => {
      const out = await send(command);
      check();
      return out;
    };
    const watched = new SesRecipientRules(client, SET, { sleep: async () => undefined });
    await watched.apply({ ...corpBudget, maxAddresses: 300 }, [...keep, ...added]);
    expect(unmatched).toEqual([]);
    expect(new Set(synced().flatMap((r) => r.Recipients))).toEqual(new Set([...keep, ...added]));
    expect(synced().length).toBeLessThanOrEqual(3);
  });

  it('a changed template (new bucket or topic after a deploy) is copied into every rule', async () => {
    await writer().apply(corp, addresses(150));
    rules[0]!.Actions = [{ S3Action: { BucketName: 'new-bucket', ObjectKeyPrefix: 'mail/corp/', TopicArn: 'arn:aws:sns:us-east-1:111122223333:corp2' } }];
    await expect(writer().apply(corp, addresses(150))).resolves.toMatchObject({ updated: 2 });
    for (const rule of synced()) expect(rule.Actions![0]!.S3Action!.BucketName).toBe('new-bucket');
  });

  it('20,000 addresses are 200 rules: the whole set, so SES refuses the rule past its 200 (the config budget refuses it first)', async () => {
    await expect(writer().apply(corp, addresses(20_000))).rejects.toMatchObject({ name: 'LimitExceededException' });
    expect(rules).toHaveLength(MAX_RULES_PER_SET);
  });

  it('paces the control-plane calls a second apart (SES: about one call a second): 5 rules take 6 waits', async () => {
    const sleeps: number[] = [];
    await writer(sleeps).apply(corp, addresses(450));
    // DescribeReceiptRule, DescribeReceiptRuleSet, 5 creates: 7 calls, each after the first waits 1 s.
    expect(ses.calls()).toHaveLength(7);
    expect(sleeps).toEqual(Array(6).fill(1_000));
  });

  it('the largest list a set can hold beside two rules (19,800 addresses, 198 rules) takes about 200 s at one call a second', async () => {
    const sleeps: number[] = [];
    await expect(writer(sleeps).apply(corp, addresses(19_800))).resolves.toMatchObject({ rules: 198, created: 198 });
    expect(rules).toHaveLength(MAX_RULES_PER_SET);
    // 2 reads + 198 creates = 200 calls, 199 waits of a second.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(199_000);
  });

  it('says the template rule is missing (deploy first) instead of writing rules without actions', async () => {
    rules = [];
    await expect(writer().apply(corp, addresses(3))).rejects.toBeInstanceOf(TemplateRuleMissingError);
  });

  it('names rules so they never collide with the template\'s (route-…, canary) nor with a route whose name extends this one', async () => {
    expect(syncRuleName('corp', 0)).toBe('sync-corp-1');
    rules.push({ Name: 'sync-corp-2-1', Enabled: true, Recipients: ['x@corp2.example'] });
    await writer().apply(corp, addresses(3));
    expect(rules.find((r) => r.Name === 'sync-corp-2-1')).toBeDefined();
  });
});

describe('the deploy\'s custom resource (Custom::RecipientSync)', () => {
  const props = (extra: Partial<RecipientSyncProperties> = {}): RecipientSyncProperties => ({
    RuleSetName: SET,
    TableName: 'table',
    BucketName: 'bucket',
    Routes: [{ Name: 'corp', Domains: ['example.com'], MaxShrinkPercent: '10', MaxAddresses: '1000', Seed: ['seed@example.com'] }],
    ...extra,
  });

  function setup() {
    const store = new InMemoryRecipientListStore();
    const rulesWriter = writer();
    const build = (p: RecipientSyncProperties) => ({
      sync: new SyncRecipients({ routes: p.Routes.map(syncedRouteOf), store, rules: rulesWriter, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog() }),
      rules: rulesWriter,
      store,
    });
    return { store, handler: makeRecipientSyncHandler(build, { info: () => undefined }), build };
  }

  it('Create stores the seed and writes its rules; a later deploy writes the pushed list, not the seed', async () => {
    const { handler, build } = setup();
    const created = await handler({ RequestType: 'Create', ResourceProperties: props() });
    expect(created.PhysicalResourceId).toBe('recipient-sync-backup-mx');
    expect(synced().flatMap((r) => r.Recipients)).toEqual(['seed@example.com']);
    await build(props()).sync.push('corp', ['seed@example.com', ...addresses(449)], { source: 'push' });
    expect(synced()).toHaveLength(5);
    // CloudFormation rebuilt its part (say the template's topic changed) and lost nothing of ours, or lost it all: either way.
    rules = rules.filter((r) => !r.Name!.startsWith('sync-'));
    const update: RecipientSyncEvent = { RequestType: 'Update', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: props({ Template: 'changed' }), OldResourceProperties: props() };
    const updated = await handler(update);
    expect(synced().flatMap((r) => r.Recipients)).toHaveLength(450);
    expect(synced().flatMap((r) => r.Recipients)).toContain('seed@example.com');
    expect(updated.Data.Summary).toContain('corp: list version 2 (450 addresses, push); 5 rules, 5 created');
  });

  it('holds the rule set\'s writer lease (one per invocation) for the whole pass: removals of routes that stopped syncing and each route\'s write', async () => {
    const { store } = setup();
    const events: string[] = [];
    let held = false;
    // The real lock (reentrant within one invocation) on a lease that notes each take and release.
    const lock = new RuleWriterLock({
      lease: {
        acquire: async () => (events.push('take'), (held = true), { taken: true as const }),
        release: async () => void (events.push('release'), (held = false)),
      },
      clock: { now: () => new Date() },
      sleep: async () => undefined,
      owner: 'deploy',
      as: 'deploy',
      waitMs: 0,
      log: new RecordingDeliveryLog(),
    });
    const inner = writer();
    const watched = { apply: (...a: Parameters<typeof inner.apply>) => (events.push(`apply held=${held}`), inner.apply(...a)), remove: (r: string) => (events.push(`remove held=${held}`), inner.remove(r)) };
    const handler = makeRecipientSyncHandler((p) => {
      const sync = new SyncRecipients({ routes: p.Routes.map(syncedRouteOf), store, rules: watched, clock: new ManualClock(new Date('2026-12-01T10:00:00Z')), log: new RecordingDeliveryLog(), lock });
      return { sync, rules: watched, store, lock };
    }, { info: () => undefined });
    const old = props({ Routes: [...props().Routes, { Name: 'gone', Domains: ['gone.example'], MaxShrinkPercent: '10', MaxAddresses: '100' }] });
    await handler({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-backup-mx', ResourceProperties: props(), OldResourceProperties: old });
    expect(events).toEqual(['take', 'remove held=true', 'apply held=true', 'release']);
  });

  it('a route that stops syncing loses its rules; Delete removes every synced rule', async () => {
    const { handler } = setup();
    await handler({ RequestType: 'Create', ResourceProperties: props() });
    expect(synced()).toHaveLength(1);
    await handler({ RequestType: 'Update', PhysicalResourceId: 'recipient-sync-backup-mx', ResourceProperties: props({ Routes: [] }), OldResourceProperties: props() });
    expect(synced()).toHaveLength(0);
    await handler({ RequestType: 'Create', ResourceProperties: props() });
    await handler({ RequestType: 'Delete', PhysicalResourceId: 'recipient-sync-backup-mx', ResourceProperties: props() });
    expect(rules.map((r) => r.Name)).toEqual(['tmpl-corp', 'route-other']);
  });
});
