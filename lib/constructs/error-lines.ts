// One alarm for every function's failures, instead of one Errors alarm per
// function ($0.10 a month each): a CloudWatch Logs metric filter on each
// function's log group counts the lines that mean something went wrong — the
// engine's ERROR lines (a read that failed and was logged, a primary that
// refuses us, the probe's "problem began" for a new condition while the
// route's alarm is already in ALARM) and the runtime's own (timeout, crash,
// out of memory) — into one metric, published only when such a line is
// written, so it costs nothing while all is well. Metric filters are free.
//
// Missing data is not breaching here (no error line is the normal case); the
// heartbeat is the probe's RouteProblems and StackProblems, which breach when
// they stop (docs/alarms.md).
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/adapters/aws/powertools-metrics.js';
import type { BackupMxFunction } from './backup-mx-function.js';

/**
 * The terms a line may hold to count (any one): Powertools writes
 * `"level":"ERROR"`; Lambda writes "Task timed out after …" for a timeout,
 * "Runtime.ExitError" / "Runtime.OutOfMemory" and "Process exited before
 * completing request" for a crash, and the Node runtime's "ERROR Invoke Error"
 * for an exception the handler threw.
 */
export const ERROR_LINE_TERMS = ['ERROR', 'Task timed out', 'Process exited before completing', 'Runtime.ExitError', 'Runtime.OutOfMemory'] as const;

/** CloudWatch Logs filter-pattern syntax for "any of": `?term ?"a phrase"`. */
export const ERROR_LINE_PATTERN = ERROR_LINE_TERMS.map((term) => (/^\w+$/.test(term) ? `?${term}` : `?"${term}"`)).join(' ');

/**
 * The metric's name carries the stack: a metric filter cannot set a fixed
 * dimension (only one taken from a JSON field), and two stacks in one account
 * must not count into one series.
 */
export function errorLinesMetricName(stackName: string): string {
  return `ErrorLines-${stackName}`;
}

export function errorLinesAlarm(scope: Construct, alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm, functions: { name: string; fn: BackupMxFunction }[]): cloudwatch.Alarm {
  const metricName = errorLinesMetricName(Stack.of(scope).stackName);
  for (const { fn } of functions) {
    new logs.MetricFilter(fn, 'ErrorLines', {
      logGroup: fn.logGroup,
      filterPattern: logs.FilterPattern.literal(ERROR_LINE_PATTERN),
      metricNamespace: METRICS_NAMESPACE,
      metricName,
      metricValue: '1',
      // No defaultValue: a 0 would be published with every log line and billed as a metric all month.
    });
  }
  return alarm('ErrorLines', {
    alarmDescription:
      `backup-mx: a function wrote an ERROR line, timed out or crashed (${functions.map((f) => f.name).join(', ')}). A "problem began" line names a new ` +
      'condition on a route or the stack (run `npx backup-mx status`); any other names what failed. Search the functions\' log groups for ERROR (README: Alarms)',
    metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
