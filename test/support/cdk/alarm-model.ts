// A model of how CloudWatch evaluates a metric alarm of the synthesized
// template, so a test can feed it what the probe published (stamped with a
// manual clock) and read the state a person would be told about. It follows
// AWS's description: the evaluation range is the last EvaluationPeriods whole
// periods (aligned to the period), each period's datapoints are reduced by the
// alarm's statistic, ALARM when DatapointsToAlarm of them breach, and a period
// with no datapoint counts as TreatMissingData says (breaching, notBreaching;
// ignore keeps the state, missing leaves it INSUFFICIENT_DATA when all are
// missing). Single-metric alarms only: a math alarm is refused, not guessed.
import type { Template } from 'aws-cdk-lib/assertions';
import type { GaugeName, Metrics, StackGaugeName } from '../../../lambdas/core/runtime/ports.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface ModelAlarm {
  id: string;
  metricName: string;
  /** The dimensions the alarm asks for (name → value); a datapoint must carry exactly these. */
  dimensions: Record<string, string>;
  periodSeconds: number;
  statistic: 'Maximum' | 'Sum' | 'Minimum' | 'Average';
  threshold: number;
  comparison: string;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
}

export interface Datapoint {
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  at: Date;
}

/** The alarm whose logical id starts with `idPrefix` (exactly one), as the model reads it. */
export function alarmOf(template: Template, idPrefix: string): ModelAlarm {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.startsWith(idPrefix));
  if (found.length !== 1) throw new Error(`${found.length} alarms start with ${idPrefix}`);
  const [id, alarm] = found[0]!;
  const p = alarm.Properties as Record<string, any>;
  if (p.Metrics) throw new Error(`${id} is a metric-math alarm: not modelled`);
  const dimensions = Object.fromEntries((p.Dimensions ?? []).map((d: { Name: string; Value: unknown }) => [d.Name, typeof d.Value === 'string' ? d.Value : JSON.stringify(d.Value)]));
  return {
    id,
    metricName: p.MetricName,
    dimensions,
    periodSeconds: p.Period,
    statistic: p.Statistic,
    threshold: p.Threshold,
    comparison: p.ComparisonOperator,
    evaluationPeriods: p.EvaluationPeriods,
    datapointsToAlarm: p.DatapointsToAlarm ?? p.EvaluationPeriods,
    treatMissingData: p.TreatMissingData ?? 'missing',
  };
}

function breaches(alarm: ModelAlarm, value: number): boolean {
  switch (alarm.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= alarm.threshold;
    default:
      throw new Error(`comparison ${alarm.comparison} not modelled`);
  }
}

function reduce(statistic: ModelAlarm['statistic'], values: number[]): number {
  if (statistic === 'Maximum') return Math.max(...values);
  if (statistic === 'Minimum') return Math.min(...values);
  const sum = values.reduce((a, b) => a + b, 0);
  return statistic === 'Sum' ? sum : sum / values.length;
}

const sameDimensions = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** The state after evaluating at `now`, given the state before (for ignore). */
export function evaluate(alarm: ModelAlarm, points: Datapoint[], now: Date, previous: AlarmState = 'INSUFFICIENT_DATA'): AlarmState {
  const period = alarm.periodSeconds * 1000;
  const lastEnd = Math.floor(now.getTime() / period) * period;
  const mine = points.filter((p) => p.metricName === alarm.metricName && sameDimensions(p.dimensions, alarm.dimensions));
  let breaching = 0;
  let present = 0;
  for (let i = 0; i < alarm.evaluationPeriods; i++) {
    const end = lastEnd - i * period;
    const values = mine.filter((p) => p.at.getTime() >= end - period && p.at.getTime() < end).map((p) => p.value);
    if (values.length > 0) {
      present += 1;
      if (breaches(alarm, reduce(alarm.statistic, values))) breaching += 1;
    } else if (alarm.treatMissingData === 'breaching') breaching += 1;
  }
  if (present === 0 && alarm.treatMissingData === 'ignore') return previous;
  if (present === 0 && alarm.treatMissingData === 'missing') return 'INSUFFICIENT_DATA';
  return breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
}

/**
 * A Metrics that keeps each route gauge, count and drain stop, and each stack
 * gauge and count, with the clock's time, in the dimensions PowertoolsMetrics writes ({service,
 * stack, route}; {service, stack}), so the model can read them as CloudWatch
 * would.
 */
export class StampedMetrics implements Metrics {
  readonly points: Datapoint[] = [];

  constructor(
    private readonly now: () => Date,
    private readonly dimensions: (route: string) => Record<string, string>,
    private readonly stackDimensions: () => Record<string, string> = () => ({}),
  ) {}

  stackGauge(name: StackGaugeName, value: number): void {
    this.points.push({ metricName: name, dimensions: this.stackDimensions(), value, at: this.now() });
  }
  gauge(name: GaugeName, value: number, route: string): void {
    this.points.push({ metricName: name, dimensions: this.dimensions(route), value, at: this.now() });
  }
  count(name: Parameters<Metrics['count']>[0], value: number, route: string): void {
    this.points.push({ metricName: name, dimensions: this.dimensions(route), value, at: this.now() });
  }
  /** DrainStopped: the route's dimensions and the stop reason, as PowertoolsMetrics writes it. */
  drainStopped(reason: string, route: string): void {
    this.points.push({ metricName: 'DrainStopped', dimensions: { ...this.dimensions(route), reason }, value: 1, at: this.now() });
  }
  stackCount(name: 'TriggerRefused', value: number): void {
    this.points.push({ metricName: name, dimensions: this.stackDimensions(), value, at: this.now() });
  }
  delay(): void {}
  flush(): void {}
}
