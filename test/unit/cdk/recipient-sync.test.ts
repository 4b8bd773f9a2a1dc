// A synced route in the template: one DISABLED template rule (its actions, no
// list), the custom resource that writes the synced rules from the stored list
// on every deploy that could undo them (after CloudFormation's rules, before
// the set is activated), and its function's narrow grants.
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { BackupMxStack } from '../../../lib/backup-mx-stack.js';
import { RECIPIENT_SYNC_RESOURCE_TYPE } from '../../../lib/constructs/recipient-sync-rules.js';
import { resources, statementsOf } from '../../support/cdk/stack-fixture.js';

function synth(routes: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BackupMxStack(app, 'BackupMx', { config: parseBackupMxConfig({ region: 'us-east-1', routes, ...extra }) });
  return Template.fromStack(stack);
}

const corp = { name: 'corp', domains: ['example.com'], primary: { host: 'mx.example.com', port: 587 } };
const other = { name: 'other', domains: ['other.example'], recipients: ['a@other.example'], primary: { host: 'mx.other.example', port: 587 } };
type Rule = { Rule: { Name: string; Enabled?: boolean; Recipients: string[] } };

describe('recipientSync in the template', () => {
  const template = synth([{ ...corp, recipients: ['seed@example.com'], recipientSync: { maxAddresses: 450 } }, other]);
  const rules = Object.values(resources(template, 'AWS::SES::ReceiptRule')).map((r) => (r.Properties as unknown as Rule).Rule);

  it('gives the synced route one disabled template rule with its domains and no list; other routes are unchanged', () => {
    expect(rules.find((r) => r.Name === 'tmpl-corp')).toMatchObject({ Enabled: false, Recipients: ['example.com'] });
    expect(rules.filter((r) => r.Name.startsWith('route-corp'))).toHaveLength(0);
    expect(rules.find((r) => r.Name === 'route-other')).toMatchObject({ Enabled: true, Recipients: ['a@other.example'] });
    expect(rules.some((r) => r.Name.startsWith('sync-'))).toBe(false);
  });

  it('has the custom resource, with the route, its budget, seed and the template\'s actions as properties, after the rules and before activation', () => {
    const found = template.findResources(RECIPIENT_SYNC_RESOURCE_TYPE);
    // Two passes (recipient-sync-deploy.ts): the gain pass before the static rules, the exact pass after every rule.
    expect(Object.values(found).map((r) => r.Properties.Phase).sort()).toEqual(['exact', 'gain']);
    const [id, resource] = Object.entries(found).find(([, r]) => r.Properties.Phase === 'exact')! as [string, { Properties: Record<string, unknown>; DependsOn: string[] }];
    expect(resource.Properties).toMatchObject({
      RuleSetName: 'backup-mx',
      Routes: [{ Name: 'corp', Domains: ['example.com'], MaxShrinkPercent: 10, MaxAddresses: 450, Seed: ['seed@example.com'] }],
      Template: [{ Route: 'corp', Rule: 'tmpl-corp', Prefix: 'mail/corp/', TlsPolicy: 'optional' }],
    });
    const ruleIds = Object.keys(resources(template, 'AWS::SES::ReceiptRule'));
    expect(resource.DependsOn).toEqual(expect.arrayContaining(ruleIds));
    const activation = Object.values(template.findResources('Custom::SesRuleSetActivation'))[0] as { DependsOn: string[] };
    expect(activation.DependsOn).toContain(id);
  });

  it('its function may write receipt rules, the recipients# items and the list bodies, and no mail', () => {
    const statements = statementsOf(template, 'writes the synced routes');
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ses:CreateReceiptRule', 'ses:UpdateReceiptRule', 'ses:DeleteReceiptRule', 'dynamodb:UpdateItem', 's3:PutObject']));
    expect(actions).not.toContain('ses:SetActiveReceiptRuleSet');
    expect(JSON.stringify(statements)).toContain('recipients#*');
    expect(JSON.stringify(statements)).toContain('/recipient-lists/*');
    expect(JSON.stringify(statements)).not.toContain('/mail/');
    // Only the deploy deletes a list's pointer (retiring the list of a route that stops syncing); the push's writer may not.
    const deletes = (s: { Action: string | string[] }[]) => s.filter((x) => [x.Action].flat().includes('dynamodb:DeleteItem')).map((x) => JSON.stringify(x));
    expect(deletes(statements).some((x) => x.includes('recipients#*'))).toBe(true);
    expect(deletes(statementsOf(template, 'after a push')).some((x) => x.includes('recipients#*'))).toBe(false);
  });

  it('is absent when no route syncs', () => {
    expect(Object.keys(synth([corp]).findResources(RECIPIENT_SYNC_RESOURCE_TYPE))).toHaveLength(0);
  });
});

describe('recipientSync: synth warns when a switch would pass 200 rules mid-deploy', () => {
  it('names the route and the numbers as a warning (the template still synthesizes)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const addresses = (n: number, domain: string) => Array.from({ length: n }, (_, i) => `u${i}@${domain}`);
    const big = { name: 'big', domains: ['big.example'], recipients: addresses(9_900, 'big.example'), primary: { host: 'mx.big.example', port: 587 } };
    const config = parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [{ ...corp, recipients: addresses(3_000, 'example.com'), recipientSync: { maxAddresses: 10_000 } }, big] });
    const stack = new BackupMxStack(app, 'BackupMx', { config });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('routes\\[0\\] \\("corp"\\).*230 SES receipt rules'))).toHaveLength(1);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('none when the switch fits', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new BackupMxStack(app, 'BackupMx', { config: parseBackupMxConfig({ region: 'us-east-1', routes: [{ ...corp, recipients: ['seed@example.com'], recipientSync: {} }, other] }) });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('SES receipt rules'))).toEqual([]);
  });
});
