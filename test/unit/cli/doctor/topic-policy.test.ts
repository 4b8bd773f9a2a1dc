// doctor's reading of an SNS topic policy for "may CloudWatch publish for this
// stack's alarms?": a table of policies, then the two policies that must agree
// with it: the statement README tells users to add to their own topic, and the
// policy the stack gives its own alarm topic.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stackAlarmArn } from '../../../../cli/doctor/alarm-channel-checks.js';
import { cloudWatchMayPublish, type PublishRequest } from '../../../../cli/doctor/topic-policy.js';
import { evaluateCfn } from '../../../support/cdk/cfn-evaluate.js';
import { buildStack, resources } from '../../../support/cdk/stack-fixture.js';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:ops-alerts';
const REQUEST: PublishRequest = { topicArn: TOPIC, sourceAccount: '444455556666', sourceArn: 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:BackupMx/PrimaryDown-example' };
const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allowCloudWatch = (Condition?: unknown) => ({ Sid: 'Alarms', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: TOPIC, ...(Condition ? { Condition } : {}) });

describe('cloudWatchMayPublish', () => {
  it.each([
    ['the service with no condition', 'allowed', policy(allowCloudWatch())],
    ['the service for this account and this stack\'s alarms', 'allowed', policy(allowCloudWatch({ StringEquals: { 'aws:SourceAccount': '444455556666' }, ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:BackupMx/*' } }))],
    ['condition keys are case-insensitive (AWS:SourceOwner of the default policy)', 'allowed', policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: ['SNS:Publish', 'SNS:Subscribe'], Resource: TOPIC, Condition: { StringEquals: { 'AWS:SourceOwner': '444455556666' } } })],
    ['the default policy of a topic in another account', 'denied', policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Resource: TOPIC, Condition: { StringEquals: { 'AWS:SourceOwner': '111122223333' } } })],
    ['another stack\'s alarms only', 'denied', policy(allowCloudWatch({ ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:444455556666:alarm:BackupMx-eu/*' } }))],
    ['another account\'s alarms only', 'denied', policy(allowCloudWatch({ StringEquals: { 'aws:SourceAccount': '999999999999' } }))],
    ['an account principal, not the service', 'denied', policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sns:Publish', Resource: TOPIC })],
    ['sns:Subscribe only', 'denied', policy({ ...allowCloudWatch(), Action: 'sns:Subscribe' })],
    ['sns:* through a wildcard', 'allowed', policy({ ...allowCloudWatch(), Action: 'sns:*' })],
    ['another topic', 'denied', policy({ ...allowCloudWatch(), Resource: 'arn:aws:sns:eu-west-1:111122223333:other' })],
    ['an explicit deny wins over the allow', 'denied', policy(allowCloudWatch(), { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC })],
    ['the TLS-only deny does not apply (CloudWatch uses TLS)', 'allowed', policy(allowCloudWatch(), { Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: TOPIC, Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
    ['a condition key it cannot know is not a yes', 'unknown', policy(allowCloudWatch({ StringEquals: { 'aws:PrincipalOrgID': 'o-123' } }))],
    ['a set operator it does not evaluate is not a yes', 'unknown', policy(allowCloudWatch({ 'ForAnyValue:StringLike': { 'aws:SourceArn': '*' } }))],
    ['NotPrincipal in a deny makes the answer unknown, not allowed', 'unknown', policy(allowCloudWatch(), { Effect: 'Deny', NotPrincipal: { AWS: 'x' }, Action: 'sns:Publish', Resource: TOPIC })],
    ['an empty policy', 'denied', policy()],
  ])('%s → %s', (_what, verdict, text) => {
    expect(cloudWatchMayPublish(text, REQUEST).verdict).toBe(verdict);
  });

  it('says which statement decided', () => {
    expect(cloudWatchMayPublish(policy(allowCloudWatch()), REQUEST).why).toBe('statement "Alarms" allows it');
    expect(cloudWatchMayPublish('{not json', REQUEST)).toEqual({ verdict: 'unknown', why: 'its policy is not valid JSON' });
    expect(cloudWatchMayPublish(undefined, REQUEST).verdict).toBe('unknown');
  });
});

describe('the policies doctor must read as "allowed"', () => {
  it('the statement README gives for your own topic, filled in', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const statement = blocks.find((b) => b.includes('"AllowBackupMxAlarms"'));
    expect(statement).toBeDefined();
    const filled = statement!
      .replaceAll('<region>', 'eu-west-1')
      .replaceAll('<topic account>', '111122223333')
      .replaceAll('<topic name>', 'ops-alerts')
      .replaceAll('<stack account>', '444455556666')
      .replaceAll('<stackName>', 'BackupMx');
    expect(cloudWatchMayPublish(policy(JSON.parse(filled)), REQUEST).verdict).toBe('allowed');
    // It names this stack's alarms only: a second stack's are not let in by it.
    expect(cloudWatchMayPublish(policy(JSON.parse(filled.replaceAll('BackupMx/', 'BackupMx-eu/'))), REQUEST).verdict).toBe('denied');
  });

  it('the policy the stack gives its own alarm topic', () => {
    const { template } = buildStack();
    const topicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
    const topicPolicy = Object.values(resources(template, 'AWS::SNS::TopicPolicy')).find((p) => (p.Properties!.Topics as { Ref: string }[]).some((t) => t.Ref === topicId))!;
    const document = evaluateCfn(topicPolicy.Properties!.PolicyDocument);
    // doctor's idea of the stack's alarm ARNs (stackAlarmArn) must be what the stack lets in.
    const ours: PublishRequest = {
      topicArn: `<${topicId}>`,
      sourceAccount: '<AWS::AccountId>',
      sourceArn: stackAlarmArn('<AWS::Partition>', 'us-east-1', '<AWS::AccountId>', 'BackupMx', 'PrimaryDown-example'),
    };
    expect(cloudWatchMayPublish(JSON.stringify(document), ours).verdict).toBe('allowed');
    expect(cloudWatchMayPublish(JSON.stringify(document), { ...ours, sourceArn: stackAlarmArn('<AWS::Partition>', 'us-east-1', '<AWS::AccountId>', 'BackupMx-eu', 'PrimaryDown-x') }).verdict).toBe('denied');
  });
});
