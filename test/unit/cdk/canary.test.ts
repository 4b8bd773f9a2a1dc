// The canary in the template: its function (least privilege), schedule,
// receipt rule, the accept and drain functions' settings, the alarm and the
// output with the MX record; and none of it with "canary": false.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/config/settings.js';
import { CANARY_MAX_INTERVAL_MINUTES } from '../../../lib/config/canary.js';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { actionsOf, allowing, BASE_CONTEXT, buildStack, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';
import { functionRoles, isAllowed, roleStatements } from '../../support/cdk/iam-evaluate.js';

const CANARY = 'sends the canary';
const ADDRESS = 'canary@canary.example.com';
const twoRoutes = { ...BASE_CONTEXT, routes: [...BASE_CONTEXT.routes, { name: 'second', domains: ['example.net'], primary: { host: 'mail.example.net', port: 587 } }] };
const { template } = buildStack(twoRoutes);
const env = (text: string) => resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!.Properties!.Environment.Variables as Record<string, unknown>;
const alarmsNamed = (t: typeof template, id: string) => Object.entries(resources(t, 'AWS::CloudWatch::Alarm')).filter(([logicalId]) => logicalId.startsWith(`Monitoring${id}`));

describe('the canary in the template', () => {
  it('a small function sends it on an hourly schedule, without retries (the next canary is the retry)', () => {
    const id = functionId(template, CANARY);
    expect(resources(template, 'AWS::Lambda::Function')[id]!.Properties).toMatchObject({ MemorySize: 128, Timeout: 30 });
    const rules = Object.values(resources(template, 'AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties!.Targets).includes(id));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    expect(rules[0]!.Properties!.Targets[0].RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
    expect(env(CANARY)).toMatchObject({ [ENV.canaryAddress]: ADDRESS, [ENV.canaryIntervalMinutes]: '60' });
    // It reads no route table: no digest, nothing of the routes.
    expect(env(CANARY)[ENV.routeTableDigest]).toBeUndefined();
  });

  it('follows canary.intervalMinutes', () => {
    const { template: every30 } = buildStack({ ...BASE_CONTEXT, canary: { intervalMinutes: 30 } });
    expect(Object.values(resources(every30, 'AWS::Events::Rule')).map((r) => r.Properties!.ScheduleExpression)).toContain('rate(30 minutes)');
    // The probe decides canary-missing: it is told the interval (the late limit is CANARY_LATE_MINUTES more).
    const probe = resources(every30, 'AWS::Lambda::Function')[functionId(every30, 'checks each primary')]!.Properties!.Environment.Variables;
    expect(probe[ENV.canaryIntervalMinutes]).toBe('30');
  });

  it('may send only SendRawEmail, only from and to the canary address, and touch only its key in the table', () => {
    const statements = statementsOf(template, CANARY);
    const send = allowing(statements, 'ses:SendRawEmail');
    expect(send).toHaveLength(1);
    expect(send[0]!.Condition).toEqual({
      StringEqualsIgnoreCase: { 'ses:FromAddress': ADDRESS },
      'ForAllValues:StringEqualsIgnoreCase': { 'ses:Recipients': [ADDRESS] },
    });
    expect(actionsOf(statements).filter((a) => a.startsWith('ses:'))).toEqual(['ses:SendRawEmail']);
    for (const forbidden of ['sqs:SendMessage', 's3:GetObject', 'secretsmanager:GetSecretValue', 'lambda:InvokeFunction', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect(allowing(statements, forbidden), forbidden).toEqual([]);
    }
    for (const s of allowing(statements, 'dynamodb:GetItem').concat(allowing(statements, 'dynamodb:PutItem'))) {
      expect(JSON.stringify(s.Condition)).toContain('canary#*');
    }
  });

  it('IAM evaluated: the canary role sends from and to the canary address and nothing else; no other function may send as it', () => {
    const identity = 'arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/example.com';
    const send = (statements: ReturnType<typeof roleStatements>, from: string, to: string[]) =>
      isAllowed(statements, { action: 'ses:SendRawEmail', resource: identity, context: { 'ses:FromAddress': from, 'ses:Recipients': to } });
    const roles = functionRoles(template).map((f) => ({ description: f.description, statements: roleStatements(template, f.roleId) }));
    const canary = roles.find((r) => r.description.includes(CANARY))!.statements;
    expect(send(canary, ADDRESS, [ADDRESS])).toBe(true);
    expect(send(canary, 'CANARY@canary.example.com', ['canary@CANARY.example.com'])).toBe(true);
    expect(send(canary, ADDRESS, [ADDRESS, 'victim@example.org'])).toBe(false);
    expect(send(canary, 'ceo@example.com', [ADDRESS])).toBe(false);
    expect(send(canary, ADDRESS, ['victim@example.org'])).toBe(false);
    // The drain's notice grant is bound to the notices' From address: it cannot send a canary.
    for (const other of roles.filter((r) => !r.description.includes(CANARY))) expect(send(other.statements, ADDRESS, [ADDRESS]), other.description).toBe(false);
  });

  it('has its own receipt rule for the canary address alone, storing under mail/_canary/ and announcing on the first route\'s topic', () => {
    type Rule = { Rule: { Name: string; Recipients: string[]; ScanEnabled: boolean; Actions: { S3Action: { ObjectKeyPrefix: string; TopicArn: { Ref: string } } }[] } };
    const rules = Object.values(resources(template, 'AWS::SES::ReceiptRule')).map((r) => r.Properties as unknown as Rule);
    const canary = rules.find((r) => r.Rule.Name === 'canary')!;
    const corp = rules.find((r) => r.Rule.Name === 'route-corp')!;
    expect(canary.Rule).toMatchObject({ Recipients: [ADDRESS], ScanEnabled: true });
    expect(canary.Rule.Actions[0]!.S3Action.ObjectKeyPrefix).toBe('mail/_canary/');
    expect(canary.Rule.Actions[0]!.S3Action.TopicArn).toEqual(corp.Rule.Actions[0]!.S3Action.TopicArn);
    // No route's rule lists the canary domain.
    expect(rules.filter((r) => r.Rule.Name !== 'canary').flatMap((r) => r.Rule.Recipients).some((x) => x.includes('canary'))).toBe(false);
  });

  it('accept and the drain know the canary address and its route (the first)', () => {
    for (const text of ['indexes each message', 'delivers one route queue']) {
      expect(env(text)).toMatchObject({ [ENV.canaryAddress]: ADDRESS, [ENV.canaryRoute]: 'corp' });
    }
    expect(env('checks each primary')[ENV.canaryAddress]).toBeUndefined();
  });

  it('a missing canary is a condition of StackProblems (the probe reads the last arrival accept records), missing data breaching, to the alarm topic', () => {
    const found = alarmsNamed(template, 'StackProblems');
    expect(found).toHaveLength(1);
    const props = found[0]![1].Properties!;
    expect(props).toMatchObject({ Namespace: 'BackupMx', MetricName: 'StackProblems', TreatMissingData: 'breaching' });
    expect(props.AlarmDescription).toContain('no canary arrived in time');
    expect(JSON.stringify(props.AlarmActions)).toContain('AlarmTopic');
    expect(JSON.stringify(props.OKActions)).toContain('AlarmTopic');
    // No alarm of its own: CanaryRoundTripSeconds is a log field (a metric only with the dashboard).
    expect(alarmsNamed(template, 'CanaryMissing')).toEqual([]);
  });

  it('the interval is at most 720 minutes, named when passed', () => {
    expect(() => parseBackupMxConfig({ ...BASE_CONTEXT, canary: { intervalMinutes: CANARY_MAX_INTERVAL_MINUTES + 1 } })).toThrow(/backupMx.canary.intervalMinutes: expected 5–720/);
  });

  it('prints the MX record to add as an output', () => {
    expect(template.toJSON().Outputs.CanaryMxRecord.Value).toBe('canary.example.com MX 10 inbound-smtp.us-east-1.amazonaws.com');
  });

  it('"canary": false leaves out the function, schedule, rule, output and settings', () => {
    const { template: off } = buildStack({ ...twoRoutes, canary: false });
    expect(() => functionId(off, CANARY)).toThrow();
    expect(Object.values(resources(off, 'AWS::SES::ReceiptRule')).map((r) => (r.Properties as { Rule: { Name: string } }).Rule.Name)).not.toContain('canary');
    expect(off.toJSON().Outputs.CanaryMxRecord).toBeUndefined();
    const accept = resources(off, 'AWS::Lambda::Function')[functionId(off, 'indexes each message')]!.Properties!.Environment.Variables;
    expect(accept[ENV.canaryAddress]).toBeUndefined();
  });

  it('counts against SES\'s 200 rules per set, naming the way out', () => {
    // 199 rules of 100 addresses each: with the canary's, 200 fit; one address more makes 201.
    const many = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@example.com`);
    const route = (n: number) => ({ name: 'corp', domains: ['example.com'], recipients: many(n), primary: { host: 'mail.example.com', port: 587 } });
    expect(() => parseBackupMxConfig({ region: 'us-east-1', routes: [route(199 * 100)] })).not.toThrow();
    expect(() => parseBackupMxConfig({ region: 'us-east-1', routes: [route(199 * 100 + 1)] })).toThrow(/201 SES receipt rules.*"canary": false/s);
    expect(() => parseBackupMxConfig({ region: 'us-east-1', canary: false, routes: [route(199 * 100 + 1)] })).not.toThrow();
  });
});
