// One ErrorLines alarm replaces one Errors alarm per function: metric filters
// on every running function's log group count the engine's ERROR lines and the
// runtime's failures into one metric per stack, published only when such a
// line is written; NewProblem counts the probe's "problem began" lines. These
// tests read the filters and alarms off the template, and run each pattern
// over the lines the functions and the Lambda runtime write (and the lines a
// stranger can put in a log), by the documented rules: `{ $.field = "v" }`
// matches a JSON event whose field equals v; `?"a" ?"b"` an event containing
// a or b (case-sensitive).
import { describe, expect, it } from 'vitest';
import {
  ENGINE_ERROR_PATTERN,
  errorLinesMetricName,
  PROBLEM_BEGAN_PATTERN,
  problemsBeganMetricName,
  RUNTIME_FAILURE_PATTERN,
} from '../../../lib/constructs/error-lines.js';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

/** The two pattern forms the filters use. */
function matches(pattern: string, line: string): boolean {
  const json = /^\{ \$\.(\w+) = "([^"]*)" \}$/.exec(pattern);
  if (json) {
    try {
      return (JSON.parse(line) as Record<string, unknown>)[json[1]!] === json[2];
    } catch {
      return false; // not a JSON event: a JSON pattern never matches it
    }
  }
  const terms = [...pattern.matchAll(/\?"([^"]+)"/g)].map((m) => m[1]!);
  expect(terms.length).toBeGreaterThan(0);
  return terms.some((term) => line.includes(term));
}
const errorLine = (line: string) => matches(ENGINE_ERROR_PATTERN, line) || matches(RUNTIME_FAILURE_PATTERN, line);

describe('ErrorLines and NewProblem: every function\'s errors, and every new condition, in two alarms', () => {
  const { template } = buildStack(BASE_CONTEXT);
  const filters = Object.values(resources(template, 'AWS::Logs::MetricFilter'));
  // The functions that run while the stack runs (the deploy-time ones fail the deploy itself, which shows).
  const RUNNING = ['checks each primary', 'delivers one route queue', 'indexes each message', 'HMAC-signed function URL', 'pauses the notices', 'sends the canary'];
  const functions = Object.entries(resources(template, 'AWS::Lambda::Function')).filter(([, fn]) => RUNNING.some((text) => String(fn.Properties?.Description ?? '').includes(text)));
  const logGroupOf = (text: string) => JSON.stringify(functions.find(([, fn]) => String(fn.Properties!.Description).includes(text))![1].Properties!.LoggingConfig.LogGroup);

  it('each running function\'s log group has both error filters, into one metric named after the stack, with no default value', () => {
    expect(functions).toHaveLength(RUNNING.length);
    for (const [id, fn] of functions) {
      const mine = filters.filter((f) => JSON.stringify(f.Properties!.LogGroupName) === JSON.stringify(fn.Properties!.LoggingConfig.LogGroup));
      const errorFilters = mine.filter((f) => f.Properties!.MetricTransformations[0].MetricName === errorLinesMetricName('BackupMx'));
      expect(errorFilters.map((f) => f.Properties!.FilterPattern).sort(), id).toEqual([ENGINE_ERROR_PATTERN, RUNTIME_FAILURE_PATTERN].sort());
    }
    for (const filter of filters) {
      const [transformation] = filter.Properties!.MetricTransformations as Record<string, unknown>[];
      expect(transformation).toMatchObject({ MetricNamespace: 'BackupMx', MetricValue: '1' });
      // A default value would publish a 0 with every log line: a metric billed all month while idle.
      expect(transformation!.DefaultValue).toBeUndefined();
    }
  });

  it('the probe\'s log group also counts "problem began" into its own metric', () => {
    const began = filters.filter((f) => f.Properties!.MetricTransformations[0].MetricName === problemsBeganMetricName('BackupMx'));
    expect(began).toHaveLength(1);
    expect(began[0]!.Properties!.FilterPattern).toBe(PROBLEM_BEGAN_PATTERN);
    expect(JSON.stringify(began[0]!.Properties!.LogGroupName)).toBe(logGroupOf('checks each primary'));
  });

  it('ErrorLines: one line in five minutes is ALARM, none is not breaching; NewProblem: each minute with an announcement is ALARM, the next OK', () => {
    const alarm = (prefix: string) => {
      const found = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(prefix));
      expect(found).toHaveLength(1);
      return found[0]![1].Properties!;
    };
    const common = { Namespace: 'BackupMx', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' };
    expect(alarm('MonitoringErrorLines')).toMatchObject({ ...common, MetricName: errorLinesMetricName('BackupMx'), Period: 300 });
    expect(alarm('MonitoringNewProblem')).toMatchObject({ ...common, MetricName: problemsBeganMetricName('BackupMx'), Period: 60 });
    expect(alarm('MonitoringErrorLines').Dimensions).toBeUndefined();
  });

  it('two stacks count into different metrics', () => {
    expect(errorLinesMetricName('BackupMx')).not.toBe(errorLinesMetricName('BackupMx-eu'));
    expect(problemsBeganMetricName('BackupMx')).not.toBe(problemsBeganMetricName('BackupMx-eu'));
  });

  it.each([
    ['the engine\'s error line (Powertools)', '{"level":"ERROR","message":"could not read the message index","route":"corp"}'],
    ['a timeout, older runtimes', '2026-12-07T02:00:00.000Z 3f1c Task timed out after 900.00 seconds'],
    ['a timeout, in the REPORT line only', 'REPORT RequestId: 3f1c Duration: 900000.00 ms Billed Duration: 900000 ms Memory Size: 1769 MB Max Memory Used: 210 MB Status: timeout'],
    ['an exception the handler threw (Node runtime)', '2026-12-07T02:00:00.000Z\t3f1c\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"ROUTE TABLE REFUSED"}'],
    ['a crash', 'RequestId: 3f1c Error: Runtime exited with error: signal: killed Runtime.ExitError'],
    ['out of memory', 'REPORT RequestId: 3f1c Duration: 12.00 ms Status: error Error Type: Runtime.OutOfMemory'],
  ])('ErrorLines counts %s', (_what, line) => {
    expect(errorLine(line)).toBe(true);
  });

  it.each([
    ['an info line', '{"level":"INFO","message":"drain finished","route":"corp","errors":0}'],
    ['a warning naming a problem', '{"level":"WARN","message":"problems","route":"corp","conditions":{"primary-down":"down for 20 min: 421 4.3.2 ERROR"}}'],
    ['a stranger\'s MAIL FROM <ERROR@evil.example> in a warning', '{"level":"WARN","message":"mail to the canary address without a valid signature","sender":"ERROR@evil.example"}'],
    ['the figures line', '{"message":"figures","stack":"BackupMx","route":"corp","QueuedMessages":0}'],
    ['the runtime\'s report of a good run', 'REPORT RequestId: 3f1c Duration: 812.00 ms Billed Duration: 813 ms Memory Size: 256 MB Max Memory Used: 98 MB'],
  ])('ErrorLines does not count %s', (_what, line) => {
    expect(errorLine(line)).toBe(false);
  });

  it('NewProblem counts the announcement and nothing a sender writes', () => {
    expect(matches(PROBLEM_BEGAN_PATTERN, '{"level":"ERROR","message":"problem began","route":"corp","condition":"dead-letters"}')).toBe(true);
    expect(matches(PROBLEM_BEGAN_PATTERN, '{"level":"WARN","message":"notice suppressed","sender":"problem began@evil.example"}')).toBe(false);
    expect(matches(PROBLEM_BEGAN_PATTERN, '{"level":"INFO","message":"problem ended","route":"corp"}')).toBe(false);
  });
});
