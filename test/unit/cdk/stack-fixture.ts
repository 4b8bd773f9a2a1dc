// Builds the stack from a backupMx context for assertions. Bundling is
// skipped (aws:cdk:bundling-stacks: []) unless a test asks for it.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { BackupMxStack } from '../../../lib/backup-mx-stack.js';
import { ROUTE_TABLE_ATTRIBUTE } from '../../../lambdas/config/route-table.js';
import { evaluateCfn } from '../../support/cfn-evaluate.js';

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

export function buildStack(context: Record<string, unknown> = BASE_CONTEXT, opts: { bundle?: boolean } = {}) {
  const app = new App({ context: opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const config = parseBackupMxConfig(context);
  const stack = new BackupMxStack(app, 'BackupMx', { config });
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
