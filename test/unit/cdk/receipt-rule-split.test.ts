import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_RULE_RECIPIENTS, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { BackupMxStack } from '../../../lib/backup-mx-stack.js';
import { receiptRuleChunks } from '../../../lib/config/receipt-rule-chunks.js';
import { resources } from '../../support/cdk/stack-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'backup-mx-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synth(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BackupMxStack(app, 'BackupMx', { config: parseBackupMxConfig(context, { baseDir: dir }) });
  return Template.fromStack(stack);
}

type Rule = { Rule: { Name: string; Recipients: string[]; Actions: { S3Action: { ObjectKeyPrefix: string; TopicArn: unknown } }[] }; After?: unknown };

describe('long recipient lists become several receipt rules', () => {
  it('1,000 addresses in a file (plus an open domain) synthesize into 11 rules of at most 100, each address exactly once', () => {
    const addresses = Array.from({ length: 1000 }, (_, i) => `user${String(i).padStart(4, '0')}@example.com`);
    writeFileSync(join(dir, 'recipients.txt'), [...addresses].reverse().join('\n') + '\n');
    const template = synth({
      region: 'us-east-1',
      routes: [{ name: 'corp', domains: ['example.com', 'open.example'], recipientsFile: 'recipients.txt', primary: { host: 'mx.example.com', port: 587 } }],
    });
    // The canary's rule (one address, its own prefix) is no part of the route's split.
    const rules = Object.values(resources(template, 'AWS::SES::ReceiptRule')).map((r) => r.Properties as unknown as Rule).filter((r) => r.Rule.Name !== 'canary');
    expect(rules).toHaveLength(11); // 1,001 entries: 1,000 addresses and the open domain
    for (const { Rule: rule } of rules) {
      expect(rule.Recipients.length).toBeLessThanOrEqual(MAX_RULE_RECIPIENTS);
      // every rule stores under the route's prefix and notifies the route's topic
      expect(rule.Actions[0]!.S3Action.ObjectKeyPrefix).toBe('mail/corp/');
      expect(rule.Actions[0]!.S3Action.TopicArn).toEqual(rules[0]!.Rule.Actions[0]!.S3Action.TopicArn);
    }
    const matched = rules.flatMap((r) => r.Rule.Recipients);
    expect(matched).toHaveLength(1001);
    expect(new Set(matched)).toEqual(new Set([...addresses, 'open.example']));
    expect(rules.map((r) => r.Rule.Name).sort()).toEqual(['route-corp', ...Array.from({ length: 10 }, (_, i) => `route-corp-${i + 2}`)].sort());
    // the activation waits for every rule
    const activation = Object.values(template.findResources('Custom::SesRuleSetActivation'))[0] as { DependsOn: string[] };
    const ruleIds = Object.keys(resources(template, 'AWS::SES::ReceiptRule'));
    expect(ruleIds).toHaveLength(12);
    expect(activation.DependsOn).toEqual(expect.arrayContaining(ruleIds));
  });

  it('keeps one rule (and its old name) for a short list', () => {
    const template = synth({
      region: 'us-east-1',
      routes: [{ name: 'corp', domains: ['example.com'], recipients: ['a@example.com'], primary: { host: 'mx.example.com', port: 587 } }],
    });
    const rules = Object.values(resources(template, 'AWS::SES::ReceiptRule'));
    expect(rules.map((r) => (r.Properties as unknown as Rule).Rule.Name)).toEqual(['route-corp', 'canary']);
  });

  it('splits in a stable order: the same list shuffled gives the same rules', () => {
    const list = Array.from({ length: 250 }, (_, i) => `u${i}@${i % 2 ? 'a.example' : 'b.example'}`);
    const route = { domains: ['a.example', 'b.example'], recipients: list };
    const shuffled = { ...route, recipients: [...list.filter((_, i) => i % 3 === 0), ...list.filter((_, i) => i % 3 !== 0).reverse()] };
    expect(receiptRuleChunks(shuffled)).toEqual(receiptRuleChunks(route));
    // one domain's addresses stay together: only the chunk that crosses from a.example to b.example has both
    const mixed = receiptRuleChunks(route).filter((c) => new Set(c.map((e) => e.split('@')[1])).size > 1);
    expect(mixed).toHaveLength(1);
  });
});
