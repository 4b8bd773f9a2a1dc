import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { DeployCheckError } from '../../../lib/checks/deploy-checks.js';
import { BASE_CONTEXT, buildStack, functionId, resources } from '../../support/cdk/stack-fixture.js';

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

  it('one Problems alarm per route and StackProblems, on the probe\'s bit sets: 3 minutes on, or no figure, is ALARM; the thresholds in the description', () => {
    const action = [{ Ref: alarmTopic() }];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'BackupMx/Problems-corp',
      Namespace: 'BackupMx',
      MetricName: 'RouteProblems',
      // Exactly the set PowertoolsMetrics.gauge writes (CloudWatch matches the whole set).
      Dimensions: [
        { Name: 'route', Value: 'corp' },
        { Name: 'service', Value: 'backup-mx' },
        { Name: 'stack', Value: 'BackupMx' },
      ],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      AlarmActions: action,
      OKActions: action,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'BackupMx/StackProblems',
      MetricName: 'StackProblems',
      Dimensions: [
        { Name: 'service', Value: 'backup-mx' },
        { Name: 'stack', Value: 'BackupMx' },
      ],
      Period: 60,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
      AlarmActions: action,
    });
    const [problems] = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) => a.Properties!.AlarmName === 'BackupMx/Problems-corp');
    const description = String(problems!.Properties!.AlarmDescription);
    for (const text of ['primary down 20 min', 'waiting 90 min', '250 messages waiting', 'backup-mx status', '1 primary-down', '2 oldest-message', '4 backlog', '8 dead-letters']) {
      expect(description).toContain(text);
    }
    // CloudWatch takes at most 1,024 characters of description.
    for (const alarm of Object.values(resources(template, 'AWS::CloudWatch::Alarm'))) expect(String(alarm.Properties!.AlarmDescription).length).toBeLessThanOrEqual(1024);
    // No alarm reads SQS's own age (it skips messages received 3 times or more), a per-function Errors metric or a detailed figure.
    for (const name of ['ApproximateAgeOfOldestMessage', 'Errors', 'PrimaryUp', 'OldestQueuedAgeSeconds']) {
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: name } })), name).toEqual([]);
    }
  });

  it('a notification SNS could not queue is no alarm of its own: redriven, it is on the dead-letter queue (StackProblems); lost, the hourly check dead-letters the stored message (Problems)', () => {
    const topicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.includes('Topiccorp'))!;
    // Only the queue's subscription redrives to a dead-letter queue: the accept function's failures never reach it.
    const subscriptions = Object.values(resources(template, 'AWS::SNS::Subscription')).filter((s) => JSON.stringify(s.Properties!.TopicArn).includes(topicId));
    const byProtocol = Object.fromEntries(subscriptions.map((s) => [s.Properties!.Protocol, s.Properties!]));
    expect(Object.keys(byProtocol).sort()).toEqual(['lambda', 'sqs']);
    expect(byProtocol.sqs!.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^RoutesDeadLetter/), 'Arn'] } });
    expect(byProtocol.lambda!.RedrivePolicy).toBeUndefined();
    expect(JSON.stringify(resources(template, 'AWS::CloudWatch::Alarm'))).not.toContain('AWS/SNS');
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

  it('with "dashboard": true, a dashboard of the detailed figures, which the functions then publish as metrics', () => {
    const { template: withDashboard } = buildStack({ ...CONTEXT, dashboard: true });
    const dashboard = Object.values(resources(withDashboard, 'AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.stringify(dashboard.Properties!.DashboardBody);
    for (const metric of ['OldestQueuedAgeSeconds', 'QueuedMessages', 'ApproximateNumberOfMessagesVisible', 'PrimaryUp', 'ErrorLines-BackupMx']) {
      expect(body).toContain(metric);
    }
    for (const text of ['checks each primary', 'delivers one route queue', 'indexes each message']) {
      expect(resources(withDashboard, 'AWS::Lambda::Function')[functionId(withDashboard, text)]!.Properties!.Environment.Variables.BACKUPMX_DETAILED_METRICS).toBe('1');
    }
    withDashboard.hasOutput('DashboardUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^https://eu-west-1.console.aws.amazon.com/cloudwatch/.*dashboards:name=$')])] },
    });
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

  it('names the bucket, queue, DLQ and table (the dashboard only when there is one)', () => {
    template.hasOutput('MailBucketName', { Value: { Ref: Match.stringLikeRegexp('MailBucket') } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: Match.stringLikeRegexp('DeadLetter') } });
    template.hasOutput('TableName', { Value: { Ref: Match.stringLikeRegexp('StateTable') } });
    expect(template.findOutputs('DashboardUrl')).toEqual({});
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
