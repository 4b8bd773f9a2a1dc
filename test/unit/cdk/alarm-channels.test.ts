// Alerts that do not depend on the mail they guard (invariant 11): the
// channels are in the template, an alarmEmail in a protected domain stops
// synth (or warns, with the override), and every alarm reaches the user's
// own topics within CloudWatch's limit of actions.
import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DeployCheckError } from '../../../lib/checks/deploy-checks.js';
import { MAX_ALARM_ACTIONS_PER_STATE, MAX_ALARM_TOPICS } from '../../../lib/config/alarm-channels.js';
import { retrySecondsAtMost, SNS_HTTP_RETRY_LIMIT_SECONDS } from '../../../lib/constructs/alarm-channels.js';
import { buildStack, resources } from '../../support/cdk/stack-fixture.js';

const WEBHOOK = 'https://events.pagerduty.com/integration/5ecret0key0of0pagerduty/enqueue';
const NTFY = 'https://ntfy.sh/backupmx-7f3a9c2e';
const TOPICS = ['arn:aws:sns:eu-west-1:123456789012:ops-a', 'arn:aws:sns:eu-west-1:123456789012:ops-b', 'arn:aws:sns:eu-west-1:210987654321:pager'];
const CONTEXT = {
  region: 'eu-west-1',
  alarmEmail: 'ops@alerts.example.net',
  alarms: { webhookUrls: [WEBHOOK, NTFY], smsNumbers: ['+14155550123'], topicArns: TOPICS },
  routes: [{ name: 'corp', domains: ['example.com', 'example.org'], primary: { host: 'mail.example.com', port: 587 } }],
};
const warnings = (stack: ReturnType<typeof buildStack>['stack'], pattern: string) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(pattern));

describe('alarm channels in the template', () => {
  const { template, stack } = buildStack(CONTEXT);
  const alarmTopicId = Object.keys(resources(template, 'AWS::SNS::Topic')).find((id) => id.startsWith('MonitoringAlarmTopic'))!;
  const subscriptions = Object.entries(resources(template, 'AWS::SNS::Subscription')).filter(([, s]) => s.Properties!.TopicArn?.Ref === alarmTopicId);
  const byProtocol = (protocol: string) => subscriptions.filter(([, s]) => s.Properties!.Protocol === protocol);

  it('subscribes the e-mail address, each webhook (https) and each SMS number to the alarm topic', () => {
    expect(byProtocol('email').map(([, s]) => s.Properties!.Endpoint)).toEqual(['ops@alerts.example.net']);
    expect(byProtocol('https').map(([, s]) => s.Properties!.Endpoint).sort()).toEqual([WEBHOOK, NTFY].sort());
    expect(byProtocol('sms').map(([, s]) => s.Properties!.Endpoint)).toEqual(['+14155550123']);
    // The SNS envelope, not the raw alarm: PagerDuty's CloudWatch integration reads its Subject.
    for (const [, s] of byProtocol('https')) expect(s.Properties!.RawMessageDelivery).toBeUndefined();
    expect(subscriptions).toHaveLength(4);
  });

  // The id main synthesized for this address before the channels existed.
  it('the e-mail subscription keeps the logical id it had before the channels (a replaced one must be confirmed again)', () => {
    expect(byProtocol('email').map(([id]) => id)).toEqual(['MonitoringAlarmTopicopsalertsexamplenet673B5A13']);
  });

  it('a webhook key never appears in a logical id (cdk deploy prints them, CloudFormation events show them), and ids do not depend on the order', () => {
    for (const [id] of subscriptions) {
      expect(id.toLowerCase()).not.toContain('5ecret0key');
      expect(id.toLowerCase()).not.toContain('7f3a9c2e');
      expect(id).not.toContain('14155550123');
    }
    const reordered = buildStack({ ...CONTEXT, alarms: { ...CONTEXT.alarms, webhookUrls: [NTFY, WEBHOOK] } }).template;
    expect(Object.keys(resources(reordered, 'AWS::SNS::Subscription')).sort()).toEqual(Object.keys(resources(template, 'AWS::SNS::Subscription')).sort());
  });

  it('SNS keeps retrying a webhook for most of the hour it allows, never past it (SNS refuses a longer policy)', () => {
    for (const [, s] of byProtocol('https')) {
      const policy = s.Properties!.DeliveryPolicy.healthyRetryPolicy;
      const seconds = retrySecondsAtMost(policy);
      expect(seconds).toBeLessThanOrEqual(SNS_HTTP_RETRY_LIMIT_SECONDS);
      // SNS's default gives up after 3 retries 20 s apart; CloudWatch notifies once per change.
      expect(seconds).toBeGreaterThanOrEqual(30 * 60);
      expect(policy.backoffFunction).toBe('EXPONENTIAL');
    }
    expect(SNS_HTTP_RETRY_LIMIT_SECONDS).toBe(3_600);
    // The bound counts every backoff delay at its maximum.
    expect(retrySecondsAtMost({ minDelayTarget: 20, maxDelayTarget: 300, numRetries: 13, numMinDelayRetries: 2, numMaxDelayRetries: 3 })).toBe(2 * 20 + 11 * 300);
  });

  it('every alarm publishes to the user\'s topics on ALARM and on OK, besides our own topic', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(9);
    for (const alarm of alarms) {
      for (const key of ['AlarmActions', 'OKActions']) {
        const list = alarm.Properties![key] as unknown[];
        expect(list).toEqual(expect.arrayContaining([{ Ref: alarmTopicId }, ...TOPICS]));
      }
    }
    template.hasOutput('AlarmChannelTopicArns', { Value: TOPICS.join(',') });
  });

  it(`with the most topics allowed (${MAX_ALARM_TOPICS}) no alarm has more than CloudWatch's ${MAX_ALARM_ACTIONS_PER_STATE} actions in a state`, () => {
    expect(TOPICS).toHaveLength(MAX_ALARM_TOPICS);
    for (const alarm of Object.values(resources(template, 'AWS::CloudWatch::Alarm'))) {
      for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
        expect(((alarm.Properties![key] ?? []) as unknown[]).length).toBeLessThanOrEqual(MAX_ALARM_ACTIONS_PER_STATE);
      }
    }
  });

  it('no warning when a channel reaches someone outside the protected domains', () => {
    expect(warnings(stack, 'alarm')).toEqual([]);
  });

  it('without alarm channels: no extra subscription, no extra action, no AlarmChannelTopicArns output', () => {
    const bare = buildStack().template;
    const alarms = Object.values(resources(bare, 'AWS::CloudWatch::Alarm'));
    for (const alarm of alarms) expect(alarm.Properties!.OKActions).toHaveLength(1);
    expect(Object.values(resources(bare, 'AWS::SNS::Subscription')).filter((s) => ['https', 'sms', 'email'].includes(s.Properties!.Protocol))).toEqual([]);
    expect(bare.findOutputs('AlarmChannelTopicArns')).toEqual({});
  });
});

describe('alarmEmail in a protected domain', () => {
  const protectedContext = { ...CONTEXT, alarmEmail: 'ops@example.com', alarms: {} };

  it('stops synth with the reason and the ways out (the README\'s old example)', () => {
    expect(() => buildStack(protectedContext)).toThrow(DeployCheckError);
    expect(() => buildStack(protectedContext)).toThrow(/backupMx\.alarmEmail: "ops@example\.com" is in example\.com, which route "corp" protects: .*wait in backup-mx's own queue.*allowProtectedEmail/s);
    // A subdomain's mail goes to the same primary as a rule; a lookalike does not.
    expect(() => buildStack({ ...protectedContext, alarmEmail: 'ops@it.example.org' })).toThrow(/under example\.org/);
    expect(() => buildStack({ ...protectedContext, alarmEmail: 'ops@myexample.com' })).not.toThrow();
  });

  it('with alarms.allowProtectedEmail it synthesizes, with a warning that names the reason', () => {
    const { stack, template } = buildStack({ ...protectedContext, alarms: { allowProtectedEmail: true } });
    const found = warnings(stack, 'protects');
    expect(found).toHaveLength(1);
    expect(JSON.stringify(found[0]!.entry.data)).toMatch(/alarmEmail .*ops@example\.com.* is in example\.com.*alarms\.webhookUrls/);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('no channel at all', () => {
  it('synth warns that alarms reach nobody, naming every channel (the shipped cdk.json has none)', () => {
    const found = warnings(buildStack().stack, 'no alarm channel');
    expect(found).toHaveLength(1);
    for (const channel of ['alarmEmail', 'alarms.webhookUrls', 'alarms.smsNumbers', 'alarms.topicArns', 'AlarmTopicArn']) expect(JSON.stringify(found[0]!.entry.data)).toContain(channel);
  });

  it('any one channel is enough', () => {
    const route = CONTEXT.routes[0]!;
    for (const alarms of [{ smsNumbers: ['+14155550123'] }, { webhookUrls: [NTFY] }, { topicArns: [TOPICS[0]!] }]) {
      expect(warnings(buildStack({ region: 'eu-west-1', routes: [route], alarms }).stack, 'no alarm channel')).toEqual([]);
    }
  });
});
