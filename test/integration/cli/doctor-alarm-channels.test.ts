// doctor's alarm channel checks with a real SNS client against the emulator:
// the alarm topic's subscriptions as SNS lists them (one address in a protected
// domain, one elsewhere, a webhook whose key must not be printed), and the
// user's own topics with the policies and keys set through SetTopicAttributes.
// (The emulator lists every subscription as confirmed and has no SMS account
// API: pending ones and SMS are covered in test/unit/cli/doctor/doctor-alarm-channels.test.ts.)
import { CreateTopicCommand, SetTopicAttributesCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmChannelChecks, type AlarmChannelFacts } from '../../../cli/doctor/alarm-channel-checks.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

const HOOK = 'https://events.pagerduty.com/integration/5ecret0key/enqueue';

describe('doctor: where alarms go, against the SNS emulator', () => {
  let env: EmulatorEnv;
  let sns: SNSClient;
  const topic = async (name: string) => (await sns.send(new CreateTopicCommand({ Name: `${name}-${env.unique()}` }))).TopicArn!;
  const subscribe = (TopicArn: string, Protocol: string, Endpoint: string) => sns.send(new SubscribeCommand({ TopicArn, Protocol, Endpoint }));
  const setAttribute = (TopicArn: string, AttributeName: string, AttributeValue: string) => sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName, AttributeValue }));

  beforeAll(async () => {
    env = await startEmulatorEnv();
    sns = env.clients.sns;
  });
  afterAll(() => env.stop());

  const factsFor = (topicArn: string, extraTopicArns: string[] = []): AlarmChannelFacts => ({
    topicArn,
    extraTopicArns,
    routes: [{ name: 'corp', domains: ['example.com', 'example.org'] }],
    stackName: 'BackupMx',
    region: 'us-east-1',
  });

  it('the protected address is flagged, the one elsewhere and the webhook count, and the key stays out of the output', async () => {
    const alarms = await topic('alarms');
    await subscribe(alarms, 'email', 'ops@example.com');
    await subscribe(alarms, 'email', 'ops@alerts.example.net');
    await subscribe(alarms, 'https', HOOK);
    const results = await alarmChannelChecks(sns, factsFor(alarms));
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['alarm channel ops@example.com', 'warn'],
      ['alarm channel ops@alerts.example.net', 'ok'],
      ['alarm channel https://events.pagerduty.com/…', 'ok'],
      ['alarm subscription', 'ok'],
    ]);
    expect(results[0]!.detail).toContain('which route "corp" protects');
    expect(JSON.stringify(results)).not.toContain('5ecret0key');
  });

  it('only a protected address: nobody hears of the primary being down', async () => {
    const alarms = await topic('alarms-protected');
    await subscribe(alarms, 'email', 'postmaster@example.org');
    expect((await alarmChannelChecks(sns, factsFor(alarms))).at(-1)).toMatchObject({ check: 'alarm subscription', status: 'fail' });
  });

  it('your own topics: the README statement lets CloudWatch in, an owner-only policy does not, the AWS managed key never works, a missing topic is lost', async () => {
    const alarms = await topic('alarms-ours');
    await subscribe(alarms, 'email', 'ops@alerts.example.net');
    const account = alarms.split(':')[4]!;
    const listener = env.resources.deadLetterQueue.arn;
    const readmeStatement = (arn: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowBackupMxAlarms',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: arn,
            Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${account}:alarm:BackupMx/*` } },
          },
        ],
      });
    const good = await topic('ops-good');
    await setAttribute(good, 'Policy', readmeStatement(good));
    await subscribe(good, 'sqs', listener);
    const ownerOnly = await topic('ops-owner-only');
    await setAttribute(ownerOnly, 'Policy', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sns:Publish', Resource: ownerOnly }] }));
    const managedKey = await topic('ops-managed-key');
    await setAttribute(managedKey, 'Policy', readmeStatement(managedKey));
    await setAttribute(managedKey, 'KmsMasterKeyId', 'alias/aws/sns');
    const missing = `arn:aws:sns:us-east-1:${account}:no-such-topic-${env.unique()}`;

    const results = await alarmChannelChecks(sns, factsFor(alarms, [good, ownerOnly, managedKey, missing]));
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ['alarm channel ops@alerts.example.net', 'ok'],
      ['alarm subscription', 'ok'],
      [`alarm topic ${good}`, 'ok'],
      [`alarm topic ${ownerOnly}`, 'fail'],
      [`alarm topic ${managedKey}`, 'fail'],
      [`alarm topic ${missing}`, 'fail'],
    ]);
    expect(results[1]!.detail).toContain('every alarm also goes to 4 topics of yours');
    expect(results[2]!.detail).toBe('CloudWatch may publish to it (statement "AllowBackupMxAlarms" allows it); 1 confirmed subscription');
    expect(results[3]!.fix).toContain(`alarm:BackupMx/*`);
    expect(results[4]!.detail).toContain('alias/aws/sns');
    expect(results[5]!.detail).toBe('no such topic: alarms published there are lost');
  });
});
