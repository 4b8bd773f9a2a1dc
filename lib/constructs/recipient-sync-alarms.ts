// The alarm on the rule writer a push asks (recipient-rule-writer.ts), made
// only when a route syncs. The push answers before the rules are written
// (rulesPending), and Lambda runs the writer asynchronously: a failure (after
// the SDK's own retries of SES's throttling, a missing template rule, a list
// body gone, a timeout) would otherwise be seen only in the writer's log and in
// `status` (rules pending). Lambda's own Errors metric, so it costs nothing to
// publish; Lambda retries a failed asynchronous call twice, and each failed
// attempt counts, so one alarm fires at the first failure and the OK follows
// once a period passes without one. No invocations is normal (it runs only
// after a push): missing data is not breaching.
//
// Two more read the push function's own counts (embedded metrics, no API
// call): RecipientPushRefused, a sustained rate of refused pushes (as
// TriggerRefused), and RecipientsRemoved, one push taking many addresses out
// at once (a forced push past the shrink guard, or a broken export a little
// under it): the backup refuses those addresses from then on, so a person
// should look. No pushes is normal: missing data is not breaching.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, RECIPIENT_PUSH_REFUSED_METRIC, RECIPIENTS_REMOVED_METRIC, stackMetricDimensions } from '../../lambdas/adapters/aws/powertools-metrics.js';
import type { BackupMxFunction } from './backup-mx-function.js';

type AlarmFactory = (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

/** The alarm's id (its name is `<stack>-RuleWriterFailed`, as every alarm's: alarm-names.ts). */
export const RULE_WRITER_ALARM = 'RuleWriterFailed';

export function ruleWriterAlarm(alarm: AlarmFactory, writer: BackupMxFunction): cloudwatch.Alarm {
  return alarm(RULE_WRITER_ALARM, {
    alarmDescription:
      'backup-mx: the recipient rule writer failed after a push: the pushed list is stored, but its receipt rules may not be written ' +
      '(backup-mx status shows "rules pending"; until they are, SES accepts what the previous rules did). Its log says why ' +
      '(throttled by SES, template rule missing: deploy, list body missing); the next push or deploy writes the rules from the stored list ' +
      '(README: "Pushing the list")',
    metric: writer.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** Refused pushes per five minutes above which a period counts (a cron pushing each minute stays far below). */
export const PUSH_REFUSED_PER_PERIOD = 30;
/** Five-minute periods in a row above that before RecipientPushRefused fires. */
export const PUSH_REFUSED_PERIODS = 3;
/** Addresses one push may remove before RecipientsRemoved fires (people leaving one by one stay below). */
export const RECIPIENTS_REMOVED_ALARM_AT = 25;

export function pushAlarms(alarm: AlarmFactory, stackName: string): cloudwatch.Alarm[] {
  const dimensionsMap = stackMetricDimensions(stackName);
  const period = Duration.minutes(5);
  return [
    alarm(RECIPIENT_PUSH_REFUSED_METRIC, {
      alarmDescription:
        `backup-mx: the recipient push URL refused more than ${PUSH_REFUSED_PER_PERIOD} calls in each of ${PUSH_REFUSED_PERIODS} five-minute periods ` +
        '(bad or stale signatures, replays, pushes more often than once a minute, lists the guards refused); the reason is the `why` of the push log\'s ' +
        'RecipientPushRefused records. A primary\'s cron whose list keeps being refused shows here too (README: "Pushing the list")',
      metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: RECIPIENT_PUSH_REFUSED_METRIC, dimensionsMap, period, statistic: 'Sum' }),
      threshold: PUSH_REFUSED_PER_PERIOD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: PUSH_REFUSED_PERIODS,
      datapointsToAlarm: PUSH_REFUSED_PERIODS,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    alarm(RECIPIENTS_REMOVED_METRIC, {
      alarmDescription:
        `backup-mx: one recipient push removed ${RECIPIENTS_REMOVED_ALARM_AT} or more addresses from a synced route's list: SES refuses them from now on. ` +
        'If that was not meant (a broken export, a forced push), push the right list with force; the push log\'s RecipientsRemoved record names the route ' +
        '(README: "Recipient lists the primary keeps current")',
      metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: RECIPIENTS_REMOVED_METRIC, dimensionsMap, period, statistic: 'Maximum' }),
      threshold: RECIPIENTS_REMOVED_ALARM_AT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
  ];
}
