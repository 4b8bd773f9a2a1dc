import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { DeployCheckError } from '../../../lib/checks/deploy-checks.js';
import { BASE_CONTEXT, buildStack, functionId, resources } from './stack-fixture.js';

const CONTEXT = {
  region: 'eu-west-1',
  // Not in a route's domains: that address would wait in backup-mx itself when the primary is down.
  alarmEmail: 'ops@alerts.example.net',
  alarms: { oldestMessageAgeMinutes: 90, backlogMessages: 250, primaryDownMinutes: 20 },
  routes: [
    { name: 'corp', domains: ['example.com', 'example.org'], primary: { host: 'mail.example.com', port: 587 } },
  ],
};

describe('alarms', () => {
  const { template } = buildStack(CONTEXT);
  const alarmTopic = () =>
    Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;

  it('e-mails the alarm address', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@alerts.example.net',
      TopicArn: { Ref: alarmTopic() },
    });
  });

  it('fires on the oldest message age, the backlog, the DLQ, a primary down and Lambda errors, at the configured thresholds', () => {
    const action = [{ Ref: alarmTopic() }];
    // Age and backlog come from the probe's index figures, not SQS's (which skip
    // messages received 3+ times and leave out deferred ones).
    const routeDimensions = [
      { Name: 'route', Value: 'corp' },
      { Name: 'service', Value: 'backup-mx' },
      { Name: 'stack', Value: 'BackupMx' },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'BackupMx',
      MetricName: 'OldestQueuedAgeSeconds',
      Dimensions: routeDimensions,
      Statistic: 'Maximum',
      Threshold: 90 * 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: action,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'BackupMx',
      MetricName: 'QueuedMessages',
      Dimensions: routeDimensions,
      Threshold: 250,
      AlarmActions: action,
    });
    for (const name of ['ApproximateAgeOfOldestMessage']) {
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: name } }))).toEqual([]);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetter'), 'QueueName'] } }],
      AlarmActions: action,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'BackupMx',
      MetricName: 'PrimaryUp',
      Dimensions: routeDimensions,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 20,
      DatapointsToAlarm: 20,
      Period: 60,
      TreatMissingData: 'breaching',
      AlarmActions: action,
    });
    for (const text of ['checks each primary', 'delivers one route queue', 'indexes each message', 'from a primary (HMAC-signed function URL)']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(template, text) } }],
        Threshold: 1,
        AlarmActions: action,
      });
    }
  });

  it('alarms when deliveries keep failing while the probe says up: session failures, or deferrals with no delivery, AND PrimaryUp, 3 periods in a row', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      String(a.Properties.AlarmDescription).includes('deliveries keep failing'),
    );
    expect(alarms).toHaveLength(1);
    const props = alarms[0]!.Properties;
    expect(props).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 1, TreatMissingData: 'notBreaching' });
    const queries = props.Metrics as Record<string, any>[];
    const expression = queries.find((q) => q.Expression)!;
    expect(expression.Expression).toBe('IF((FILL(failed, 0) >= 1 OR (FILL(deferred, 0) >= 1 AND FILL(delivered, 0) == 0)) AND up >= 1, 1, 0)');
    for (const [id, name] of [['deferred', 'Deferred'], ['delivered', 'Delivered']]) {
      const stat = queries.find((q) => q.Id === id)!.MetricStat;
      expect(stat).toMatchObject({ Stat: 'Sum', Period: 300, Metric: { Namespace: 'BackupMx', MetricName: name } });
      expect(stat.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'route', Value: 'corp' }, { Name: 'service', Value: 'backup-mx' }]));
    }
    const failed = queries.find((q) => q.Id === 'failed')!.MetricStat;
    expect(failed).toMatchObject({ Stat: 'Sum', Period: 300 });
    expect(failed.Metric).toMatchObject({ Namespace: 'BackupMx', MetricName: 'DrainStopped' });
    expect(failed.Metric.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'reason', Value: 'connection-failed' }, { Name: 'route', Value: 'corp' }, { Name: 'service', Value: 'backup-mx' }]),
    );
    expect(queries.find((q) => q.Id === 'up')!.MetricStat.Metric.MetricName).toBe('PrimaryUp');
  });

  it('alarms when a notification did not reach the route queue, counted on the queue\'s subscription alone (not the accept function\'s)', () => {
    const topicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.includes('Topiccorp'))!;
    // Only the queue's subscription redrives to a dead-letter queue, so the topic's redrive counts are its failures alone.
    const subscriptions = Object.values(resources(template, 'AWS::SNS::Subscription')).filter((s) => JSON.stringify(s.Properties!.TopicArn).includes(topicId));
    const byProtocol = Object.fromEntries(subscriptions.map((s) => [s.Properties!.Protocol, s.Properties!]));
    expect(Object.keys(byProtocol).sort()).toEqual(['lambda', 'sqs']);
    expect(byProtocol.sqs!.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^RoutesDeadLetter/), 'Arn'] } });
    expect(byProtocol.lambda!.RedrivePolicy).toBeUndefined();
    const [alarm] = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) => a.Properties!.AlarmName === 'BackupMx/NotificationsFailed-corp');
    expect(alarm!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: alarmTopic() }] });
    const queries = alarm!.Properties!.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Stat: string } }[];
    expect(queries.find((q) => q.Expression)!.Expression).toBe('FILL(redriven, 0) + FILL(lost, 0)');
    const read = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat!);
    expect(read.map((m) => m.Metric.MetricName).sort()).toEqual(['NumberOfNotificationsFailedToRedriveToDlq', 'NumberOfNotificationsRedrivenToDlq']);
    for (const m of read) {
      expect(m).toMatchObject({ Stat: 'Sum', Metric: { Namespace: 'AWS/SNS', Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topicId, 'TopicName'] } }] } });
    }
    // The topic-wide failure count, which the accept subscription feeds too, is read by no alarm.
    expect(JSON.stringify(resources(template, 'AWS::CloudWatch::Alarm'))).not.toContain('"NumberOfNotificationsFailed"');
  });

  it('SNS may put a route\'s undeliverable notifications into the dead-letter queue, from that route\'s topic only', () => {
    const dlqId = Object.keys(resources(template, 'AWS::SQS::Queue')).find((id) => id.startsWith('RoutesDeadLetter'))!;
    const policies = Object.values(resources(template, 'AWS::SQS::QueuePolicy')).filter((p) => JSON.stringify(p.Properties!.Queues).includes(dlqId));
    const statements = policies.flatMap((p) => p.Properties!.PolicyDocument.Statement as Record<string, any>[]).filter((s) => s.Effect === 'Allow');
    const topicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.includes('Topiccorp'))!;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topicId } } } });
  });

  it('no e-mail subscription without alarmEmail', () => {
    expect(Object.keys(buildStack().template.findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } }))).toEqual([]);
  });

  it('has a dashboard with the same figures', () => {
    const dashboard = Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const metric of ['OldestQueuedAgeSeconds', 'QueuedMessages', 'ApproximateNumberOfMessagesVisible', 'PrimaryUp', 'Errors']) {
      expect(body).toContain(metric);
    }
  });
});

describe('outputs', () => {
  const { template } = buildStack(CONTEXT);

  it('gives the exact MX record for each domain, below the primary', () => {
    template.hasOutput('MxRecordscorp', {
      Value: 'example.com MX 20 inbound-smtp.eu-west-1.amazonaws.com; example.org MX 20 inbound-smtp.eu-west-1.amazonaws.com',
    });
    template.hasOutput('MxRecordscorp', { Description: Match.stringLikeRegexp('lower number') });
  });

  it('names the bucket, queue, DLQ, table and dashboard', () => {
    template.hasOutput('MailBucketName', { Value: { Ref: Match.stringLikeRegexp('MailBucket') } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: Match.stringLikeRegexp('DeadLetter') } });
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('StateTable') } });
    template.hasOutput('DashboardUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^https://eu-west-1.console.aws.amazon.com/cloudwatch/.*dashboards:name=$')])] },
    });
    expect(template.findOutputs('EgressIp')).toEqual({});
  });

  it('names the drain function and the rule set for the backup-mx command', () => {
    template.hasOutput('DrainFunctionName', { Value: { Ref: Match.stringLikeRegexp('Drain') } });
    template.hasOutput('ReceiptRuleSetName', { Value: { Ref: Match.stringLikeRegexp('RuleSet') } });
    // A conflict on update is visible after deploy, not only in a log.
    template.hasOutput('ReceiptRuleSetStatus', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('InboundActivation'), 'Status'] } });
  });
});

describe('port 25 and the egress VPC', () => {
  const port25 = { ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0]!, primary: { host: 'mail.example.com', port: 25 } }] };

  it('fails synth when a primary uses port 25 without vpc-nat, naming the route and both fixes', () => {
    expect(() => buildStack(port25)).toThrow(DeployCheckError);
    expect(() => buildStack(port25)).toThrow(/routes\[0\]\.primary\.port: route "corp".*port 25.*587 or 2525.*"egress": "vpc-nat-instance".*"vpc-nat"/s);
  });

  it('synthesizes on another port, and on port 25 with vpc-nat', () => {
    expect(() => buildStack()).not.toThrow();
    expect(() => buildStack({ ...port25, egress: 'vpc-nat' })).not.toThrow();
  });

  it('vpc-nat: NAT gateway on our Elastic IP, probe and drain in private subnets, the IP as an output', () => {
    const { template } = buildStack({ ...port25, egress: 'vpc-nat' });
    const eipId = Object.keys(resources(template, 'AWS::EC2::EIP'))[0]!;
    expect(Object.keys(resources(template, 'AWS::EC2::EIP'))).toHaveLength(1);
    template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: { 'Fn::GetAtt': [eipId, 'AllocationId'] } });
    template.hasOutput('EgressIp', { Value: { Ref: eipId } });
    const fns = resources(template, 'AWS::Lambda::Function');
    for (const text of ['checks each primary', 'delivers one route queue']) {
      expect(fns[functionId(template, text)]!.Properties!.VpcConfig?.SubnetIds).toHaveLength(2);
    }
    expect(fns[functionId(template, 'indexes each message')]!.Properties!.VpcConfig).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });
});
