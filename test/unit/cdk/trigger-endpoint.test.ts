// The "I'm back" endpoint in the template, and the delay warning setting on
// its way to the Lambdas.
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/config/settings.js';
import { actionsOf, allowing, buildStack, deployedRoutes, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';

const TRIGGER = 'from a primary (HMAC-signed function URL)';
const DRAIN = 'delivers one route queue';
const PROBE = 'checks each primary';
/** Lambda: all environment variables of a function together, names and values. */
const LAMBDA_ENV_LIMIT_BYTES = 4 * 1024;

const CONTEXT = {
  region: 'us-east-1',
  delayWarningHours: 4,
  routes: [
    { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'required' } },
    { name: 'lab', domains: ['lab.example.com'], delayWarningHours: 0, primary: { host: 'lab.example.com', port: 2525, tls: 'none' } },
  ],
};

describe('trigger endpoint', () => {
  const { template, stack } = buildStack(CONTEXT);
  const fnOf = (text: string) => resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!;

  it('is a function URL on the trigger function; auth is the HMAC checked in the function (the primary has no AWS credentials)', () => {
    const urls = Object.values(resources(template, 'AWS::Lambda::Url'));
    expect(urls).toHaveLength(1);
    expect(urls[0]!.Properties).toMatchObject({ AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [functionId(template, TRIGGER), 'Arn'] } });
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['TriggerUrl', 'TriggerFunctionName']));
  });

  it('keeps the HMAC key in the state table (trigger#key, the trigger\'s partition): no secret of its own, no secret read', () => {
    expect(resources(template, 'AWS::SecretsManager::Secret')).toEqual({});
    expect(Object.keys(template.findOutputs('*'))).not.toContain('TriggerSecretArn');
    const env = fnOf(TRIGGER).Properties!.Environment.Variables as Record<string, unknown>;
    expect(env[ENV.triggerSecretId]).toBeUndefined();
    expect(allowing(statementsOf(template, TRIGGER), 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  it('with trigger.keySecretName, reads only that secret (and names it in the environment and an output); no other function may', () => {
    const named = buildStack({ ...CONTEXT, trigger: { keySecretName: 'TriggerKey3F5A8D12-AbCdEfGhIjKl' } }).template;
    const fn = resources(named, 'AWS::Lambda::Function')[functionId(named, TRIGGER)]!;
    expect(JSON.stringify(fn.Properties!.Environment.Variables[ENV.triggerSecretId])).toContain(':secret:TriggerKey3F5A8D12-AbCdEfGhIjKl');
    expect(Object.keys(named.findOutputs('*'))).toContain('TriggerSecretArn');
    const reads = allowing(statementsOf(named, TRIGGER), 'secretsmanager:GetSecretValue');
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads)).toContain('TriggerKey3F5A8D12-AbCdEfGhIjKl');
    for (const text of [DRAIN, PROBE]) {
      expect(JSON.stringify(allowing(statementsOf(named, text), 'secretsmanager:GetSecretValue')), text).not.toContain('TriggerKey');
    }
  });

  it('can only ask the probe to check a route: invokes the probe, never the drain; no SMTP secret, no VPC, no mail', () => {
    const statements = statementsOf(template, TRIGGER);
    const env = fnOf(TRIGGER).Properties!.Environment.Variables as Record<string, unknown>;
    expect(env[ENV.probeFunctionName]).toEqual({ Ref: functionId(template, PROBE) });
    expect(env[ENV.drainFunctionName]).toBeUndefined();
    const invoke = allowing(statements, 'lambda:InvokeFunction');
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]!.Resource)).toContain(functionId(template, PROBE));
    expect(JSON.stringify(invoke[0]!.Resource)).not.toContain(functionId(template, DRAIN));
    // It never touches mail or the primary's credentials.
    expect(actionsOf(statements).filter((a) => a.startsWith('s3:') || a.startsWith('sqs:') || a.startsWith('ses:') || a === 'kms:Decrypt')).toEqual([]);
    expect(allowing(statements, 'secretsmanager:GetSecretValue').flatMap((st) => JSON.stringify(st.Resource))).not.toContain('corp-smtp');
    expect(fnOf(TRIGGER).Properties!.VpcConfig).toBeUndefined();
    const withEgress = buildStack({ ...CONTEXT, egress: 'vpc-nat' }).template;
    const triggerInVpc = resources(withEgress, 'AWS::Lambda::Function')[functionId(withEgress, TRIGGER)]!;
    expect(triggerInVpc.Properties!.VpcConfig).toBeUndefined();
  });

  it("reaches the state table only to read the route table and read/write its own gate items (trigger#), nothing else", () => {
    const statements = statementsOf(template, TRIGGER);
    const dynamo = statements.filter((s) => s.Effect === 'Allow' && actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => [actionsOf([s]).sort(), s.Condition])).toEqual([
      [['dynamodb:GetItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['config'] } }],
      [['dynamodb:GetItem', 'dynamodb:PutItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['trigger#*'] } }],
    ]);
  });

  it('waits long enough for the probe\'s check of one route', () => {
    expect(fnOf(TRIGGER).Properties!.Timeout).toBeGreaterThan(fnOf(PROBE).Properties!.Timeout);
  });

  it('keeps every function\'s environment under Lambda\'s 4 KB', () => {
    for (const fn of Object.values(resources(template, 'AWS::Lambda::Function'))) {
      const vars = (fn.Properties?.Environment?.Variables ?? {}) as Record<string, unknown>;
      // Tokens resolve to ARNs/URLs of ~100 characters: count each as 200 to be safe.
      const bytes = Object.entries(stack.resolve(vars) as Record<string, unknown>).reduce((n, [k, v]) => n + k.length + (typeof v === 'string' ? v.length : 200 * JSON.stringify(v).split('Ref').length), 0);
      expect(bytes, String(fn.Properties?.Description)).toBeLessThan(LAMBDA_ENV_LIMIT_BYTES);
    }
  });

  it('passes delayWarningHours to the Lambdas as seconds per route (route value over the global one; 0 = off)', () => {
    const routes = deployedRoutes(template);
    expect(routes.map((route) => [route.name, route.delayWarningSeconds])).toEqual([
      ['corp', 14_400],
      ['lab', undefined], // off
    ]);
  });
});
