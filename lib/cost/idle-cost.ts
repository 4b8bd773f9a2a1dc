// What the stack costs in a month with no mail, read off the synthesized
// template (so it follows every alarm, key or schedule a change adds):
// CloudWatch alarms (billed per metric an alarm reads), the custom metrics
// published while idle (the probe's RouteProblems per route and StackProblems;
// with the dashboard, the detailed figures it graphs), dashboards, KMS keys, Secrets Manager secrets the stack creates, the
// scheduled Lambda runs (from each rule's rate and the function's memory, with
// an assumed run time), the canary's round trips (its SES send and receive,
// and the accept and drain runs each one causes), the probe's health record
// (one DynamoDB write per route a minute, so `status` can show the last
// probe), and the egress resources. On-demand list prices, us-east-1, 2025;
// free tiers left out. Logs and the probe's reads come to cents and are left out.
import type { Template } from 'aws-cdk-lib/assertions';
import {
  CANARY_ROUND_TRIP_METRIC,
  DETAILED_FIGURES,
  METRICS_NAMESPACE,
  ORPHANED_QUEUE_MESSAGES_METRIC,
  ROUTE_PROBLEMS_METRIC,
  STACK_PROBLEMS_METRIC,
} from '../../lambdas/adapters/aws/powertools-metrics.js';
import { ENV } from '../../lambdas/config/settings.js';
import { HEALTH_REFRESH_SECONDS } from '../../lambdas/core/probe/health-change.js';

export const IDLE_PRICES = {
  alarmMetric: 0.1,
  customMetric: 0.3,
  dashboard: 3,
  kmsKey: 1,
  secret: 0.4,
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  natGatewayHour: 0.045,
  elasticIpHour: 0.005,
  t4gNanoHour: 0.0042,
  gp3GbMonth: 0.08,
  /** DynamoDB on-demand, per write request unit (after the November 2024 cut; bench/cost-model.ts). */
  dynamoWriteUnit: 0.625 / 1e6,
  sesSend: 0.1 / 1000,
  /** A received message, plus its one 256 KB chunk. */
  sesReceive: (0.1 + 0.09) / 1000,
} as const;

const HOURS_PER_MONTH = 730;
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

/**
 * Metrics our functions publish while no mail flows, as alarms read them: the
 * probe's two bit sets, every round. The drain's counters (Delivered, Bounced,
 * …), TriggerRefused and the ERROR-line count exist only when something
 * happens: CloudWatch bills a custom metric pro rata per hour it is published.
 */
export const IDLE_PUBLISHED_METRICS = [ROUTE_PROBLEMS_METRIC, STACK_PROBLEMS_METRIC];
/** With the dashboard, the detailed figures are metrics too: these per route, and the stack's. */
const DETAILED_PER_ROUTE = DETAILED_FIGURES.filter((f) => f !== ORPHANED_QUEUE_MESSAGES_METRIC && f !== CANARY_ROUND_TRIP_METRIC).length;

/** Assumed run time of a scheduled invocation that finds nothing to do, by what the rule sends. */
const IDLE_RUN_SECONDS = { probe: 1, task: 1, pauseCheck: 0.3 } as const;
/** What each canary causes besides its own run: the accept run that measures it, the drain run that drops it. */
const CANARY_FOLLOW_UP = { acceptSeconds: 0.3, acceptMb: 256, drainSeconds: 1.5, drainMb: 1_769 } as const;

export interface IdleCostLine {
  item: string;
  count: number;
  dollarsPerMonth: number;
}

export interface IdleCost {
  lines: IdleCostLine[];
  totalDollarsPerMonth: number;
  alarms: number;
  alarmMetrics: number;
}

type Resource = { Type: string; Properties?: Record<string, any> };

const round = (n: number) => Math.round(n * 100) / 100;

/** The canary function, known by its description (lib/constructs/canary.ts). */
const sendsCanary = (fn: Resource) => String(fn.Properties?.Description ?? '').includes('sends the canary');

/** Metrics an alarm reads: one, or each MetricStat of a math expression. */
function alarmMetrics(alarm: Resource): { name: string; namespace: string; dimensions: string }[] {
  const p = alarm.Properties ?? {};
  if (Array.isArray(p.Metrics)) {
    return p.Metrics.filter((m: any) => m.MetricStat).map((m: any) => ({
      name: m.MetricStat.Metric.MetricName,
      namespace: m.MetricStat.Metric.Namespace,
      dimensions: JSON.stringify(m.MetricStat.Metric.Dimensions ?? []),
    }));
  }
  return [{ name: p.MetricName, namespace: p.Namespace, dimensions: JSON.stringify(p.Dimensions ?? []) }];
}

/** Runs a month of a rule's `rate(n unit)`. */
function runsPerMonth(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`idle cost: unknown schedule ${expression}`);
  const minutes = Number(match[1]) * (match[2]!.startsWith('minute') ? 1 : match[2]!.startsWith('hour') ? 60 : 1_440);
  return MINUTES_PER_MONTH / minutes;
}

export function idleCost(template: Template): IdleCost {
  const all = template.toJSON().Resources as Record<string, Resource>;
  const of = (type: string) => Object.entries(all).filter(([, r]) => r.Type === type);
  const lines: IdleCostLine[] = [];
  const add = (item: string, count: number, dollars: number) => {
    if (count > 0) lines.push({ item, count: Math.round(count), dollarsPerMonth: round(dollars) });
  };

  const alarms = of('AWS::CloudWatch::Alarm').map(([, r]) => r);
  const read = alarms.flatMap(alarmMetrics);
  add('CloudWatch alarm metrics (each metric an alarm reads)', read.length, read.length * IDLE_PRICES.alarmMetric);

  const idleMetrics = new Set(read.filter((m) => m.namespace === METRICS_NAMESPACE && IDLE_PUBLISHED_METRICS.includes(m.name)).map((m) => `${m.name} ${m.dimensions}`));
  add('custom metrics published while idle (the probe\'s RouteProblems per route and StackProblems)', idleMetrics.size, idleMetrics.size * IDLE_PRICES.customMetric);
  // The dashboard turns the detailed figures into metrics (the functions get BACKUPMX_DETAILED_METRICS=1).
  const detailed = of('AWS::Lambda::Function').some(([, fn]) => fn.Properties?.Environment?.Variables?.[ENV.detailedMetrics] === '1');
  const routes = read.filter((m) => m.name === ROUTE_PROBLEMS_METRIC).length;
  const canaryOn = of('AWS::Lambda::Function').some(([, fn]) => sendsCanary(fn));
  const detailedCount = detailed ? routes * DETAILED_PER_ROUTE + 1 + (canaryOn ? 1 : 0) : 0;
  add('detailed figures as metrics, for the dashboard (PrimaryUp, QueuedMessages, OldestQueuedAgeSeconds, HeldNotices, DeadLetters per route; orphaned queues; canary round trip)', detailedCount, detailedCount * IDLE_PRICES.customMetric);

  const dashboards = of('AWS::CloudWatch::Dashboard').length;
  add('CloudWatch dashboards (free for your first three)', dashboards, dashboards * IDLE_PRICES.dashboard);
  const keys = of('AWS::KMS::Key').length;
  add('KMS keys', keys, keys * IDLE_PRICES.kmsKey);
  const secrets = of('AWS::SecretsManager::Secret').length;
  add('Secrets Manager secrets the stack creates', secrets, secrets * IDLE_PRICES.secret);

  let runs = 0;
  let gbSeconds = 0;
  let canaries = 0;
  for (const [, rule] of of('AWS::Events::Rule')) {
    const expression = rule.Properties?.ScheduleExpression as string | undefined;
    if (!expression) continue;
    for (const target of rule.Properties?.Targets ?? []) {
      const functionId = target.Arn?.['Fn::GetAtt']?.[0] as string | undefined;
      const fn = functionId ? all[functionId] : undefined;
      if (fn?.Type !== 'AWS::Lambda::Function') continue;
      const input = String(target.Input ?? '');
      // A probe interval under a minute loops inside one invocation for the whole minute (probe-primaries.ts).
      const interval = Number(fn.Properties?.Environment?.Variables?.[ENV.probeIntervalSeconds] ?? 60);
      const probeSeconds = interval < 60 ? 60 : IDLE_RUN_SECONDS.probe;
      const seconds = input.includes('recheck') ? IDLE_RUN_SECONDS.pauseCheck : input.includes('task') ? IDLE_RUN_SECONDS.task : probeSeconds;
      const n = runsPerMonth(expression);
      runs += n;
      if (sendsCanary(fn)) canaries += n;
      gbSeconds += n * seconds * ((fn.Properties?.MemorySize ?? 128) / 1024);
    }
  }
  add('scheduled Lambda runs (probe, hourly tasks, pause check, canary)', runs, runs * IDLE_PRICES.lambdaRequest + gbSeconds * IDLE_PRICES.lambdaArmGbSecond);
  const followUp = CANARY_FOLLOW_UP;
  const canaryGbSeconds = canaries * ((followUp.acceptSeconds * followUp.acceptMb + followUp.drainSeconds * followUp.drainMb) / 1024);
  add(
    'canary round trips (SES send and receive; the accept and drain runs each causes)',
    canaries,
    canaries * (IDLE_PRICES.sesSend + IDLE_PRICES.sesReceive + 2 * IDLE_PRICES.lambdaRequest) + canaryGbSeconds * IDLE_PRICES.lambdaArmGbSecond,
  );

  // While nothing changes the probe rewrites each route's health item once its check is HEALTH_REFRESH_SECONDS old (health-change.ts): one 1 KB write.
  const healthWrites = routes * ((MINUTES_PER_MONTH * 60) / HEALTH_REFRESH_SECONDS);
  add('the probe\'s health record, refreshed once a minute per route so status shows the last probe (DynamoDB writes)', healthWrites, healthWrites * IDLE_PRICES.dynamoWriteUnit);

  const nat = of('AWS::EC2::NatGateway').length;
  add('NAT gateway (egress "vpc-nat"), plus $0.045 per GB', nat, nat * IDLE_PRICES.natGatewayHour * HOURS_PER_MONTH);
  const instances = of('AWS::EC2::Instance').length;
  add('NAT instance t4g.nano with 8 GB gp3 (egress "vpc-nat-instance")', instances, instances * (IDLE_PRICES.t4gNanoHour * HOURS_PER_MONTH + 8 * IDLE_PRICES.gp3GbMonth));
  const eips = of('AWS::EC2::EIP').length;
  add('Elastic IP', eips, eips * IDLE_PRICES.elasticIpHour * HOURS_PER_MONTH);

  return {
    lines,
    totalDollarsPerMonth: round(lines.reduce((sum, l) => sum + l.dollarsPerMonth, 0)),
    alarms: alarms.length,
    alarmMetrics: read.length,
  };
}

/**
 * The idle cost of a stack built from a backupMx context (by default the one
 * in `cdkJson`, the shipped cdk.json unless told), bundling skipped; the
 * lookups cached in cdk.context.json beside it are used as `cdk synth` would.
 */
export async function stackIdleCost(context?: unknown, cdkJson: string | URL = new URL('../../cdk.json', import.meta.url)): Promise<IdleCost & { routes: number }> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { App } = await import('aws-cdk-lib');
  const { Template } = await import('aws-cdk-lib/assertions');
  const { parseBackupMxConfig } = await import('../config/backup-mx-config.js');
  const { BackupMxStack } = await import('../backup-mx-stack.js');
  const { backupMx, ...flags } = JSON.parse(readFileSync(cdkJson, 'utf8')).context as Record<string, unknown>;
  const cached = new URL('cdk.context.json', typeof cdkJson === 'string' ? new URL(cdkJson, `file://${process.cwd()}/`) : cdkJson);
  const lookups = existsSync(cached) ? (JSON.parse(readFileSync(cached, 'utf8')) as Record<string, unknown>) : {};
  const config = parseBackupMxConfig(context ?? backupMx, { region: 'us-east-1' });
  const app = new App({ context: { ...lookups, ...flags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new BackupMxStack(app, config.stackName, { config });
  return { ...idleCost(Template.fromStack(stack)), routes: config.routes.length };
}
