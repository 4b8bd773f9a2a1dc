import { describe, expect, it } from 'vitest';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { BASE_CONTEXT, buildStack } from '../../support/cdk/stack-fixture.js';

function violations(context: Record<string, unknown>) {
  const { stack } = buildStack(context);
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  return report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

const FULL = {
  region: 'eu-west-1',
  egress: 'vpc-nat',
  alarmEmail: 'ops@alerts.example.net',
  alarms: { webhookUrls: ['https://events.pagerduty.com/integration/0123456789abcdef/enqueue'], smsNumbers: ['+14155550123'], topicArns: ['arn:aws:sns:eu-west-1:123456789012:ops-alerts'] },
  routes: [
    {
      name: 'corp',
      domains: ['example.org'],
      recipients: ['a@example.org'],
      primary: { host: 'mx.example.org', port: 25, tls: 'verify', authSecretName: 'backup-mx/corp' },
    },
    { name: 'two', domains: ['two.example'], primary: { host: '192.0.2.10', port: 587 } },
  ],
};

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged errors or warnings in the default shape', () => {
    expect(violations(BASE_CONTEXT)).toEqual([]);
  });

  it('has none with vpc-nat, several routes, AUTH secrets and alarm e-mail', () => {
    expect(violations(FULL)).toEqual([]);
  });

  it('has none with a route whose recipient list the primary pushes (recipientSync)', () => {
    expect(violations({ ...FULL, routes: FULL.routes.map((route, i) => (i === 0 ? { ...route, recipientSync: {} } : route)) })).toEqual([]);
  });

  it('every acknowledgement carries a written reason', () => {
    const { stack } = buildStack(FULL);
    const reasons = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string | { reason: string }>));
    expect(reasons.length).toBeGreaterThan(5);
    for (const [id, value] of reasons) {
      const reason = typeof value === 'string' ? value : value.reason;
      expect(reason.length, id).toBeGreaterThan(40);
    }
  });
});
