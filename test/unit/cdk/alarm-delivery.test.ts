// Alarms only reach people if CloudWatch may publish to the (SSL-enforcing,
// with encryptTopics KMS-encrypted) alarm topic: its explicit policy replaces
// SNS's default one.
import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

describe('alarm delivery', () => {
  const { template, stack } = buildStack();
  const alarmTopicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
  const resolved = (value: unknown) => JSON.stringify(stack.resolve(value));

  it('lets cloudwatch.amazonaws.com publish to the alarm topic, only for this account and this stack\'s alarms', () => {
    const policies = Object.values(resources(template, 'AWS::SNS::TopicPolicy')).filter((p) =>
      (p.Properties!.Topics as { Ref: string }[]).some((t) => t.Ref === alarmTopicId),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties!.PolicyDocument.Statement as Record<string, any>[];
    const allow = statements.find((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(allow).toBeDefined();
    expect(allow!.Action).toBe('sns:Publish');
    expect(allow!.Resource).toEqual({ Ref: alarmTopicId });
    expect(allow!.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    const sourceArn = resolved(allow!.Condition.ArnLike['aws:SourceArn']);
    expect(sourceArn).toContain(':cloudwatch:');
    expect(sourceArn).toContain(':alarm:BackupMx/*');
    // The TLS-only Deny stays.
    expect(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
  });

  it('every alarm is named "<stack>/<id>" and so matches that aws:SourceArn pattern (a generated name would not: CloudWatch could not publish)', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).length).toBeGreaterThan(3);
    for (const [id, alarm] of Object.entries(alarms)) expect(alarm.Properties!.AlarmName, id).toMatch(new RegExp(`^${stack.stackName}/[A-Za-z]`));
    const names = Object.values(alarms).map((a) => a.Properties!.AlarmName as string);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['BackupMx/Problems-corp', 'BackupMx/StackProblems', 'BackupMx/ErrorLines', 'BackupMx/NoticeBounceRate']));
  });

  it('with encryptTopics: lets CloudWatch use the topic key under the same conditions, and no unconditioned grant', () => {
    const encrypted = buildStack({ ...BASE_CONTEXT, encryptTopics: true });
    const key = Object.values(resources(encrypted.template, 'AWS::KMS::Key'))[0]!;
    const statements = key.Properties!.KeyPolicy.Statement as Record<string, any>[];
    const forCloudWatch = statements.filter((s) => JSON.stringify(s.Principal ?? {}).includes('cloudwatch.amazonaws.com'));
    expect(forCloudWatch).toHaveLength(1);
    expect(forCloudWatch[0]!.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
    expect(forCloudWatch[0]!.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(encrypted.stack.resolve(forCloudWatch[0]!.Condition.ArnLike['aws:SourceArn']))).toContain(':alarm:BackupMx/*');
  });
});
