// The notices' SES configuration set and what guards it: reputation metrics
// on, its own suppression, alarms under AWS's review lines that pause it
// (never the account), the drain allowed to send only through it, and synth's
// warning for a route open to backscatter.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { BOUNCE_RATE_ALARM, COMPLAINT_RATE_ALARM, CONFIGURATION_SET_DIMENSION } from '../../../lib/constructs/notice-alarms.js';
import { noticeFromAddress } from '../../../lambdas/core/outcome/dsn.js';
import { functionRoles, isAllowed, roleStatements } from '../../support/cdk/iam-evaluate.js';
import { allowing, BASE_CONTEXT, buildStack, deployedRoutes, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';

const { template, stack } = buildStack();
const setId = Object.keys(resources(template, 'AWS::SES::ConfigurationSet'))[0]!;
const pauseId = functionId(template, 'pauses the notices');
const alarms = resources(template, 'AWS::CloudWatch::Alarm');
const alarmNamed = (prefix: string) => {
  const found = Object.entries(alarms).find(([id]) => id.startsWith(`Monitoring${prefix}`));
  if (!found) throw new Error(`no alarm ${prefix}`);
  return found[1].Properties!;
};

describe('the notices\' SES configuration set', () => {
  it('exists once, publishes reputation metrics, suppresses bounced and complaining addresses, and leaves the sending switch to the alarm', () => {
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    const props = resources(template, 'AWS::SES::ConfigurationSet')[setId]!.Properties!;
    expect(props.ReputationOptions).toEqual({ ReputationMetricsEnabled: true });
    expect(props.SuppressionOptions).toEqual({ SuppressedReasons: ['BOUNCE', 'COMPLAINT'] });
    // A deploy must not switch sending back on behind the operator's back.
    expect(props.SendingOptions).toBeUndefined();
  });

  it('the drain may send through it: ses:SendRawEmail covers the identities and this configuration set (SES checks both when a request names one), and the drain is told its name', () => {
    const statements = allowing(statementsOf(template, 'delivers one route queue'), 'ses:SendRawEmail');
    expect(statements).toHaveLength(1);
    const resourcesJson = JSON.stringify(statements[0]!.Resource);
    expect(resourcesJson).toContain(':identity/*');
    expect(resourcesJson).toContain(':configuration-set/');
    expect(resourcesJson).toContain(setId);
    const drain = resources(template, 'AWS::Lambda::Function')[functionId(template, 'delivers one route queue')]!;
    expect(drain.Properties!.Environment.Variables.BACKUPMX_DSN_CONFIGURATION_SET).toEqual({ Ref: setId });
  });

  it('the drain may send only as the notices\' From address where SES gives the request one (ses:FromAddress), and the real notice is never refused', () => {
    const roleId = functionRoles(template).find((r) => r.description.includes('delivers one route queue'))!.roleId;
    const statements = roleStatements(template, roleId);
    const identity = 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/example.com';
    const send = (from?: string) => isAllowed(statements, { action: 'ses:SendRawEmail', resource: identity, context: { 'ses:FromAddress': from } });
    // The notice's own From (core/outcome/dsn.ts), whether SES fills the key, normalises its case, or leaves it out.
    const from = noticeFromAddress('backup-mx.example.com');
    expect(from).toBe('MAILER-DAEMON@backup-mx.example.com');
    expect([send(from), send(from.toLowerCase()), send(from.toUpperCase()), send()]).toEqual([true, true, true, true]);
    // Anyone else of the user's verified domains: refused.
    expect([send('ceo@example.com'), send('MAILER-DAEMON@example.com'), send('mailer-daemon@backup-mx.example.com.attacker.example')]).toEqual([false, false, false]);
  });

  it('no other function may send mail', () => {
    for (const text of ['checks each primary', 'indexes each message', 'pauses the notices']) {
      expect(allowing(statementsOf(template, text), 'ses:SendRawEmail'), text).toEqual([]);
    }
  });

  it('the pause function may only read and switch this configuration set: never the account\'s sending', () => {
    const statements = statementsOf(template, 'pauses the notices');
    const put = allowing(statements, 'ses:PutConfigurationSetSendingOptions');
    expect(put).toHaveLength(1);
    expect(JSON.stringify(put[0]!.Resource)).toContain(':configuration-set/');
    expect(JSON.stringify(put[0]!.Resource)).toContain(setId);
    for (const forbidden of ['ses:PutAccountSendingAttributes', 'ses:UpdateAccountSendingEnabled', 'ses:SendRawEmail', 'dynamodb:PutItem', 'sqs:SendMessage']) {
      expect(allowing(statements, forbidden), forbidden).toEqual([]);
    }
  });

  it('its bounce and complaint rate alarms sit under AWS\'s review lines and invoke the pause function', () => {
    expect(BOUNCE_RATE_ALARM).toBeLessThan(0.05);
    expect(COMPLAINT_RATE_ALARM).toBeLessThan(0.001);
    for (const [prefix, metric, threshold] of [
      ['NoticeBounceRate', 'Reputation.BounceRate', BOUNCE_RATE_ALARM],
      ['NoticeComplaintRate', 'Reputation.ComplaintRate', COMPLAINT_RATE_ALARM],
    ] as const) {
      const alarm = alarmNamed(prefix);
      expect(alarm).toMatchObject({ Namespace: 'AWS/SES', MetricName: metric, Threshold: threshold, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(alarm.Dimensions).toEqual([{ Name: CONFIGURATION_SET_DIMENSION, Value: { Ref: setId } }]);
      expect(JSON.stringify(alarm.AlarmActions)).toContain(pauseId);
      expect(JSON.stringify(alarm.AlarmActions)).toContain('AlarmTopic');
      // Only a move into ALARM invokes it; an OK never re-enables sending by itself.
      expect(JSON.stringify(alarm.OKActions)).not.toContain(pauseId);
    }
    // CloudWatch may invoke the pause function, only for this stack's alarms; EventBridge for the scheduled re-check.
    const permissions = Object.values(resources(template, 'AWS::Lambda::Permission')).filter((p) => JSON.stringify(p.Properties!.FunctionName).includes(pauseId));
    expect(permissions.map((p) => p.Properties!.Principal).sort()).toEqual(['events.amazonaws.com', 'lambda.alarms.cloudwatch.amazonaws.com', 'lambda.alarms.cloudwatch.amazonaws.com']);
    for (const p of permissions) expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction' });
    const byAlarms = permissions.filter((p) => p.Properties!.Principal === 'lambda.alarms.cloudwatch.amazonaws.com');
    expect(byAlarms.map((p) => JSON.stringify(p.Properties!.SourceArn).match(/MonitoringNotice(Bounce|Complaint)Rate/)?.[0]).sort()).toEqual(['MonitoringNoticeBounceRate', 'MonitoringNoticeComplaintRate']);
  });

  it('names its two pausing alarms after the stack, and the stack outputs the names for `notices resume`', () => {
    expect(alarmNamed('NoticeBounceRate').AlarmName).toBe('BackupMx/NoticeBounceRate');
    expect(alarmNamed('NoticeComplaintRate').AlarmName).toBe('BackupMx/NoticeComplaintRate');
    expect(template.toJSON().Outputs.NoticeAlarmNames.Value).toBe('BackupMx/NoticeBounceRate,BackupMx/NoticeComplaintRate');
  });

  it('the account\'s own reputation alarms (AWS/SES, no dimension) warn and pause nothing', () => {
    for (const [prefix, metric, threshold] of [
      ['AccountBounceRate', 'Reputation.BounceRate', BOUNCE_RATE_ALARM],
      ['AccountComplaintRate', 'Reputation.ComplaintRate', COMPLAINT_RATE_ALARM],
    ] as const) {
      const alarm = alarmNamed(prefix);
      expect(alarm).toMatchObject({ Namespace: 'AWS/SES', MetricName: metric, Threshold: threshold });
      expect(alarm.Dimensions).toBeUndefined();
      expect(JSON.stringify(alarm.AlarmActions)).not.toContain(pauseId);
    }
  });

  it('held notices are a condition of the route\'s Problems alarm (the probe counts them), breaching on no figure', () => {
    const alarm = alarmNamed('Problemscorp');
    expect(alarm).toMatchObject({ Namespace: 'BackupMx', MetricName: 'RouteProblems', Threshold: 1, TreatMissingData: 'breaching' });
    expect(alarm.Dimensions).toEqual(expect.arrayContaining([{ Name: 'route', Value: 'corp' }]));
    expect(alarm.AlarmDescription).toContain('notices held');
  });

  it('the route table carries each route\'s hourly budget (global default, route override) and whether it takes any recipient', () => {
    const { template: t } = buildStack({
      ...BASE_CONTEXT,
      dsnPerHour: 40,
      routes: [
        { ...BASE_CONTEXT.routes[0], recipients: ['a@example.com', 'b@example.org'] },
        { name: 'open', domains: ['example.net'], primary: { host: 'mail.example.net', port: 587 }, dsnPerHour: '5' },
      ],
    });
    const routes = deployedRoutes(t);
    expect(routes.find((r) => r.name === 'corp')).toMatchObject({ dsnPerHour: 40 });
    expect(routes.find((r) => r.name === 'corp')!.anyRecipient).toBeUndefined();
    expect(routes.find((r) => r.name === 'open')).toMatchObject({ dsnPerHour: 5, anyRecipient: true });
  });
});

describe('synth warns about backscatter', () => {
  const warnings = (s: typeof stack) => Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('backscatter|no recipient list'));

  it('for a route with no recipient list and bouncePolicy "dsn", naming the risk and both fixes', () => {
    const found = warnings(stack);
    expect(found).toHaveLength(1);
    const text = JSON.stringify(found[0]!.entry.data);
    for (const words of ['route \\"corp\\"', 'example.com', 'recipients', 'recipientsFile', 'dead-letter', 'dsnPerHour', '100 an hour', '5 %']) expect(text).toContain(words);
  });

  it('not when every domain has its recipient list, nor when the route dead-letters', () => {
    const listed = buildStack({ ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0], recipients: ['a@example.com', 'b@example.org'] }] }).stack;
    expect(warnings(listed)).toHaveLength(0);
    const deadLetter = buildStack({ ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0], bouncePolicy: 'dead-letter' }] }).stack;
    expect(warnings(deadLetter)).toHaveLength(0);
    // One domain listed, the other still open: still warned, for that domain.
    const half = buildStack({ ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0], recipients: ['a@example.com'] }] }).stack;
    const text = JSON.stringify(warnings(half).map((w) => w.entry.data));
    expect(text).toContain('example.org');
    expect(text).not.toContain('for example.com');
  });
});
