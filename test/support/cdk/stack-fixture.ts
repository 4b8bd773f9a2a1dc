// Builds the stack from a backupMx context for assertions. Bundling is
// skipped (aws:cdk:bundling-stacks: []) unless a test asks for it.
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { BackupMxStack } from '../../../lib/backup-mx-stack.js';
import { NAT_INSTANCE_IMAGE_PARAMETER } from '../../../lib/constructs/egress-vpc.js';
import { ROUTE_TABLE_ATTRIBUTE } from '../../../lambdas/config/route-table.js';
import { evaluateCfn } from './cfn-evaluate.js';

export const BASE_CONTEXT = {
  region: 'us-east-1',
  routes: [
    {
      name: 'corp',
      domains: ['example.com', 'example.org'],
      primary: { host: 'mail.example.com', port: 587, tls: 'required' },
    },
  ],
};

/** The CDK feature flags and settings of the shipped cdk.json (all of its context but backupMx), as `cdk synth` sees them. */
export const CDK_JSON_FLAGS: Record<string, unknown> = (() => {
  const { backupMx: _config, ...flags } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context as Record<string, unknown>;
  return flags;
})();

/** The account a stack with a NAT instance is built in: its image lookup needs one. */
export const TEST_ACCOUNT = '123456789012';
/** The NAT image cdk.context.json holds in these tests (no lookup, no network). */
export const PINNED_NAT_IMAGE = 'ami-0aaaaaaaaaaaaaaa1';

/** cdk.context.json as a first deploy in `region` of TEST_ACCOUNT leaves it: the NAT image pinned, the zones the VPC spans. */
export function pinnedNatImageContext(region: string, image = PINNED_NAT_IMAGE): Record<string, unknown> {
  return {
    [`ssm:account=${TEST_ACCOUNT}:parameterName=${NAT_INSTANCE_IMAGE_PARAMETER}:region=${region}`]: image,
    [`availability-zones:account=${TEST_ACCOUNT}:region=${region}`]: [`${region}a`, `${region}b`, `${region}c`],
  };
}

export interface BuildOptions {
  bundle?: boolean;
  /** The stack's account; a NAT instance stack gets TEST_ACCOUNT without it. */
  account?: string;
  /** More CDK context (cdk.context.json); a NAT instance stack gets pinnedNatImageContext() without it. */
  cdkContext?: Record<string, unknown>;
}

export function buildStack(context: Record<string, unknown> = BASE_CONTEXT, opts: BuildOptions = {}) {
  const config = parseBackupMxConfig(context);
  const natInstance = config.egress === 'vpc-nat-instance';
  const account = opts.account ?? (natInstance ? TEST_ACCOUNT : undefined);
  const cdkContext = opts.cdkContext ?? (natInstance ? pinnedNatImageContext(config.region) : {});
  const app = new App({ context: { ...CDK_JSON_FLAGS, ...cdkContext, ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
  // As bin/backup-mx.ts does: the stack is named by backupMx.stackName (default BackupMx).
  const stack = new BackupMxStack(app, config.stackName, { config, ...(account ? { env: { account } } : {}) });
  return { app, stack, config, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: string[] }>;

export function resources(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** Logical id of the Lambda whose description contains `text`. */
export function functionId(template: Template, text: string): string {
  const match = Object.entries(resources(template, 'AWS::Lambda::Function')).find(([, r]) =>
    String(r.Properties?.Description ?? '').includes(text),
  );
  if (!match) throw new Error(`no function described as ${text}`);
  return match[0];
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every IAM statement attached to the execution role of the function described as `text`. */
export function statementsOf(template: Template, text: string): Statement[] {
  const fn = resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!;
  const roleId = fn.Properties!.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

/** Statements that allow `action` (exactly, or through a wildcard like s3:*). */
export function allowing(statements: Statement[], action: string): Statement[] {
  return statements.filter((s) => {
    const list = Array.isArray(s.Action) ? s.Action : [s.Action];
    return (
      s.Effect === 'Allow' &&
      list.some((a) => a === action || a === '*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))))
    );
  });
}

/** The route table as the deploy writes it into the state table (what the Lambdas read at a cold start). */
export function deployedRoutes(template: Template): Array<Record<string, unknown>> {
  const writers = Object.values(resources(template, 'Custom::AWS'));
  if (writers.length !== 1) throw new Error(`expected one route-table writer, found ${writers.length}`);
  const call = JSON.parse(evaluateCfn(writers[0]!.Properties!.Create) as string);
  return JSON.parse(call.parameters.Item[ROUTE_TABLE_ATTRIBUTE].S);
}

export interface AlarmMetric {
  alarm: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

/** Every metric each alarm reads: its own, or each one its metric math uses. */
export function alarmMetrics(template: Template): AlarmMetric[] {
  const found: AlarmMetric[] = [];
  const dims = (list: { Name: string; Value: unknown }[] | undefined) => Object.fromEntries((list ?? []).map((d) => [d.Name, String(d.Value)]));
  for (const [alarm, resource] of Object.entries(resources(template, 'AWS::CloudWatch::Alarm'))) {
    const p = resource.Properties!;
    if (p.MetricName) found.push({ alarm, namespace: p.Namespace, metricName: p.MetricName, dimensions: dims(p.Dimensions) });
    for (const query of (p.Metrics ?? []) as { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] } } }[]) {
      const metric = query.MetricStat?.Metric;
      if (metric) found.push({ alarm, namespace: metric.Namespace, metricName: metric.MetricName, dimensions: dims(metric.Dimensions) });
    }
  }
  return found;
}

