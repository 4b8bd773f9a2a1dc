// Each engine function's runtime, settings, route table, schedule and logs, and the drain's time limits (its grants: function-permissions.test.ts).
import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { Duration } from 'aws-cdk-lib';
import { AFTER_REPLY_SECONDS, DEFAULT_SMTP_TIMEOUT_MS, ENV, drainReserveSeconds, loadSettings } from '../../../lambdas/config/settings.js';
import { FINAL_DOT_GRACE_SECONDS } from '../../../lambdas/core/drain/final-dot-guard.js';
import { ROUTE_TABLE_ATTRIBUTE } from '../../../lambdas/config/route-table.js';
import { TABLE_LAYOUT } from '../../../lambdas/config/table-layout.js';
import { evaluateCfn } from '../../support/cdk/cfn-evaluate.js';
import { FUNCTIONS_CONTEXT as CONTEXT, ACCEPT, DRAIN, PROBE } from '../../support/cdk/functions-context.js';
import { ROUTE_TABLE_DIGEST_VARIABLE } from '../../../lib/constructs/route-table.js';
import { checkDrainTimeout, MIN_DRAIN_WORK_SECONDS } from '../../../lib/constructs/mail-functions.js';
import { buildStack, functionId, resources } from '../../support/cdk/stack-fixture.js';

describe('functions', () => {
  const { template } = buildStack(CONTEXT);
  const envOf = (text: string) =>
    resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!.Properties!.Environment.Variables as Record<
      string,
      unknown
    >;

  it('run Node.js 22 on arm64 with bounded timeouts', () => {
    for (const text of [PROBE, DRAIN, ACCEPT]) {
      const fn = resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!;
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
    expect(resources(template, 'AWS::Lambda::Function')[functionId(template, DRAIN)]!.Properties!.Timeout).toBe(600);
  });

  it('the drain gets one full vCPU (1,769 MB: Lambda scales CPU with memory)', () => {
    expect(resources(template, 'AWS::Lambda::Function')[functionId(template, DRAIN)]!.Properties!.MemorySize).toBe(1_769);
  });

  it('get every setting loadSettings needs except the routes, which stay out of the 4 KB environment', () => {
    for (const text of [PROBE, DRAIN, ACCEPT]) {
      const env = envOf(text);
      for (const name of [ENV.tableName, ENV.bucketName, ENV.deadLetterQueueUrl]) {
        expect(env[name], `${text}: ${name}`).toBeDefined();
      }
      expect(env[ENV.routes], text).toBeUndefined();
      expect(env).toMatchObject({
        [ENV.hostname]: 'backup-mx.example.com',
        [ENV.minBackoffSeconds]: '120',
        [ENV.maxBackoffSeconds]: '1800',
        [ENV.queueLifetimeSeconds]: String(9 * 86_400),
        [ENV.probeIntervalSeconds]: '20',
      });
    }
  });

  it('the route table is written into the state table at deploy, as JSON CloudFormation builds (queue URLs are tokens), under its digest', () => {
    const writers = Object.entries(resources(template, 'Custom::AWS'));
    expect(writers).toHaveLength(1);
    const [writerId, writer] = writers[0]!;
    const call = JSON.parse(evaluateCfn(writer.Properties!.Create) as string);
    expect(call).toMatchObject({ service: 'DynamoDB', action: 'putItem' });
    expect(JSON.parse(evaluateCfn(writer.Properties!.Update) as string)).toEqual(call);
    expect(call.parameters.TableName).toMatch(/^<StateTable/);
    const digest = envOf(PROBE)[ROUTE_TABLE_DIGEST_VARIABLE] as string;
    const key = { [TABLE_LAYOUT.partitionKey]: { S: 'config' }, [TABLE_LAYOUT.sortKey]: { S: `routes#${digest}` } };
    expect(call.parameters.Item).toMatchObject(key);
    // A new digest is a new physical resource: CloudFormation deletes the old item after the update.
    expect(call.physicalResourceId).toEqual({ id: `backup-mx-route-table-${digest}` });
    expect(JSON.parse(evaluateCfn(writer.Properties!.Delete) as string)).toMatchObject({ action: 'deleteItem', parameters: { Key: key } });
    const routes = JSON.parse(call.parameters.Item[ROUTE_TABLE_ATTRIBUTE].S);
    expect(routes).toEqual([
      {
        name: 'corp',
        domains: ['example.com'],
        primary: { host: 'mail.example.com', port: 587, tls: 'verify', authSecretName: 'backup-mx/corp-smtp' },
        bouncePolicy: 'dead-letter',
        dsnPerHour: 100,
        queueUrl: expect.stringMatching(/^<RoutesQueuecorp/),
      },
    ]);
    // What the Lambdas parse at a cold start.
    expect(loadSettings({ [ENV.routes]: JSON.stringify(routes), [ENV.tableName]: 't', [ENV.bucketName]: 'b', [ENV.deadLetterQueueUrl]: 'q' }).routes[0]!.name).toBe('corp');
    expect(JSON.stringify(routes)).not.toContain('alice@example.com'); // recipients are SES's business
    // Only PutItem and DeleteItem, only on the config partition; every engine function waits for the item.
    const policy = Object.values(resources(template, 'AWS::IAM::Policy')).find((p) => (p.DependsOn ?? []).length === 0 && JSON.stringify(p.Properties!.PolicyDocument).includes('dynamodb:PutItem') && !JSON.stringify(p.Properties!.Roles).includes('Functions') && !JSON.stringify(p.Properties!.Roles).includes('Trigger'))!;
    expect(policy.Properties!.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StateTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['config'] } },
      }),
    ]);
    for (const text of [PROBE, DRAIN, ACCEPT]) {
      expect(resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!.DependsOn, text).toContain(writerId);
    }
  });

  it('a changed route table changes every engine function\'s environment, so no warm container keeps the old one', () => {
    const digestOf = (t: typeof template) =>
      [PROBE, DRAIN, ACCEPT].map((text) => resources(t, 'AWS::Lambda::Function')[functionId(t, text)]!.Properties!.Environment.Variables[ROUTE_TABLE_DIGEST_VARIABLE]);
    const before = digestOf(template);
    expect(new Set(before).size).toBe(1);
    expect(before[0]).toMatch(/^[0-9a-f]{64}$/);
    const changed = buildStack({ ...CONTEXT, routes: [{ ...CONTEXT.routes[0]!, domains: ['example.com', 'example.net'] }] }).template;
    expect(digestOf(changed)[0]).not.toBe(before[0]);
    expect(digestOf(buildStack(CONTEXT).template)).toEqual(before);
  });

  it('accept is subscribed to every route topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [functionId(template, ACCEPT), 'Arn'] },
      TopicArn: { Ref: Match.stringLikeRegexp('Topiccorp') },
    });
  });

  it('the probe runs every minute; async retries are off (the next run retries)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(template, PROBE), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(template, DRAIN) },
      MaximumRetryAttempts: 0,
    });
    // Lambda's own 2 async retries of a failed probe would overlap the next scheduled run.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(template, PROBE) },
      MaximumRetryAttempts: 0,
    });
  });

  it('logs are kept for a month', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('no function is in a VPC unless egress is vpc-nat', () => {
    for (const fn of Object.values(resources(template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties!.VpcConfig).toBeUndefined();
    }
  });
});

describe('drain timeouts', () => {
  const { template } = buildStack(CONTEXT);
  const drain = () => resources(template, 'AWS::Lambda::Function')[functionId(template, DRAIN)]!.Properties!;

  it('the drain Lambda outlives its time budget by a whole SMTP timeout plus a margin, with real time left to deliver', () => {
    const env = drain().Environment.Variables as Record<string, string>;
    expect(env[ENV.smtpTimeoutMs]).toBe(String(DEFAULT_SMTP_TIMEOUT_MS));
    const reserve = drainReserveSeconds({ smtpTimeoutMs: Number(env[ENV.smtpTimeoutMs]) });
    expect(reserve).toBeGreaterThan(Number(env[ENV.smtpTimeoutMs]) / 1000);
    expect(drain().Timeout - reserve).toBeGreaterThanOrEqual(MIN_DRAIN_WORK_SECONDS);
  });

  it('a final dot sent at the last moment the drain allows still gets its reply and its records before Lambda stops the drain', () => {
    // Timeout − budget = the reserve: the dot's grace after the deadline, one SMTP reply wait, the records after it.
    const env = drain().Environment.Variables as Record<string, string>;
    const smtpSeconds = Number(env[ENV.smtpTimeoutMs]) / 1000;
    const reserve = drainReserveSeconds({ smtpTimeoutMs: Number(env[ENV.smtpTimeoutMs]) });
    expect(reserve).toBeGreaterThanOrEqual(FINAL_DOT_GRACE_SECONDS + smtpSeconds + AFTER_REPLY_SECONDS);
    expect(AFTER_REPLY_SECONDS).toBeGreaterThanOrEqual(20); // ack, ledger writes and the lease release, each a few AWS calls
    expect(drain().Timeout - reserve).toBeGreaterThanOrEqual(MIN_DRAIN_WORK_SECONDS);
  });

  it('route queues hide a message longer than the drain Lambda can live', () => {
    for (const [id, queue] of Object.entries(resources(template, 'AWS::SQS::Queue'))) {
      if (id.includes('DeadLetter')) continue;
      expect(queue.Properties!.VisibilityTimeout, id).toBeGreaterThan(drain().Timeout);
    }
  });

  it('refuses a drain timeout that leaves no time after the SMTP reserve', () => {
    expect(() => checkDrainTimeout(Duration.minutes(5), DEFAULT_SMTP_TIMEOUT_MS)).toThrow(/drain timeout.*300.*SMTP/s);
    expect(() => checkDrainTimeout(Duration.minutes(10), DEFAULT_SMTP_TIMEOUT_MS)).not.toThrow();
  });
});
