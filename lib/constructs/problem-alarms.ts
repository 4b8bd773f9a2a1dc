// The alarms on the probe's evaluation (core/problems): one per route on its
// RouteProblems, one on the stack's StackProblems. Each reads one metric the
// probe publishes every minute, a bit set of the conditions that are on (each a
// row of README's alarm table): a value of 1 or more for PROBLEM_PERIODS
// minutes is ALARM, and so is no value (a probe that stops, or cannot
// evaluate, is an alarm by construction: docs/alarms.md). CloudWatch tells a
// person only when the state changes: a condition that begins while another
// keeps the alarm in ALARM is told by the probe's "problem began" line,
// which NewProblem (error-lines.ts) counts.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, metricDimensions, ROUTE_PROBLEMS_METRIC, STACK_PROBLEMS_METRIC, stackMetricDimensions } from '../../lambdas/adapters/aws/powertools-metrics.js';
import { ROUTE_CONDITIONS, STACK_CONDITIONS } from '../../lambdas/core/problems/conditions.js';
import type { BackupMxConfig, RouteConfig } from '../config/backup-mx-config.js';

/** One-minute periods in a row with a condition on (or no figure) before the alarm fires: three probe rounds. */
export const PROBLEM_PERIODS = 3;

type AlarmFactory = (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;

/** The bit legend, so the alarm's e-mail (which quotes the value) says which conditions it stands for. */
function legend(order: readonly string[]): string {
  return order.map((condition, bit) => `${1 << bit} ${condition}`).join(', ');
}

const bitSet = (metricName: string, dimensionsMap: Record<string, string>) =>
  new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, period: Duration.minutes(1), statistic: 'Maximum' });

const problemAlarm = (description: string, metric: cloudwatch.Metric): cloudwatch.AlarmProps => ({
  alarmDescription: description,
  metric,
  threshold: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: PROBLEM_PERIODS,
  datapointsToAlarm: PROBLEM_PERIODS,
  // The probe publishes it every round it runs: no figure is a probe that stopped, never "fine".
  treatMissingData: cloudwatch.TreatMissingData.BREACHING,
});

export function routeProblemsAlarm(alarm: AlarmFactory, route: RouteConfig, config: BackupMxConfig, stackName: string): cloudwatch.Alarm {
  const { alarms } = config;
  return alarm(
    `Problems-${route.name}`,
    problemAlarm(
      `backup-mx ${route.name} (${route.primary.host}): something needs you. Run \`npx backup-mx status\`: it names each condition that is on; ` +
        `the probe's log says "problem began" with the detail. Conditions: primary down ${alarms.primaryDownMinutes} min, a message waiting ` +
        `${alarms.oldestMessageAgeMinutes} min, ${alarms.backlogMessages} messages waiting, dead letters, notices held, deliveries failing while the ` +
        `primary answers, the primary refusing everything, or a record the probe could not read; no figure at all: the probe is not running. ` +
        `Value = sum of ${legend(ROUTE_CONDITIONS)} (README: Alarms)`,
      bitSet(ROUTE_PROBLEMS_METRIC, metricDimensions(stackName, route.name)),
    ),
  );
}

export function stackProblemsAlarm(alarm: AlarmFactory, stackName: string): cloudwatch.Alarm {
  return alarm(
    'StackProblems',
    problemAlarm(
      `backup-mx: something needs you across the stack. Run \`npx backup-mx status\`: it names each condition that is on; the probe's log says ` +
        '"problem began" with the detail. Conditions: a message on the dead-letter queue, mail in an old queue of this stack (or its hourly watch silent), ' +
        `no canary arrived in time (mail may not reach the queue), or a record the probe could not read; no figure at all: the probe is not running. Value = sum of ${legend(STACK_CONDITIONS)} (README: Alarms)`,
      bitSet(STACK_PROBLEMS_METRIC, stackMetricDimensions(stackName)),
    ),
  );
}
