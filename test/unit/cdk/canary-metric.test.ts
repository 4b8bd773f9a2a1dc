// CanaryMissing must ask CloudWatch for exactly the metric the accept function
// writes: same namespace, name and dimension set (one more or less is another
// metric, which never has data: the alarm would fire for ever). One real EMF
// line, written as in Lambda, against the synthesized alarm.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PowertoolsMetrics } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { BASE_CONTEXT, buildStack, resources } from './stack-fixture.js';

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_DEV', '');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'backup-mx-accept');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'BackupMx');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function emitRoundTrip(seconds: number) {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const metrics = new PowertoolsMetrics({ stackName: 'BackupMx' });
  metrics.stackGauge('CanaryRoundTripSeconds', seconds);
  metrics.flush();
  vi.restoreAllMocks();
  const emf = lines.map((line) => JSON.parse(line)).find((e) => e._aws?.CloudWatchMetrics);
  const directive = emf._aws.CloudWatchMetrics[0];
  expect(directive.Dimensions).toHaveLength(1);
  const names: string[] = directive.Dimensions[0];
  return { emf, directive, dimensions: names.map((Name) => ({ Name, Value: String(emf[Name]) })).sort((a, b) => a.Name.localeCompare(b.Name)) };
}

describe('CanaryRoundTripSeconds: the accept function and the alarm agree', () => {
  it('the alarm reads the namespace, name and dimension set of a real EMF line, in seconds', () => {
    const { emf, directive, dimensions } = emitRoundTrip(2.5);
    expect(directive.Metrics).toEqual([{ Name: 'CanaryRoundTripSeconds', Unit: 'Seconds' }]);
    expect(emf.CanaryRoundTripSeconds).toBe(2.5);
    const { template } = buildStack(BASE_CONTEXT);
    const alarm = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).find(([id]) => id.startsWith('MonitoringCanaryMissing'))![1].Properties!;
    expect(alarm.Namespace).toBe(directive.Namespace);
    expect(alarm.MetricName).toBe('CanaryRoundTripSeconds');
    expect([...alarm.Dimensions].sort((a: { Name: string }, b: { Name: string }) => a.Name.localeCompare(b.Name))).toEqual(dimensions);
  });
});
