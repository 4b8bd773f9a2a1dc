// What the operator sees of a synced route (recipientSync) on the local
// backup MX, through the CLI against the emulators and a scripted primary:
// `recipients verify --push --json` is one JSON document; `status` says when
// a list's rules stay pending past what the rule writer can take; doctor's
// backscatter check reads the stored list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../cli/doctor/check.js';
import type { RouteStatus } from '../../../cli/commands/status.js';
import { RULES_PENDING_PROBLEM_SECONDS } from '../../../cli/recipient-list-status.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3RecipientListStore } from '../../../lambdas/adapters/aws/recipient-list-store.js';
import { RECIPIENT_SYNC_TIMEOUT } from '../../../lib/constructs/recipient-sync-rules.js';
import { TestDnsServer } from '../../support/net/dns-server.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('a synced route, as the CLI shows it', () => {
  let fx: LocalFixture;
  let store: S3RecipientListStore;
  beforeAll(async () => {
    fx = await startLocalFixture({ syncMain: true, bouncePolicy: 'dsn', dsnPerHour: 50 });
    store = new S3RecipientListStore(fx.clients.doc, fx.resources.tableName, fx.clients.s3, fx.resources.bucketName);
  });
  afterAll(() => fx?.stop());

  it('recipients verify --push --json prints one document: the report with the push inside', async () => {
    // The route has no seed: its first list is taken only with force (the shrink guard).
    fx.primary.script = { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'User unknown' } } };
    const { code, io } = await fx.cli('recipients', 'verify', '--route', 'main', '--rate', '50', '--push', '--force', '--json', 'bob@example.com', 'carol@example.com', 'gone@example.com');
    expect(code).toBe(1); // one refused: verify's exit, after the push was stored
    const doc = JSON.parse(io.text) as Record<string, unknown>;
    expect(doc).toMatchObject({
      route: 'main',
      checked: 3,
      accepted: 2,
      push: { route: 'main', dryRun: false, added: ['bob@example.com', 'carol@example.com'], removed: [], total: 2, version: 1, unchanged: false, rulesPending: false },
    });
    expect(await store.read('main')).toMatchObject({ version: 1, addresses: ['bob@example.com', 'carol@example.com'], source: 'verify' });
  });

  it('a refused push is inside the same document (and on stderr), exit 1', async () => {
    fx.primary.script = { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'User unknown' } } };
    // Everything refused: the push would be empty, which is always refused.
    const { code, io } = await fx.cli('recipients', 'verify', '--route', 'main', '--rate', '50', '--push', '--json', 'gone@example.com');
    expect(code).toBe(1);
    expect(JSON.parse(io.text)).toMatchObject({ checked: 1, accepted: 0, push: { refused: { reason: 'empty', message: expect.any(String) } } });
    expect(io.stderr.join('\n')).toMatch(/recipients push main: refused \(empty\)/);
    expect(await store.read('main')).toMatchObject({ version: 1 });
  });

  it('doctor judges the synced route by its stored list (its rules written), not by the seed', async () => {
    const dns = await TestDnsServer.start({});
    const doctor = await fx.cli('doctor', '--json', '--dns-server', dns.address).finally(() => dns.stop());
    expect(doctor.io.json<CheckResult[]>().find((r) => r.check === 'backscatter main')).toMatchObject({ status: 'ok', detail: expect.stringContaining('only the synced list (version 1 in place)') });
  });

  it('status: rules pending a short while is said in the list line; past the writer\'s longest run it is a problem, in --json too', async () => {
    const before = await store.read('main');
    // A version stored now whose rules are not written: the rule writer is at work.
    expect(await store.write('main', { addresses: ['bob@example.com', 'carol@example.com', 'dave@example.com'], updatedAt: new Date(), source: 'push', forced: false }, before!.version)).toBe(true);
    const fresh = await fx.cli('status');
    expect(fresh.io.text).toMatch(/^main recipients: 3 addresses synced \(version 2, \d+s ago, by push\); rules pending \(version 1 in place/m);
    expect(fresh.io.text).not.toContain('rules for list version');
    expect((await fx.cli('status', '--json')).io.json<RouteStatus[]>().find((s) => s.route === 'main')!.recipientList).not.toHaveProperty('rulesStuckSince');

    // One stored longer ago than the writer can run: it failed, or was never asked.
    const since = new Date(Date.now() - (RULES_PENDING_PROBLEM_SECONDS + 60) * 1000);
    expect(await store.write('main', { addresses: ['bob@example.com', 'carol@example.com', 'erin@example.com'], updatedAt: since, source: 'push', forced: false }, 2)).toBe(true);
    const stuck = await fx.cli('status');
    expect(stuck.io.text).toContain('problems (README: Alarms):');
    expect(stuck.io.text).toContain(`  main: rules for list version 3 not written since ${since.toISOString()} (17m `);
    expect(stuck.io.text).toMatch(/the rule writer failed\? see the runner's log; SES still takes list version 1\./);
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>().find((s) => s.route === 'main')!;
    expect(json.recipientList).toMatchObject({ version: 3, appliedVersion: 1, rulesStuckSince: since.toISOString() });

    // Once the writer notes the version applied, the problem is gone.
    await store.markApplied('main', 3, new Date());
    const done = await fx.cli('status');
    expect(done.io.text).not.toContain('rules for list version');
    expect(done.io.text).toMatch(/^main recipients: 3 addresses synced \(version 3, 17m \d+s ago, by push\)$/m);
  });

  it('status: a stored list whose body no longer matches its SHA-256 shows the pointer\'s count and is a problem, in --json too', async () => {
    const item = (await fx.clients.doc.send(new GetCommand({ TableName: fx.resources.tableName, Key: { pk: 'recipients#main', sk: 'list' } }))).Item!;
    await fx.clients.s3.send(new PutObjectCommand({ Bucket: fx.resources.bucketName, Key: item.bodyKey as string, Body: 'bob@example.com\nintruder@example.com' }));
    const shown = await fx.cli('status');
    expect(shown.io.text).toMatch(/^main recipients: 3 addresses synced \(version 3, /m);
    expect(shown.io.text).toContain(`  main: stored list version 3 (3 addresses) cannot be used: `);
    expect(shown.io.text).toContain(`(${item.bodyKey as string}); SES keeps the rules in place`);
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>().find((s) => s.route === 'main')!;
    expect(json.recipientList).toMatchObject({ count: 3, unreadable: { key: item.bodyKey, reason: expect.stringContaining('SHA-256') } });
  });

  it('the threshold outlasts the rule writer\'s longest run', () => {
    expect(RULES_PENDING_PROBLEM_SECONDS).toBeGreaterThan(RECIPIENT_SYNC_TIMEOUT.toSeconds());
  });
});
