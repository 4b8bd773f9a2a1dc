// With a synced route, the stack has one more alarm: the rule writer a push
// asks failed (Lambda's Errors of that function, not the deploy's), told
// through the alarm topic like every alarm; none without a synced route.
import { describe, expect, it } from 'vitest';
import { PUSH_REFUSED_PER_PERIOD, PUSH_REFUSED_PERIODS, RECIPIENTS_REMOVED_ALARM_AT, RULE_WRITER_ALARM } from '../../../lib/constructs/recipient-sync-alarms.js';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';
import { functionRoles } from '../../support/cdk/iam-evaluate.js';

const synced = { ...BASE_CONTEXT, routes: BASE_CONTEXT.routes.map((route) => ({ ...route, recipientSync: {} })) };

describe('the rule writer alarm', () => {
  it('reads the rule writer\'s Errors, fires on one failure, treats no invocation as fine and reaches the alarm topic', () => {
    const { template } = buildStack(synced);
    const alarms = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(`Monitoring${RULE_WRITER_ALARM}`));
    expect(alarms).toHaveLength(1);
    const props = alarms[0]![1].Properties as Record<string, any>;
    const roles = functionRoles(template);
    const writer = roles.find((r) => r.description.includes('receipt rules after a push'))!;
    const deploy = roles.find((r) => r.description.includes('receipt rules from the stored lists on deploy'))!;
    expect(props).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(props.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: writer.functionId } }]);
    expect(JSON.stringify(props.Dimensions)).not.toContain(deploy.functionId);
    const topic = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
    expect(props.AlarmActions).toContainEqual({ Ref: topic });
    expect(props.OKActions).toContainEqual({ Ref: topic });
    expect(props.AlarmDescription).toMatch(/rules pending/);
  });

  it('the push\'s own counts: a sustained rate of refusals, and one push removing many addresses, each told through the alarm topic', () => {
    const { template } = buildStack(synced);
    const alarmsNamed = (name: string) => Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(`Monitoring${name}`));
    const topic = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
    const dimensions = [{ Name: 'service', Value: 'backup-mx' }, { Name: 'stack', Value: 'BackupMx' }];
    const refused = alarmsNamed('RecipientPushRefused');
    expect(refused).toHaveLength(1);
    expect(refused[0]![1].Properties).toMatchObject({
      Namespace: 'BackupMx', MetricName: 'RecipientPushRefused', Statistic: 'Sum', Period: 300,
      Threshold: PUSH_REFUSED_PER_PERIOD, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: PUSH_REFUSED_PERIODS, DatapointsToAlarm: PUSH_REFUSED_PERIODS,
      TreatMissingData: 'notBreaching', AlarmActions: expect.arrayContaining([{ Ref: topic }]), OKActions: expect.arrayContaining([{ Ref: topic }]),
    });
    expect(refused[0]![1].Properties!.Dimensions).toEqual(expect.arrayContaining(dimensions));
    const removed = alarmsNamed('RecipientsRemoved');
    expect(removed).toHaveLength(1);
    expect(removed[0]![1].Properties).toMatchObject({
      Namespace: 'BackupMx', MetricName: 'RecipientsRemoved', Statistic: 'Maximum', Period: 300,
      Threshold: RECIPIENTS_REMOVED_ALARM_AT, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching', AlarmActions: expect.arrayContaining([{ Ref: topic }]),
    });
    expect(removed[0]![1].Properties!.Dimensions).toEqual(expect.arrayContaining(dimensions));
  });

  it('is absent without a synced route', () => {
    const { template } = buildStack(BASE_CONTEXT);
    const ids = Object.keys(resources(template, 'AWS::CloudWatch::Alarm'));
    for (const name of [RULE_WRITER_ALARM, 'RecipientPushRefused', 'RecipientsRemoved']) expect(ids.filter((id) => id.includes(name))).toEqual([]);
  });
});
