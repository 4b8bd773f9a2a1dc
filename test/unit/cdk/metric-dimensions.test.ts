// The alarms and the dashboard must ask CloudWatch for exactly the dimension
// set the Lambdas emit: a metric with one dimension more or less is another
// metric, which has no data (and the Problems alarms treat no data as a problem).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsMetrics } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { alarmMetrics, buildStack, resources } from '../../support/cdk/stack-fixture.js';

interface EmittedMetric {
  namespace: string;
  dimensions: Record<string, string>;
}

/** The lines one flush of a PowertoolsMetrics writes, as JSON. */
function flushed(stackName: string, detailed: boolean, write: (metrics: PowertoolsMetrics) => void): Record<string, any>[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const metrics = new PowertoolsMetrics({ stackName, detailed, writeLine: (line) => lines.push(line) });
  write(metrics);
  metrics.flush();
  vi.restoreAllMocks();
  return lines.map((line) => JSON.parse(line));
}

/** The EMF metric `name` of those lines: its namespace and its one dimension set. */
function emitted(lines: Record<string, any>[], name: string): EmittedMetric {
  const emf = lines.find((e) => e._aws?.CloudWatchMetrics?.[0]?.Metrics.some((m: { Name: string }) => m.Name === name));
  expect(emf, name).toBeDefined();
  const directive = emf!._aws.CloudWatchMetrics[0];
  expect(directive.Dimensions).toHaveLength(1); // one dimension set: the alarm can match it exactly
  const names: string[] = directive.Dimensions[0];
  return { namespace: directive.Namespace, dimensions: Object.fromEntries(names.map((n) => [n, String(emf![n])])) };
}

/** One real EMF line of a route's figure, as the probe of stack `stackName` writes it inside Lambda (with the dashboard's detailed figures when asked). */
function emitRoute(name: 'RouteProblems' | 'PrimaryUp', route: string, stackName = 'BackupMx'): EmittedMetric {
  const lines = flushed(stackName, name === 'PrimaryUp', (m) => (name === 'PrimaryUp' ? m.count('PrimaryUp', 0, route) : m.gauge('RouteProblems', 0, route)));
  return emitted(lines, name);
}

/** The dimension pairs of every BackupMx metric in the dashboard body. */
function dashboardMetrics(body: unknown): EmittedMetric[] {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const json = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
  const found: EmittedMetric[] = [];
  for (const widget of json.widgets) {
    for (const metric of (widget.properties?.metrics ?? []) as unknown[][]) {
      if (metric[0] !== 'BackupMx') continue;
      const dims: Record<string, string> = {};
      for (let i = 2; i + 1 < metric.length && typeof metric[i] === 'string'; i += 2) {
        dims[metric[i] as string] = metric[i + 1] as string;
      }
      found.push({ namespace: metric[0] as string, dimensions: dims });
    }
  }
  return found;
}

const sortedPairs = (dims: Record<string, string>) =>
  Object.entries(dims)
    .map(([Name, Value]) => ({ Name, Value }))
    .sort((a, b) => a.Name.localeCompare(b.Name));

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  // What the stack sets on each function: it must not change the emitted dimensions.
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'backup-mx-probe');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'BackupMx');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('metric dimensions: stack and Lambdas agree', () => {
  const CONTEXT = {
    region: 'us-east-1',
    routes: [
      { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587 } },
      { name: 'lab', domains: ['example.net'], primary: { host: 'mx.example.net', port: 2525 } },
    ],
  };
  const { template } = buildStack(CONTEXT);

  it('each Problems alarm asks for the namespace and dimension set of a real EMF line of RouteProblems', () => {
    for (const route of ['corp', 'lab']) {
      const line = emitRoute('RouteProblems', route);
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'RouteProblems' } })).filter((a) =>
        JSON.stringify(a.Properties.Dimensions).includes(`"${route}"`),
      );
      expect(alarms, route).toHaveLength(1);
      const props = alarms[0]!.Properties;
      expect(props.Namespace).toBe(line.namespace);
      expect([...props.Dimensions].sort((a: { Name: string }, b: { Name: string }) => a.Name.localeCompare(b.Name))).toEqual(sortedPairs(line.dimensions));
    }
  });

  it('StackProblems asks for the namespace and dimension set of a real EMF line', () => {
    const line = emitted(flushed('BackupMx', false, (m) => m.stackGauge('StackProblems', 0)), 'StackProblems');
    const [alarm] = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'StackProblems' } }));
    expect(alarm!.Properties.Namespace).toBe(line.namespace);
    expect([...alarm!.Properties.Dimensions].sort((a: { Name: string }, b: { Name: string }) => a.Name.localeCompare(b.Name))).toEqual(sortedPairs(line.dimensions));
  });

  it('without the dashboard the detailed figures are no metric: they ride in one `figures` line per route, and RouteProblems stays a metric', () => {
    const lines = flushed('BackupMx', false, (m) => {
      m.count('PrimaryUp', 1, 'corp');
      m.gauge('QueuedMessages', 3, 'corp');
      m.gauge('OldestQueuedAgeSeconds', 120, 'corp');
      m.gauge('RouteProblems', 0, 'corp');
      m.stackGauge('CanaryRoundTripSeconds', 4);
      m.count('Delivered', 2, 'corp');
    });
    const metricNames = lines.flatMap((e) => (e._aws?.CloudWatchMetrics?.[0]?.Metrics ?? []).map((m: { Name: string }) => m.Name)).sort();
    // Delivered exists only while mail flows: a metric, as before.
    expect(metricNames).toEqual(['Delivered', 'RouteProblems']);
    const figures = lines.filter((e) => e.message === 'figures');
    expect(figures).toEqual([
      { message: 'figures', stack: 'BackupMx', route: 'corp', PrimaryUp: 1, QueuedMessages: 3, OldestQueuedAgeSeconds: 120 },
      { message: 'figures', stack: 'BackupMx', scope: 'stack', CanaryRoundTripSeconds: 4 },
    ]);
  });

  it('with the dashboard, it graphs the detailed figures with the dimension set the functions write them with', () => {
    const { template: withDashboard } = buildStack({ ...CONTEXT, dashboard: true });
    const dashboard = Object.values(resources(withDashboard, 'AWS::CloudWatch::Dashboard'))[0]!;
    // Besides the ERROR-line count (no dimension: the stack is in its name).
    const graphed = dashboardMetrics(dashboard.Properties!.DashboardBody).filter((m) => Object.keys(m.dimensions).length > 0);
    // PrimaryUp, QueuedMessages, OldestQueuedAgeSeconds and DeadLetters per route: one dimension set.
    expect([...new Set(graphed.map((m) => m.dimensions.route))].sort()).toEqual(['corp', 'lab']);
    expect(graphed).toHaveLength(8);
    for (const metric of graphed) {
      expect(metric).toEqual(emitRoute('PrimaryUp', metric.dimensions.route!));
    }
  });
});

describe('two stacks in one account, each with a route "corp"', () => {
  const ROUTE = { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587 } };
  const stacks = ['BackupMx', 'BackupMx-eu'].map((stackName) => ({ stackName, template: buildStack({ region: 'us-east-1', stackName, routes: [ROUTE] }).template }));
  const ours = (template: (typeof stacks)[number]['template']) => alarmMetrics(template).filter((m) => m.namespace === 'BackupMx');

  it('every alarm on a metric the functions write asks for its own stack in the dimensions', () => {
    for (const { stackName, template } of stacks) {
      const metrics = ours(template);
      // RouteProblems, StackProblems, trigger refusals; the ERROR-line and problem-began counts carry the stack in their name (a metric filter sets no fixed dimension).
      expect(new Set(metrics.map((m) => m.metricName)).size, stackName).toBe(5);
      for (const metric of metrics) {
        if (/^(ErrorLines|ProblemsBegan)-/.test(metric.metricName)) expect(metric.metricName).toMatch(new RegExp(`-${stackName}$`));
        else expect(metric.dimensions, `${stackName} ${metric.alarm} ${metric.metricName}`).toMatchObject({ service: 'backup-mx', stack: stackName });
      }
    }
  });

  it('no metric one stack\'s alarms read is one the other stack\'s alarms read', () => {
    const key = (m: { metricName: string; dimensions: Record<string, string> }) => `${m.metricName} ${JSON.stringify(Object.entries(m.dimensions).sort())}`;
    const [a, b] = stacks.map(({ template }) => new Set(ours(template).map(key)));
    expect([...a!].filter((k) => b!.has(k))).toEqual([]);
  });

  it('the Problems alarm of each matches exactly what that stack\'s probe writes, and not the other\'s', () => {
    for (const { stackName, template } of stacks) {
      const [alarm] = ours(template).filter((m) => m.metricName === 'RouteProblems');
      expect(alarm!.dimensions).toEqual(emitRoute('RouteProblems', 'corp', stackName).dimensions);
      const other = stacks.find((s) => s.stackName !== stackName)!.stackName;
      expect(alarm!.dimensions).not.toEqual(emitRoute('RouteProblems', 'corp', other).dimensions);
    }
  });
});

