// The alarms and the dashboard must ask CloudWatch for exactly the dimension
// set the Lambdas emit: a metric with one dimension more or less is another
// metric, which has no data (and PrimaryDown treats no data as down).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsMetrics } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { alarmMetrics, buildStack, resources } from './stack-fixture.js';

interface EmittedMetric {
  namespace: string;
  dimensions: Record<string, string>;
}

/** One real EMF line, written the way the probe of stack `stackName` writes it inside Lambda. */
function emitPrimaryUp(route: string, stackName = 'BackupMx'): EmittedMetric {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const metrics = new PowertoolsMetrics({ stackName });
  metrics.count('PrimaryUp', 0, route);
  metrics.flush();
  vi.restoreAllMocks();
  const emf = lines.map((line) => JSON.parse(line)).find((e) => e._aws?.CloudWatchMetrics);
  const directive = emf._aws.CloudWatchMetrics[0];
  expect(directive.Metrics.map((m: { Name: string }) => m.Name)).toContain('PrimaryUp');
  expect(directive.Dimensions).toHaveLength(1); // one dimension set: the alarm can match it exactly
  const names: string[] = directive.Dimensions[0];
  return { namespace: directive.Namespace, dimensions: Object.fromEntries(names.map((n) => [n, String(emf[n])])) };
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

  it('each PrimaryDown alarm asks for the namespace and dimension set of a real EMF line', () => {
    for (const route of ['corp', 'lab']) {
      const emitted = emitPrimaryUp(route);
      const alarms = Object.values(
        template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'PrimaryUp' } }),
      ).filter((a) => JSON.stringify(a.Properties.Dimensions).includes(`"${route}"`));
      expect(alarms, route).toHaveLength(1);
      const props = alarms[0]!.Properties;
      expect(props.Namespace).toBe(emitted.namespace);
      expect([...props.Dimensions].sort((a: { Name: string }, b: { Name: string }) => a.Name.localeCompare(b.Name))).toEqual(
        sortedPairs(emitted.dimensions),
      );
    }
  });

  it('the age, backlog and dead-letter alarms ask for the dimension set the probe\'s gauges are written with', () => {
    for (const name of ['QueuedMessages', 'OldestQueuedAgeSeconds', 'DeadLetters']) {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: name } }));
      expect(alarms, name).toHaveLength(2);
      for (const alarm of alarms) {
        const route = (alarm.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'route')!.Value;
        expect([...alarm.Properties.Dimensions].sort((a: { Name: string }, b: { Name: string }) => a.Name.localeCompare(b.Name))).toEqual(
          sortedPairs(emitPrimaryUp(route).dimensions),
        );
      }
    }
  });

  it('the dashboard graphs the same metric, with the same dimensions', () => {
    const dashboard = Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0]!;
    const graphed = dashboardMetrics(dashboard.Properties!.DashboardBody);
    // PrimaryUp, QueuedMessages, OldestQueuedAgeSeconds and DeadLetters per route: one dimension set.
    expect([...new Set(graphed.map((m) => m.dimensions.route))].sort()).toEqual(['corp', 'lab']);
    expect(graphed).toHaveLength(8);
    for (const metric of graphed) {
      expect(metric).toEqual(emitPrimaryUp(metric.dimensions.route!));
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
      // PrimaryUp, the probe's gauges, the drain's counts and stops, held notices, orphaned queues, trigger refusals.
      expect(new Set(metrics.map((m) => m.metricName)).size, stackName).toBeGreaterThanOrEqual(8);
      for (const metric of metrics) expect(metric.dimensions, `${stackName} ${metric.alarm} ${metric.metricName}`).toMatchObject({ service: 'backup-mx', stack: stackName });
    }
  });

  it('no metric one stack\'s alarms read is one the other stack\'s alarms read', () => {
    const key = (m: { metricName: string; dimensions: Record<string, string> }) => `${m.metricName} ${JSON.stringify(Object.entries(m.dimensions).sort())}`;
    const [a, b] = stacks.map(({ template }) => new Set(ours(template).map(key)));
    expect([...a!].filter((k) => b!.has(k))).toEqual([]);
  });

  it('the PrimaryDown alarm of each matches exactly what that stack\'s probe writes, and not the other\'s', () => {
    for (const { stackName, template } of stacks) {
      const [alarm] = ours(template).filter((m) => m.metricName === 'PrimaryUp' && m.alarm.includes('PrimaryDown'));
      expect(alarm!.dimensions).toEqual(emitPrimaryUp('corp', stackName).dimensions);
      const other = stacks.find((s) => s.stackName !== stackName)!.stackName;
      expect(alarm!.dimensions).not.toEqual(emitPrimaryUp('corp', other).dimensions);
    }
  });
});

