// The hourly watch on old queues no route uses: what the drain may do for it,
// what it is told, when it runs, and the alarm on what it finds.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/config/settings.js';
import { STACK_TAG } from '../../../lambdas/core/sweep/queue-owner.js';
import { evaluateCfn } from '../../support/cdk/cfn-evaluate.js';
import { allowing, buildStack, functionId, resources, statementsOf, type Statement } from '../../support/cdk/stack-fixture.js';

const DRAIN = 'delivers one route queue';
const PROBE = 'checks each primary';
const ACCEPT = 'indexes each message';
const OWN_QUEUES = 'arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:BackupMx-*';

const TWO_ROUTES = {
  region: 'eu-west-1',
  routes: [
    { name: 'corp', domains: ['example.org'], primary: { host: 'mx.example.org', port: 587 } },
    { name: 'two', domains: ['two.example'], primary: { host: '192.0.2.10', port: 587 } },
  ],
};

describe('orphaned-queue watch', () => {
  const { template } = buildStack(TWO_ROUTES);
  const envOf = (text: string) =>
    resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!.Properties!.Environment.Variables as Record<string, unknown>;
  const drain = statementsOf(template, DRAIN);

  it('relies on CloudFormation naming every queue (each starts with "<stack name>-"), and tags each with the stack', () => {
    const queues = Object.values(resources(template, 'AWS::SQS::Queue'));
    expect(queues).toHaveLength(3); // two routes and the DLQ
    for (const queue of queues) {
      expect(queue.Properties!.QueueName).toBeUndefined();
      expect(queue.Properties!.Tags).toEqual(expect.arrayContaining([{ Key: STACK_TAG, Value: 'BackupMx' }]));
    }
  });

  it('every function knows the stack name (a dimension of its metrics; the drain\'s watch goes by it)', () => {
    for (const text of [DRAIN, PROBE, ACCEPT]) expect(envOf(text)[ENV.stackName], text).toBe('BackupMx');
  });

  it('the drain may list queues ("*", the only resource ListQueues takes) in a statement of that action alone', () => {
    const list = allowing(drain, 'sqs:ListQueues');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ Action: 'sqs:ListQueues', Resource: '*' });
    expect(list[0]!.Condition).toBeUndefined();
    for (const text of [PROBE, ACCEPT]) expect(allowing(statementsOf(template, text), 'sqs:ListQueues')).toEqual([]);
  });

  it('reads the tags of queues named like the stack\'s, and the counts only of those tagged as its own', () => {
    const resourcesOf = (s: Statement) => [s.Resource].flat().map((r) => String(evaluateCfn(r)));
    const tags = allowing(drain, 'sqs:ListQueueTags');
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatchObject({ Action: 'sqs:ListQueueTags' });
    expect(resourcesOf(tags[0]!)).toEqual([OWN_QUEUES]);
    const attributes = allowing(drain, 'sqs:GetQueueAttributes');
    const wide = attributes.filter((s) => resourcesOf(s).includes(OWN_QUEUES));
    expect(wide).toHaveLength(1);
    expect(wide[0]!.Action).toBe('sqs:GetQueueAttributes');
    expect(resourcesOf(wide[0]!)).toEqual([OWN_QUEUES]);
    expect(wide[0]!.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${STACK_TAG}`]: 'BackupMx' } });
    // Every other grant names one queue; no statement of the drain has an SQS action on "*" but ListQueues.
    for (const s of attributes.filter((x) => x !== wide[0])) for (const r of resourcesOf(s)) expect(r).toMatch(/^<Routes(Queue|DeadLetter)\w+\.Arn>$/);
    const sqsOnStar = drain.filter((s) => [s.Resource].flat().includes('*') && [s.Action].flat().some((a) => a.startsWith('sqs:')));
    expect(sqsOnStar.flatMap((s) => [s.Action].flat())).toEqual(['sqs:ListQueues']);
  });

  it('runs hourly on the find-unqueued rule, as its own drain invocation without retries', () => {
    // The canary's hourly rule targets its own function.
    const rules = Object.values(resources(template, 'AWS::Events::Rule')).filter(
      (r) => r.Properties!.ScheduleExpression === 'rate(1 hour)' && JSON.stringify(r.Properties!.Targets).includes(functionId(template, DRAIN)),
    );
    expect(rules).toHaveLength(1);
    const targets = rules[0]!.Properties!.Targets as { Arn: unknown; Input: string; RetryPolicy: unknown }[];
    expect(targets.map((t) => JSON.parse(t.Input))).toEqual([{ task: 'find-unqueued' }, { task: 'find-orphaned-queues' }]);
    for (const target of targets) {
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [functionId(template, DRAIN), 'Arn'] });
      expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
    }
  });

  it('an old queue holding mail is a condition of StackProblems (the probe reads the watch\'s record), to the alarm topic, breaching on missing data', () => {
    const alarms = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([, a]) => a.Properties!.MetricName === 'StackProblems');
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    const topicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
    expect(alarm.Properties).toMatchObject({
      Namespace: 'BackupMx',
      // Exactly what PowertoolsMetrics.stackGauge writes: CloudWatch matches the whole dimension set.
      Dimensions: [{ Name: 'service', Value: 'backup-mx' }, { Name: 'stack', Value: 'BackupMx' }],
      Statistic: 'Maximum',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topicId }],
    });
    expect(alarm.Properties!.AlarmDescription).toContain('mail in an old queue of this stack');
    expect(alarm.Properties!.AlarmDescription).toContain('orphaned-queue');
  });
});
