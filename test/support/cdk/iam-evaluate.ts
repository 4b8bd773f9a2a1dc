// A small IAM policy evaluator for the synthesized template: which statements
// each Lambda role has, and whether they allow one DynamoDB request (explicit
// deny first, then any allow; actions and resources with IAM's * wildcards;
// the condition operators our policies use). An operator it does not know
// fails the test rather than being skipped, so a new kind of condition cannot
// make a permission look narrower than it is.
import type { Template } from 'aws-cdk-lib/assertions';
import { evaluateCfn } from './cfn-evaluate.js';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** One request as IAM sees it: the action, the resource ARN and the condition keys it carries. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[] | undefined>;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

/** AWS managed policies our roles may carry: none of them grants anything in DynamoDB. */
const KNOWN_MANAGED = [/AWSLambdaBasicExecutionRole$/, /AWSLambdaVPCAccessExecutionRole$/];

/** Every statement of a role: attached AWS::IAM::Policy documents and the role's inline policies. */
export function roleStatements(template: Template, roleId: string): PolicyStatement[] {
  const all = template.toJSON().Resources as Resources;
  const role = all[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  for (const arn of (role.Properties?.ManagedPolicyArns ?? []) as unknown[]) {
    const name = String(evaluateCfn(arn));
    if (!KNOWN_MANAGED.some((known) => known.test(name))) throw new Error(`${roleId} carries managed policy ${name}: add what it grants to the evaluator`);
  }
  const inline = ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(all)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && ((r.Properties!.Roles ?? []) as { Ref?: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((p) => p.Properties!.PolicyDocument.Statement as PolicyStatement[]);
  return [...inline, ...attached];
}

/** Each Lambda function's logical id and the logical id of its execution role. */
export function functionRoles(template: Template): { functionId: string; description: string; roleId: string }[] {
  const all = template.toJSON().Resources as Resources;
  return Object.entries(all)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([functionId, r]) => {
      const role = r.Properties!.Role as { 'Fn::GetAtt'?: [string, string] };
      if (!role['Fn::GetAtt']) throw new Error(`${functionId}: role is not a role of this stack`);
      return { functionId, description: String(r.Properties!.Description ?? ''), roleId: role['Fn::GetAtt'][0] };
    });
}

/** IAM's decision: an explicit deny wins, then any allow; nothing matching is a deny. */
export function isAllowed(statements: PolicyStatement[], request: IamRequest): boolean {
  const matching = statements.filter((s) => applies(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return false;
  return matching.some((s) => s.Effect === 'Allow');
}

function applies(statement: PolicyStatement, request: IamRequest): boolean {
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) throw new Error('NotAction/NotResource: extend the evaluator');
  const actions = list(statement.Action).map(String);
  if (!actions.some((a) => glob(a, request.action, true))) return false;
  const resources = list(evaluateCfn(statement.Resource)).map(String);
  if (!resources.some((r) => glob(r, request.resource, false))) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => condition(operator, request.context[key], list(evaluateCfn(expected)).map(String))),
  );
}

function condition(operator: string, given: string | string[] | undefined, expected: string[]): boolean {
  const [set, base] = operator.includes(':') ? (operator.split(':') as [string, string]) : [undefined, operator];
  const ifExists = base.endsWith('IfExists');
  const test = base.replace(/IfExists$/, '');
  const matches = (value: string) => {
    if (test === 'StringEquals') return expected.includes(value);
    if (test === 'StringEqualsIgnoreCase') return expected.some((e) => e.toLowerCase() === value.toLowerCase());
    if (test === 'StringLike') return expected.some((pattern) => glob(pattern, value, false));
    // Whole-ARN matching: as wide as IAM's part-by-part match or wider, so "not allowed" here is not allowed there.
    if (test === 'ArnLike') return expected.some((pattern) => glob(pattern, value, false));
    throw new Error(`condition operator ${operator}: extend the evaluator`);
  };
  const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
  if (set === 'ForAllValues') return values.every(matches); // true for an absent key, as in IAM
  if (set === 'ForAnyValue') return values.some(matches);
  if (set !== undefined) throw new Error(`condition set ${set}: extend the evaluator`);
  if (values.length === 0) return ifExists;
  return values.every(matches);
}

/** IAM wildcards: `*` any run of characters, `?` one character. */
function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '').test(value);
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
