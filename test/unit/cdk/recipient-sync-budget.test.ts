// The deploy's custom resource never runs past its function's timeout waiting
// for the rule writers' lease: the wait plus a full write of the rule set fit
// well inside 15 minutes (the arithmetic, on the code's constants), and
// CloudFormation gives up on an unanswered resource in 20 minutes, not the
// default hour. The resource carries the route table's digest the functions
// carry, which the deploy records under the lease (a push writer on another
// table writes nothing after it).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONTROL_PLANE_INTERVAL_MS } from '../../../lambdas/adapters/aws/rule-set/ses-recipient-rules.js';
import { DEPLOY_LEASE_WAIT_MS, PUSH_WRITER_LEASE_WAIT_MS } from '../../../lambdas/app/compose-recipients.js';
import { ENV } from '../../../lambdas/config/settings.js';
import { RULE_WRITER_LEASE_MS, RULE_WRITER_POLL_MS } from '../../../lambdas/core/recipients/rule-writer-lock.js';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { MAX_RULES_PER_SET } from '../../../lib/config/receipt-rule-chunks.js';
import { BackupMxStack } from '../../../lib/backup-mx-stack.js';
import { RECIPIENT_SYNC_RESOURCE_TYPE, RECIPIENT_SYNC_SERVICE_TIMEOUT, RECIPIENT_SYNC_TIMEOUT } from '../../../lib/constructs/recipient-sync-rules.js';

const MINUTE = 60_000;
/** SES's one call a second, at most once per rule of the set: each is created, updated or deleted once in a pass. */
const RULE_WRITES = MAX_RULES_PER_SET;
/** Two reads per route (its template rule, the set's rules); a synced route has a template and at least one rule. */
const READS = 2 * (MAX_RULES_PER_SET / 2);
/** Left for SES throttling retries, DynamoDB and S3 reads, cold start: the pass must end this much before the timeout. */
const HEADROOM_MS = 3 * MINUTE;

describe('the deploy\'s lease wait and write inside its function\'s timeout', () => {
  const timeoutMs = RECIPIENT_SYNC_TIMEOUT.toMilliseconds();

  it('waiting the whole bound, then writing a full rule set (one call a second), still ends with headroom before 15 minutes', () => {
    const write = (RULE_WRITES + READS) * CONTROL_PLANE_INTERVAL_MS; // 400 s
    const worst = DEPLOY_LEASE_WAIT_MS + RULE_WRITER_POLL_MS + write;
    expect(worst).toBeLessThanOrEqual(timeoutMs - HEADROOM_MS);
    expect(timeoutMs).toBe(15 * MINUTE);
  });

  it('waits long enough for a push writer already writing a full route (199 rules and its reads) to finish', () => {
    expect(DEPLOY_LEASE_WAIT_MS).toBeGreaterThan((MAX_RULES_PER_SET - 1 + 2) * CONTROL_PLANE_INTERVAL_MS);
    // A push writer may wait as long: it is retried by Lambda, and gives way to the deploy anyway.
    expect(PUSH_WRITER_LEASE_WAIT_MS).toBeLessThan(timeoutMs);
    // A lease outlives its writer's function, so one that died frees it by expiry.
    expect(RULE_WRITER_LEASE_MS).toBeGreaterThan(timeoutMs);
  });
});

describe('the RecipientSync custom resource in the template', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = parseBackupMxConfig({
    region: 'us-east-1',
    routes: [
      { name: 'corp', domains: ['example.com'], recipients: ['seed@example.com'], recipientSync: { maxAddresses: 450 }, primary: { host: 'mx.example.com', port: 587 } },
      { name: 'other', domains: ['other.example'], primary: { host: 'mx.other.example', port: 587 } },
    ],
  });
  const template = Template.fromStack(new BackupMxStack(app, 'BackupMx', { config }));
  const resource = Object.values(template.findResources(RECIPIENT_SYNC_RESOURCE_TYPE))[0]!.Properties as Record<string, unknown>;
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties as { Description?: string; Timeout?: number; Environment?: { Variables?: Record<string, unknown> } });

  it('has a ServiceTimeout inside CloudFormation\'s 1-3600 s, above both functions answering for it (its own and the CDK provider\'s), far below the default hour', () => {
    const serviceTimeout = Number(resource.ServiceTimeout);
    expect(serviceTimeout).toBe(RECIPIENT_SYNC_SERVICE_TIMEOUT.toSeconds());
    expect(serviceTimeout).toBeGreaterThanOrEqual(1);
    expect(serviceTimeout).toBeLessThanOrEqual(30 * 60);
    const deploy = functions.find((f) => f.Description?.includes('synced routes\' SES receipt rules from the stored lists on deploy'))!;
    const framework = functions.find((f) => f.Description?.includes('AWS CDK resource provider framework - onEvent') && f.Description.includes('RecipientSync'))!;
    expect(deploy.Timeout).toBe(RECIPIENT_SYNC_TIMEOUT.toSeconds());
    expect(framework.Timeout).toBe(15 * 60);
    expect(serviceTimeout).toBeGreaterThan(deploy.Timeout!);
    expect(serviceTimeout).toBeGreaterThan(framework.Timeout!);
  });

  it('carries RouteTableDigest, the digest the push\'s rule writer (and every function reading the route table) carries', () => {
    const digests = new Set(functions.map((f) => f.Environment?.Variables?.[ENV.routeTableDigest]).filter((d) => d !== undefined));
    expect(digests.size).toBe(1);
    expect(resource.RouteTableDigest).toMatch(/^[0-9a-f]{64}$/);
    expect([...digests]).toEqual([resource.RouteTableDigest]);
    const writer = functions.find((f) => f.Description?.includes('after a push (event { applyRules: route } only)'))!;
    expect(writer.Environment!.Variables![ENV.routeTableDigest]).toBe(resource.RouteTableDigest);
  });

  it('leaves the push\'s rule writer Lambda\'s async retries (a writer on the previous route table throws and is retried with the new one)', () => {
    const writerId = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, f]) => (f.Properties as { Description?: string }).Description?.includes('after a push (event { applyRules: route } only)'))![0];
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).filter((c) => JSON.stringify(c).includes(writerId));
    expect(configs.filter((c) => (c.Properties as { MaximumRetryAttempts?: number }).MaximumRetryAttempts === 0)).toEqual([]);
  });
});
