// A planned maintenance window silences "primary down" in the alarms the
// template defines, not only in `status`: the only alarm that notifies about a
// route's primary is Problems-<route>, fed by the probe's RouteProblems figure,
// which leaves primary-down off inside a window (core/problems). Checked on the
// synthesized template (no alarm reads the primary's health metric directly,
// which would fire through a window) and end to end on the alarm model: the
// probe's figures, published on a manual clock, fed to the alarm as defined.
import { beforeAll, describe, expect, it } from 'vitest';
import { metricDimensions, stackMetricDimensions } from '../../../lambdas/adapters/aws/powertools-metrics.js';
import { conditionsOf, ROUTE_CONDITIONS } from '../../../lambdas/core/problems/conditions.js';
import { PRIMARY_UP_METRIC } from '../../../lib/constructs/backup-mx-dashboard.js';
import { alarmOf, evaluate, StampedMetrics, type ModelAlarm } from '../../support/cdk/alarm-model.js';
import { buildStack, resources } from '../../support/cdk/stack-fixture.js';
import { harness } from '../../support/world/engine-harness.js';

const HOST = 'mail.example.com';
const CONTEXT = { region: 'us-east-1', routes: [{ name: 'main', domains: ['example.com'], primary: { host: HOST, port: 2525, tls: 'opportunistic' } }] };

let routeAlarm: ModelAlarm;
let alarmMetrics: string[];
beforeAll(() => {
  const { template } = buildStack(CONTEXT);
  routeAlarm = alarmOf(template, 'MonitoringProblemsmain');
  alarmMetrics = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).flatMap((a) => {
    const p = a.Properties as { MetricName?: string; Metrics?: Array<{ MetricStat?: { Metric?: { MetricName?: string } } }> };
    return [p.MetricName, ...(p.Metrics ?? []).map((m) => m.MetricStat?.Metric?.MetricName)].filter((n): n is string => n !== undefined);
  });
});

function world() {
  const h = harness();
  const metrics = new StampedMetrics(
    () => h.clock.now(),
    (route) => metricDimensions('BackupMx', route),
    () => stackMetricDimensions('BackupMx'),
  );
  Object.assign(h.deps, { metrics });
  const probeFor = async (minutes: number) => {
    for (let i = 0; i < minutes; i++) {
      await h.prober().round();
      h.clock.advance(60);
    }
  };
  const state = () => evaluate(routeAlarm, metrics.points, h.clock.now());
  const conditions = () => conditionsOf(ROUTE_CONDITIONS, metrics.points.filter((p) => p.metricName === 'RouteProblems').at(-1)!.value);
  return { h, probeFor, state, conditions };
}

describe('a maintenance window in the alarms of the template', () => {
  it('no alarm reads the primary health metric: the probe\'s window-aware verdict is the only way "primary down" notifies', () => {
    expect(alarmMetrics).toContain('RouteProblems');
    expect(alarmMetrics).not.toContain(PRIMARY_UP_METRIC);
  });

  it('Problems-main stays OK through a 3-hour window with the primary down, and goes to ALARM when it is still down after the window', async () => {
    const { h, probeFor, state, conditions } = world();
    h.probe.down(HOST);
    const start = h.clock.now();
    const until = new Date(start.getTime() + 3 * 3600_000);
    expect(await h.routeState.saveWindows('main', { windows: [{ id: 'wtest01', from: start, until, reason: 'disk swap' }] }, 0)).toBe(true);

    await probeFor(180);
    expect(state()).toBe('OK');
    expect(conditions()).toEqual([]);

    // The window is over and the primary has not come back: counted from the window's end.
    await probeFor(10);
    expect(state()).toBe('OK');
    await probeFor(15);
    expect(conditions()).toEqual(['primary-down']);
    expect(state()).toBe('ALARM');
  });

  it('without a window the same outage alarms within the first half hour (the window is what kept it quiet)', async () => {
    const { h, probeFor, state, conditions } = world();
    h.probe.down(HOST);
    await probeFor(25);
    expect(conditions()).toEqual(['primary-down']);
    expect(state()).toBe('ALARM');
  });
});
