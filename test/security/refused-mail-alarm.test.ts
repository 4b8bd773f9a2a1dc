// Claim (docs/security.md, "a sender crafting the envelope" and invariants 1
// and 10): mail the primary refuses, with nobody to tell, still reaches a
// person. A recipient the primary refuses with a 5xx, whose sender did not
// authenticate (no SPF PASS: no record, neutral, softfail, a forwarder, a
// list), is "notice suppressed": recorded in the ledger, counted in
// NoticesSuppressed, the queue entry deleted, no DSN and no dead letter. Right
// for spam to unknown users; but a primary back misconfigured ("554 5.7.1
// Relay access denied" after an egress address change, "550 5.1.1 User
// unknown" with its directory unreachable) made every such message leave the
// queue with no alarm at all: the authenticated senders' DSNs stay within the
// budget, so NoticesHeld stays quiet too. Now each route has PrimaryRefusesAll:
// 20 or more recipients refused in an hour and none delivered (the drain's own
// per-recipient counts, Bounced and Delivered: a refusal of any sender, the
// suppressed ones included), while a healthy primary that refuses spam to
// unknown users but delivers other mail stays quiet. The expression is
// evaluated here on those cases, as CloudWatch's metric math reads it.
// (Found by the issue 17 review.)
import { describe, expect, it } from 'vitest';
import { REFUSED_WITHOUT_DELIVERY_ALARM } from '../../lib/constructs/notice-alarms.js';
import { BASE_CONTEXT, buildStack, resources } from '../unit/cdk/stack-fixture.js';

const context = { ...BASE_CONTEXT, routes: [...BASE_CONTEXT.routes, { name: 'second', domains: ['example.net'], primary: { host: 'mail.example.net', port: 587 } }] };
const { template } = buildStack(context);
const alarms = Object.entries(resources(template, 'AWS::CloudWatch::Alarm'));

type Query = { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string }; ReturnData?: boolean };

function refusalAlarm(route: string) {
  const found = alarms.filter(([id]) => id.startsWith(`MonitoringPrimaryRefusesAll${route}`));
  expect(found, route).toHaveLength(1);
  return found[0]![1].Properties!;
}

/**
 * The alarm's expression over one hour's sums (undefined: no data point), in
 * the subset of metric math it uses: IF, FILL, AND, >=, ==. Undefined when
 * neither metric has a point (metric math then has no value: missing data).
 */
function evaluate(expression: string, values: Record<string, number | undefined>): number | undefined {
  if (Object.values(values).every((v) => v === undefined)) return undefined;
  const js = expression
    .replace(/FILL\((\w+), (\d+)\)/g, (_m, id: string, fill: string) => `(v.${id} ?? ${fill})`)
    .replace(/\bAND\b/g, '&&')
    .replace(/==/g, '===')
    .replace(/^IF\((.*), (\d+), (\d+)\)$/, '(($1) ? $2 : $3)');
  expect(js).not.toMatch(/[A-Z]{2,}/); // nothing left untranslated
  return new Function('v', `return ${js};`)(values) as number;
}

describe('mail the primary refuses with nobody to tell still reaches a person', () => {
  it('an alarm per route reads that route\'s refused and delivered recipients, hour by hour, and notifies', () => {
    for (const route of ['corp', 'second']) {
      const props = refusalAlarm(route);
      const metrics = (props.Metrics as Query[]).filter((q) => q.MetricStat);
      expect(metrics.map((q) => q.MetricStat!.Metric.MetricName).sort()).toEqual(['Bounced', 'Delivered']);
      for (const q of metrics) {
        expect(q.MetricStat).toMatchObject({ Period: 3600, Stat: 'Sum', Metric: { Namespace: 'BackupMx' } });
        expect(q.MetricStat!.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'route', Value: route }]));
      }
      expect(props).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
      expect(JSON.stringify(props.AlarmActions)).toContain('AlarmTopic');
      expect(props.AlarmDescription).toMatch(/notice suppressed/);
    }
  });

  it.each([
    ['a primary refusing everything after it came back', 40, undefined, true],
    ['exactly the threshold, nothing delivered', REFUSED_WITHOUT_DELIVERY_ALARM, 0, true],
    ['a healthy primary refusing spam to unknown users while it delivers other mail', 40, 3, false],
    ['a few refusals and nothing else', REFUSED_WITHOUT_DELIVERY_ALARM - 1, undefined, false],
    ['only deliveries', undefined, 25, false],
  ] as const)('%s (refused %s, delivered %s): ALARM %s', (_what, refused, delivered, fires) => {
    const props = refusalAlarm('corp');
    const expression = (props.Metrics as Query[]).find((q) => q.Expression)!.Expression!;
    const byId = Object.fromEntries((props.Metrics as Query[]).filter((q) => q.MetricStat).map((q) => [q.MetricStat!.Metric.MetricName, q.Id]));
    const value = evaluate(expression, { [byId.Bounced!]: refused, [byId.Delivered!]: delivered });
    expect((value ?? 0) >= props.Threshold).toBe(fires);
  });

  it('an hour with neither refusals nor deliveries is missing data, and not breaching: nothing was refused', () => {
    const props = refusalAlarm('corp');
    const expression = (props.Metrics as Query[]).find((q) => q.Expression)!.Expression!;
    expect(evaluate(expression, { refused: undefined, delivered: undefined })).toBeUndefined();
    expect(props.TreatMissingData).toBe('notBreaching');
  });
});
