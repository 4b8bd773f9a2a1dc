// One ErrorLines alarm replaces one Errors alarm per function: a metric filter
// on every function's log group counts ERROR lines, timeouts and crashes into
// one metric per stack, published only when such a line is written. These
// tests read the filters and the alarm off the template, and run the pattern
// over the lines the functions and the Lambda runtime really write, by the
// documented rule for unstructured patterns: `?a ?"b c"` matches an event that
// contains a, or the phrase "b c" (case-sensitive).
import { describe, expect, it } from 'vitest';
import { ERROR_LINE_PATTERN, errorLinesMetricName } from '../../../lib/constructs/error-lines.js';
import { BASE_CONTEXT, buildStack, resources } from './stack-fixture.js';

/** CloudWatch Logs' "any of these terms" patterns, the only form the filter uses. */
function matches(pattern: string, line: string): boolean {
  const terms = [...pattern.matchAll(/\?(?:"([^"]+)"|(\S+))/g)].map((m) => m[1] ?? m[2]!);
  expect(terms.length).toBeGreaterThan(0);
  return terms.some((term) => line.includes(term));
}

describe('ErrorLines: every function\'s errors in one alarm', () => {
  const { template } = buildStack(BASE_CONTEXT);
  const filters = Object.values(resources(template, 'AWS::Logs::MetricFilter'));
  // The functions that run while the stack runs (the deploy-time ones fail the deploy itself, which shows).
  const RUNNING = ['checks each primary', 'delivers one route queue', 'indexes each message', 'HMAC-signed function URL', 'pauses the notices', 'sends the canary'];
  const functions = Object.entries(resources(template, 'AWS::Lambda::Function')).filter(([, fn]) => RUNNING.some((text) => String(fn.Properties?.Description ?? '').includes(text)));

  it('each of our functions\' log groups has the filter, into one metric named after the stack, with no default value', () => {
    expect(functions).toHaveLength(RUNNING.length);
    const logGroups = functions.map(([, fn]) => (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref);
    expect(filters.map((f) => (f.Properties!.LogGroupName as { Ref: string }).Ref).sort()).toEqual([...logGroups].sort());
    for (const filter of filters) {
      const p = filter.Properties!;
      expect(p.FilterPattern).toBe(ERROR_LINE_PATTERN);
      const [transformation] = p.MetricTransformations as Record<string, unknown>[];
      expect(transformation).toMatchObject({ MetricNamespace: 'BackupMx', MetricName: errorLinesMetricName('BackupMx'), MetricValue: '1' });
      // A default value would publish a 0 with every log line: a metric billed all month while idle.
      expect(transformation!.DefaultValue).toBeUndefined();
    }
  });

  it('the alarm reads that metric: one line in five minutes is ALARM, none is not breaching', () => {
    const alarms = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith('MonitoringErrorLines'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      MetricName: errorLinesMetricName('BackupMx'),
      Namespace: 'BackupMx',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarms[0]![1].Properties!.Dimensions).toBeUndefined();
  });

  it('two stacks count into two metrics', () => {
    expect(errorLinesMetricName('BackupMx')).not.toBe(errorLinesMetricName('BackupMx-eu'));
  });

  it.each([
    ['the engine\'s error line (Powertools)', '{"level":"ERROR","message":"could not read the message index","route":"corp"}'],
    ['the probe announcing a new condition', '{"level":"ERROR","message":"problem began","route":"corp","condition":"dead-letters"}'],
    ['a timeout', '2026-12-07T02:00:00.000Z 3f1c Task timed out after 900.00 seconds'],
    ['an exception the handler threw (Node runtime)', '2026-12-07T02:00:00.000Z\t3f1c\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"ROUTE TABLE REFUSED"}'],
    ['a crash', 'RequestId: 3f1c Error: Runtime exited with error: signal: killed Runtime.ExitError'],
    ['out of memory', 'REPORT RequestId: 3f1c Duration: 12.00 ms Status: error Error Type: Runtime.OutOfMemory'],
    ['a process that exited', 'RequestId: 3f1c Process exited before completing request'],
  ])('counts %s', (_what, line) => {
    expect(matches(ERROR_LINE_PATTERN, line)).toBe(true);
  });

  it.each([
    ['an info line', '{"level":"INFO","message":"drain finished","route":"corp","errors":0}'],
    ['a warning', '{"level":"WARN","message":"problems","route":"corp"}'],
    ['the figures line', '{"message":"figures","stack":"BackupMx","route":"corp","QueuedMessages":0}'],
    ['the runtime\'s report of a good run', 'REPORT RequestId: 3f1c Duration: 812.00 ms Billed Duration: 813 ms Memory Size: 256 MB Max Memory Used: 98 MB'],
  ])('does not count %s', (_what, line) => {
    expect(matches(ERROR_LINE_PATTERN, line)).toBe(false);
  });
});
