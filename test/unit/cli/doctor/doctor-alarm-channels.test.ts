// doctor's checks of where alarms go. The subscriptions are judged as SNS lists
// them; the SMS account (sandbox, spending limit) and the error answers of
// GetTopicAttributes, which the emulator does not have, with
// aws-sdk-client-mock (the emulator-backed test is
// test/integration/cli/doctor-alarm-channels.test.ts).
import {
  CheckIfPhoneNumberIsOptedOutCommand,
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  GetTopicAttributesCommand,
  ListSMSSandboxPhoneNumbersCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsTarget } from '../../../../cli/aws-target.js';
import { readCliEnv } from '../../../../cli/cli-env.js';
import { alarmChannelChecks, checkAlarmTopic, checkSmsChannel, judgeSubscriptions, shownEndpoint } from '../../../../cli/doctor/alarm-channel-checks.js';
import { cfn, env, lambda, mockDeployedStack } from '../../../support/cli/deployed-stack-mock.js';

const sns = mockClient(SNSClient);
afterEach(() => {
  sns.reset();
  cfn.reset();
  lambda.reset();
});
const client = () => new SNSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:BackupMx-MonitoringAlarmTopic';
const HOOK = 'https://events.pagerduty.com/integration/5ecret0key/enqueue';
const routes = [{ name: 'corp', domains: ['example.com'] }];
const facts = { topicArn: TOPIC, extraTopicArns: [] as string[], routes, stackName: 'BackupMx', region: 'eu-west-1' };
const sub = (protocol: string, endpoint: string, confirmed = true) => ({ SubscriptionArn: confirmed ? `${TOPIC}:${protocol}-1` : 'PendingConfirmation', Protocol: protocol, Endpoint: endpoint, TopicArn: TOPIC });
const rows = (results: { check: string; status: string }[]) => results.map((r) => [r.check, r.status]);

describe('the alarm topic\'s subscriptions', () => {
  it('an e-mail address in a protected domain is flagged, and alone it is no channel: when the primary is down nobody is told', () => {
    const results = judgeSubscriptions([sub('email', 'ops@example.com'), sub('email', 'boss@mail.example.com')], facts);
    expect(rows(results)).toEqual([
      ['alarm channel ops@example.com', 'warn'],
      ['alarm channel boss@mail.example.com', 'warn'],
      ['alarm subscription', 'fail'],
    ]);
    expect(results[0]!.detail).toMatch(/confirmed, but "ops@example\.com" is in example\.com, which route "corp" protects: .*wait in backup-mx's own queue/);
    expect(results[1]!.detail).toContain('under example.com');
    expect(results[2]!.detail).toContain('no confirmed channel that works while the primary is down');
  });

  it('a confirmed channel outside the protected domains is enough; the webhook\'s key is never printed', () => {
    const results = judgeSubscriptions([sub('email', 'ops@example.com'), sub('https', HOOK), sub('sms', '+14155550123')], facts);
    expect(rows(results)).toEqual([
      ['alarm channel ops@example.com', 'warn'],
      ['alarm channel https://events.pagerduty.com/…', 'ok'],
      ['alarm channel +14155550123', 'ok'],
      ['alarm subscription', 'ok'],
    ]);
    expect(results.at(-1)!.detail).toBe('2 confirmed channels that do not depend on the primary: https https://events.pagerduty.com/…, sms +14155550123');
    expect(JSON.stringify(results)).not.toContain('5ecret0key');
    expect(shownEndpoint('https', 'https://user:pass@hooks.example.net:8443/x?token=1')).toBe('https://hooks.example.net:8443/…');
  });

  it('a pending webhook says how each kind of endpoint confirms', () => {
    const results = judgeSubscriptions([sub('https', HOOK, false)], facts);
    expect(rows(results)).toEqual([['alarm channel https://events.pagerduty.com/…', 'warn'], ['alarm subscription', 'fail']]);
    expect(results[0]!.detail).toBe('https, not confirmed: SNS sends it nothing until it is');
    for (const hint of ['SubscriptionConfirmation', 'PagerDuty', 'SubscribeURL', 'ntfy', 'aws sns confirm-subscription', 'aws sns subscribe']) expect(results[0]!.fix).toContain(hint);
  });

  it('nobody subscribed: a failure naming every channel; with topics of your own it is not', () => {
    const none = judgeSubscriptions([], facts);
    expect(none).toEqual([expect.objectContaining({ check: 'alarm subscription', status: 'fail', detail: 'nobody is subscribed: alarms go nowhere' })]);
    for (const field of ['alarmEmail', 'alarms.webhookUrls', 'alarms.smsNumbers', 'alarms.topicArns']) expect(none[0]!.fix).toContain(field);
    const withTopics = judgeSubscriptions([], { ...facts, extraTopicArns: ['arn:aws:sns:eu-west-1:123456789012:ops'] });
    expect(withTopics).toEqual([expect.objectContaining({ status: 'ok', detail: 'no confirmed subscription on the alarm topic; every alarm also goes to 1 topic of yours (checked below)' })]);
  });
});

describe('SMS: the account\'s sandbox and spending limit', () => {
  it('in the sandbox an unverified number gets nothing: a failure with the commands to verify it', async () => {
    sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: true });
    sns.on(ListSMSSandboxPhoneNumbersCommand).resolvesOnce({ PhoneNumbers: [{ PhoneNumber: '+14155550123', Status: 'Verified' }], NextToken: 'n' }).resolves({ PhoneNumbers: [{ PhoneNumber: '+442079460958', Status: 'Pending' }] });
    sns.on(GetSMSAttributesCommand).resolves({ attributes: { MonthlySpendLimit: '1' } });
    sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({ isOptedOut: false }).on(CheckIfPhoneNumberIsOptedOutCommand, { phoneNumber: '+14155550123' }).resolves({ isOptedOut: true });
    const results = await checkSmsChannel(client(), ['+14155550123', '+442079460958']);
    expect(rows(results)).toEqual([['SMS sandbox', 'fail'], ['SMS opt-out', 'fail'], ['SMS spending limit', 'warn']]);
    expect(results[1]).toMatchObject({ detail: '+14155550123 opted out (answered STOP): SNS texts it nothing', fix: expect.stringContaining('aws sns opt-in-phone-number --phone-number +14155550123') });
    expect(results[0]!.detail).toContain('+442079460958 is not');
    expect(results[0]!.fix).toContain('aws sns create-sms-sandbox-phone-number --phone-number +442079460958');
    expect(results[2]!.detail).toMatch(/^\$1 a month \(a new account's default\): a few alarm texts spend it/);
    expect(results[2]!.fix).toContain('MonthlySpendLimit=');
  });

  it('out of the sandbox with a raised limit: both ok', async () => {
    sns.on(GetSMSSandboxAccountStatusCommand).resolves({ IsInSandbox: false });
    sns.on(GetSMSAttributesCommand).resolves({ attributes: { MonthlySpendLimit: '20' } });
    sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({ isOptedOut: false });
    expect(rows(await checkSmsChannel(client(), ['+14155550123']))).toEqual([['SMS sandbox', 'ok'], ['SMS opt-out', 'ok'], ['SMS spending limit', 'ok']]);
    expect(sns.commandCalls(ListSMSSandboxPhoneNumbersCommand)).toHaveLength(0);
  });

  it('runs only when a number is subscribed; an SMS call refused is one failure and the other checks still run', async () => {
    sns.on(ListSubscriptionsByTopicCommand).resolvesOnce({ Subscriptions: [sub('email', 'ops@alerts.example.net')] }).resolves({ Subscriptions: [sub('email', 'ops@alerts.example.net'), sub('sms', '+14155550123')] });
    sns.on(GetSMSSandboxAccountStatusCommand).rejects(Object.assign(new Error('not allowed'), { name: 'AuthorizationErrorException' }));
    expect(rows(await alarmChannelChecks(client(), facts))).toEqual([['alarm channel ops@alerts.example.net', 'ok'], ['alarm subscription', 'ok']]);
    const results = await alarmChannelChecks(client(), facts);
    expect(rows(results)).toEqual([['alarm channel ops@alerts.example.net', 'ok'], ['alarm channel +14155550123', 'ok'], ['alarm subscription', 'ok'], ['SMS sandbox', 'fail']]);
    expect(results.at(-1)!.detail).toContain('could not check: AuthorizationErrorException');
  });
});

describe('your own topics (alarms.topicArns)', () => {
  const ARN = 'arn:aws:sns:eu-west-1:123456789012:ops';
  const allow = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: ARN }] });
  const check = () => checkAlarmTopic(client(), ARN, { ...facts, account: '123456789012' });

  it.each([
    [{ Policy: allow, SubscriptionsConfirmed: '2' }, 'ok', /^CloudWatch may publish to it \(statement 1 allows it\); 2 confirmed subscriptions$/],
    [{ Policy: allow, SubscriptionsConfirmed: '0' }, 'warn', /no confirmed subscription: alarms there reach nobody/],
    [{ Policy: allow, SubscriptionsConfirmed: '1', KmsMasterKeyId: 'alias/aws/sns' }, 'fail', /AWS managed key alias\/aws\/sns.*every alarm publish fails/],
    [{ Policy: allow, SubscriptionsConfirmed: '1', KmsMasterKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/1234' }, 'warn', /encrypted with arn:aws:kms.*whose key policy doctor cannot read/],
    [{ Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sns:Publish', Resource: ARN }] }), SubscriptionsConfirmed: '1' }, 'fail', /CloudWatch may not publish to it for this stack's alarms/],
  ])('%j → %s', async (attributes, status, detail) => {
    sns.on(GetTopicAttributesCommand, { TopicArn: ARN }).resolves({ Attributes: attributes });
    const result = await check();
    expect(result.status).toBe(status);
    expect(result.detail).toMatch(detail);
    if (status === 'fail' && /publish to it/.test(result.detail)) expect(result.fix).toContain('aws:SourceArn arn:aws:cloudwatch:eu-west-1:123456789012:alarm:BackupMx/*');
  });

  it('a topic doctor may not read (another account\'s) is a warning, a missing one a failure', async () => {
    sns.on(GetTopicAttributesCommand).rejectsOnce(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' })).rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));
    expect(await check()).toMatchObject({ status: 'warn', detail: expect.stringContaining('may not read its attributes') });
    expect(await check()).toMatchObject({ status: 'fail', detail: 'no such topic: alarms published there are lost' });
  });

  it('the stack output AlarmChannelTopicArns reaches doctor', async () => {
    mockDeployedStack();
    cfn.on(DescribeStacksCommand, { StackName: 'BackupMx' }).resolves({
      Stacks: [{ StackName: 'BackupMx', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'AlarmTopicArn', OutputValue: TOPIC }, { OutputKey: 'AlarmChannelTopicArns', OutputValue: `${ARN},${ARN}-2` }] }],
    });
    const target = await awsTarget({ region: 'eu-west-1' }, () => {}, readCliEnv(env));
    try {
      expect(target.stack?.alarmChannelTopicArns).toEqual([ARN, `${ARN}-2`]);
    } finally {
      target.close();
    }
  });
});
