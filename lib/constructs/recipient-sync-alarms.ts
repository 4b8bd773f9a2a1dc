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
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
