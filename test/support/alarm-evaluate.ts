// A CloudWatch metric alarm's state from its template properties and a metric's
// data points, as CloudWatch evaluates a single-metric alarm: the last
// EvaluationPeriods whole periods (aligned to the clock) before `now`, each
// aggregated by its statistic; a period with no point is breaching or not as
// TreatMissingData says; ALARM when at least DatapointsToAlarm are breaching.
// Only what this project's alarms use (Maximum/Sum/Minimum, breaching or
// notBreaching); anything else throws rather than guess.

export interface AlarmProperties {
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  Statistic: string;
}

export interface DataPoint {
  at: Date;
  value: number;
}

const COMPARE: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

const AGGREGATE: Record<string, (values: number[]) => number> = {
  Maximum: (values) => Math.max(...values),
  Minimum: (values) => Math.min(...values),
  Sum: (values) => values.reduce((sum, v) => sum + v, 0),
};

export function alarmState(alarm: AlarmProperties, points: DataPoint[], now: Date): 'ALARM' | 'OK' {
  const compare = COMPARE[alarm.ComparisonOperator];
  const aggregate = AGGREGATE[alarm.Statistic];
  const missing = alarm.TreatMissingData ?? 'missing';
  if (!compare || !aggregate || !['breaching', 'notBreaching'].includes(missing)) {
    throw new Error(`alarmState: unsupported alarm ${alarm.ComparisonOperator} / ${alarm.Statistic} / ${missing}`);
  }
  const periodMs = alarm.Period * 1000;
  const lastEnd = Math.floor(now.getTime() / periodMs) * periodMs;
  let breaching = 0;
  for (let i = 0; i < alarm.EvaluationPeriods; i++) {
    const end = lastEnd - i * periodMs;
    const values = points.filter((p) => p.at.getTime() >= end - periodMs && p.at.getTime() < end).map((p) => p.value);
    const breaches = values.length === 0 ? missing === 'breaching' : compare(aggregate(values), alarm.Threshold);
    if (breaches) breaching += 1;
  }
  return breaching >= (alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods) ? 'ALARM' : 'OK';
}
