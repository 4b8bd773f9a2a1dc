// CanaryMissing: no canary arrived in time. The accept function publishes
// CanaryRoundTripSeconds when one arrives; the alarm looks at 5-minute
// periods over the canary's interval plus CANARY_LATE_MINUTES and fires when
// every one of them is breaching: missing (no canary arrived: the path is
// broken, or nothing was sent) or slower than the late limit (a replayed old
// canary counts as late too). One good canary in the window keeps it OK, so a
// send that lands just across a period boundary is no false alarm.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CANARY_ROUND_TRIP_METRIC, METRICS_NAMESPACE, stackMetricDimensions } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { CANARY_LATE_MINUTES, type CanaryConfig } from '../config/canary.js';

export const CANARY_ALARM_PERIOD = Duration.minutes(5);
/** CloudWatch: an alarm whose period is under an hour evaluates at most one day (Period × EvaluationPeriods). */
export const MAX_SUB_HOUR_EVALUATION_SECONDS = 86_400;

/** The periods the alarm looks at: the interval and the late limit, in whole periods. */
export function canaryAlarmPeriods(intervalMinutes: number): number {
  return Math.ceil(((intervalMinutes + CANARY_LATE_MINUTES) * 60) / CANARY_ALARM_PERIOD.toSeconds());
}

export function canaryAlarm(alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm, canary: CanaryConfig, stackName: string): cloudwatch.Alarm {
  const periods = canaryAlarmPeriods(canary.intervalMinutes);
  return alarm('CanaryMissing', {
    alarmDescription:
      `backup-mx: no canary to ${canary.address} arrived within ${canary.intervalMinutes + CANARY_LATE_MINUTES} minutes: mail may not reach the queue ` +
      '(rule set deactivated, bucket or key policy changed, SES identity lapsed, MX record of the canary domain). See the canary function\'s log and ' +
      '`npx backup-mx doctor` (README: The canary)',
    metric: new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: CANARY_ROUND_TRIP_METRIC,
      dimensionsMap: stackMetricDimensions(stackName),
      period: CANARY_ALARM_PERIOD,
      statistic: 'Maximum',
    }),
    threshold: CANARY_LATE_MINUTES * 60,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    // No canary is the failure this alarm exists for.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
}
