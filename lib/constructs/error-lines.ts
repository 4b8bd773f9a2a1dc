// One alarm for every function's failures, instead of one Errors alarm per
// function ($0.10 a month each): CloudWatch Logs metric filters on each
// function's log group count the lines that mean something went wrong — the
// engine's ERROR lines (a read that failed and was logged, a primary that
// refuses us) and the runtime's own (timeout, crash, out of memory) — into
// one metric, published only when such a line is written, so it costs
// nothing while all is well. Metric filters are free. A second metric counts
// the probe's "problem began" lines, for NewProblem.
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
 * The engine's error lines: Powertools writes JSON, and only our code sets
 * `level`. A JSON pattern on that field, never a word anywhere in the line:
 * a sender's address or a primary's reply is logged in other fields, and
 * would otherwise let a stranger hold this alarm in ALARM with a MAIL FROM
 * of <ERROR@…>, hiding real errors behind it.
 */
export const ENGINE_ERROR_PATTERN = '{ $.level = "ERROR" }';

/**
 * The runtime's own lines (plain text, outside the engine's JSON): a timeout
 * ("Task timed out after …", or only `Status: timeout` in the REPORT line on
 * newer runtimes), a crash or out of memory (`Status: error`,
 * "Runtime.ExitError"), an exception the handler threw (the Node runtime's
 * "ERROR Invoke Error"). Any one of them counts.
 */
export const RUNTIME_FAILURE_TERMS = ['Task timed out', 'Status: timeout', 'Status: error', 'Runtime.ExitError', 'Invoke Error'] as const;
export const RUNTIME_FAILURE_PATTERN = RUNTIME_FAILURE_TERMS.map((term) => `?"${term}"`).join(' ');

/** The probe's announcement of a condition that began (core/problems/report-problems.ts): its own count and alarm, NewProblem. */
export const PROBLEM_BEGAN_PATTERN = '{ $.message = "problem began" }';

/**
 * The metric's name carries the stack: a metric filter cannot set a fixed
 * dimension (only one taken from a JSON field), and two stacks in one account
 * must not count into one series.
 */
export function errorLinesMetricName(stackName: string): string {
  return `ErrorLines-${stackName}`;
}

export function problemsBeganMetricName(stackName: string): string {
  return `ProblemsBegan-${stackName}`;
}

function countInto(fn: BackupMxFunction, id: string, pattern: string, metricName: string): void {
  new logs.MetricFilter(fn, id, {
    logGroup: fn.logGroup,
    filterPattern: logs.FilterPattern.literal(pattern),
    metricNamespace: METRICS_NAMESPACE,
    metricName,
    metricValue: '1',
    // No defaultValue: a 0 would be published with every log line and billed as a metric all month.
  });
}

export function errorLinesAlarm(scope: Construct, alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm, functions: { name: string; fn: BackupMxFunction }[]): cloudwatch.Alarm {
  const metricName = errorLinesMetricName(Stack.of(scope).stackName);
  for (const { fn } of functions) {
    countInto(fn, 'ErrorLines', ENGINE_ERROR_PATTERN, metricName);
    countInto(fn, 'RuntimeFailures', RUNTIME_FAILURE_PATTERN, metricName);
  }
  return alarm('ErrorLines', {
    alarmDescription:
      `backup-mx: a function wrote an ERROR line, timed out or crashed (${functions.map((f) => f.name).join(', ')}). The line names what failed: ` +
      'search the functions\' log groups for "level":"ERROR" and "Status: timeout" (README: Alarms)',
    metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * NewProblem: a condition began (the probe's "problem began" line). CloudWatch
 * tells a person only when an alarm changes state, so a condition that begins
 * while its route's Problems alarm is already in ALARM (for another one) would
 * go untold; this alarm goes to ALARM for the minute of each announcement and
 * back to OK the next, so every one is told, whatever state ErrorLines is in.
 */
export function newProblemAlarm(scope: Construct, alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm, probe: BackupMxFunction): cloudwatch.Alarm {
  const metricName = problemsBeganMetricName(Stack.of(scope).stackName);
  countInto(probe, 'ProblemsBegan', PROBLEM_BEGAN_PATTERN, metricName);
  return alarm('NewProblem', {
    alarmDescription:
      'backup-mx: a new condition began on a route or the stack (a message waiting too long, dead letters, the primary down, …). Run `npx backup-mx status`: ' +
      'it names each condition that is on; the probe\'s "problem began" line has the detail. Its Problems alarm may already be in ALARM for another one (README: Alarms)',
    metric: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, period: Duration.minutes(1), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    // Published only when a condition begins: none is the normal case. Its heartbeat: the Problems alarms, breaching when the probe stops.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
