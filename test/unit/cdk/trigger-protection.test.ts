// What limits the public trigger in the template: its reserved concurrency
// (applied at deploy where the account has room: adapters/aws/concurrency-
// reservation.ts), the trigger.reservedConcurrency setting, and the alarm on
// a sustained rate of refused or throttled calls.
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { TRIGGER_REFUSED_PERIODS, TRIGGER_REFUSED_PER_PERIOD } from '../../../lib/constructs/monitoring.js';
import { allowing, BASE_CONTEXT, buildStack, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';

const TRIGGER = 'from a primary (HMAC-signed function URL)';
const RESERVE = 'reserves concurrency for the trigger';

describe('trigger reserved concurrency', () => {
  const { template } = buildStack(BASE_CONTEXT);
  const reservations = (t = template) => Object.values(resources(t, 'Custom::TriggerConcurrency'));

  it('by default reserves 3 for the trigger function, through a custom resource that never fails the deploy for want of room', () => {
    expect(reservations()).toHaveLength(1);
    expect(reservations()[0]!.Properties).toMatchObject({ FunctionName: { Ref: functionId(template, TRIGGER) }, ReservedConcurrency: '3' });
    // Not as a plain property: that fails `cdk deploy` in an account whose limit is 10.
    expect(resources(template, 'AWS::Lambda::Function')[functionId(template, TRIGGER)]!.Properties!.ReservedConcurrentExecutions).toBeUndefined();
    expect(template.findOutputs('TriggerConcurrency')).toBeDefined();
    expect(Object.keys(template.findOutputs('*'))).toEqual(expect.arrayContaining(['TriggerConcurrency', 'TriggerFunctionName']));
  });

  it('its function may read the account\'s limits and set the concurrency of the trigger function only', () => {
    const statements = statementsOf(template, RESERVE);
    expect(allowing(statements, 'lambda:GetAccountSettings')[0]!.Resource).toBe('*');
    const put = allowing(statements, 'lambda:PutFunctionConcurrency');
    expect(put).toHaveLength(1);
    expect(put[0]!.Resource).toEqual({ 'Fn::GetAtt': [functionId(template, TRIGGER), 'Arn'] });
    expect(allowing(statements, 'lambda:PutFunctionConcurrency').flatMap((s) => s.Action)).not.toContain('lambda:*');
    expect(allowing(statements, 'dynamodb:PutItem')).toEqual([]);
  });

  it('trigger.reservedConcurrency: a number (0 switches the trigger off), or "none" for no reservation at all', () => {
    const off = buildStack({ ...BASE_CONTEXT, trigger: { reservedConcurrency: 0 } }).template;
    expect(reservations(off)[0]!.Properties!.ReservedConcurrency).toBe('0');
    const none = buildStack({ ...BASE_CONTEXT, trigger: { reservedConcurrency: 'none' } }).template;
    expect(reservations(none)).toEqual([]);
    expect(parseBackupMxConfig({ ...BASE_CONTEXT, trigger: { reservedConcurrency: '10' } }).trigger.reservedConcurrency).toBe(10);
    for (const bad of [-1, 101, 'lots', 2.5]) {
      expect(() => parseBackupMxConfig({ ...BASE_CONTEXT, trigger: { reservedConcurrency: bad } })).toThrow(/backupMx\.trigger\.reservedConcurrency: expected 0–100 or "none"/);
    }
  });
});

describe('trigger refusal alarm', () => {
  const { template } = buildStack(BASE_CONTEXT);

  it(`fires on more than ${TRIGGER_REFUSED_PER_PERIOD} refused calls in each of ${TRIGGER_REFUSED_PERIODS} five-minute periods; no calls is normal`, () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) => String(a.Properties!.AlarmDescription).includes('"I\'m back" trigger refused'));
    expect(alarms).toHaveLength(1);
    const alarm = alarms[0]!.Properties!;
    expect(alarm).toMatchObject({
      Threshold: TRIGGER_REFUSED_PER_PERIOD,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: TRIGGER_REFUSED_PERIODS,
      DatapointsToAlarm: TRIGGER_REFUSED_PERIODS,
      TreatMissingData: 'notBreaching',
    });
    // One metric ($0.10 a month): the refusals. A call Lambda throttles runs nothing and costs nothing.
    expect(alarm).toMatchObject({ Namespace: 'BackupMx', MetricName: 'TriggerRefused', Dimensions: [{ Name: 'service', Value: 'backup-mx' }, { Name: 'stack', Value: 'BackupMx' }], Period: 300, Statistic: 'Sum' });
    expect(alarm.Metrics).toBeUndefined();
    // One call a primary start, or a misconfigured hook retrying every 10 s, stays below it.
    expect((5 * 60) / 10).toBeLessThan(TRIGGER_REFUSED_PER_PERIOD);
  });
});
