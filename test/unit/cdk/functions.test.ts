import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { Duration } from 'aws-cdk-lib';
import { AFTER_REPLY_SECONDS, DEFAULT_SMTP_TIMEOUT_MS, ENV, drainReserveSeconds, loadSettings } from '../../../lambdas/config/settings.js';
import { FINAL_DOT_GRACE_SECONDS } from '../../../lambdas/core/drain/final-dot-guard.js';
import { ROUTE_TABLE_ATTRIBUTE } from '../../../lambdas/config/route-table.js';
import { TABLE_LAYOUT } from '../../../lambdas/config/table-layout.js';
import { evaluateCfn } from '../../support/cdk/cfn-evaluate.js';
import { ROUTE_TABLE_DIGEST_VARIABLE } from '../../../lib/constructs/route-table.js';
import { checkDrainTimeout, MIN_DRAIN_WORK_SECONDS } from '../../../lib/constructs/mail-functions.js';
import { actionsOf, allowing, buildStack, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';

const CONTEXT = {
  region: 'us-east-1',
  queueLifetimeDays: 9,
  probeIntervalSeconds: 20,
  retry: { minBackoffSeconds: 120, maxBackoffSeconds: 1800 },
  routes: [
    {
      name: 'corp',
      domains: ['example.com'],
      recipients: ['alice@example.com'],
      bouncePolicy: 'dead-letter',
      primary: { host: 'mail.example.com', port: 587, tls: 'verify', authSecretName: 'backup-mx/corp-smtp' },
    },
  ],
};
const PROBE = 'checks each primary';
const DRAIN = 'delivers one route queue';
const ACCEPT = 'indexes each message';

describe('functions', () => {
  const { template, stack } = buildStack(CONTEXT);
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

  it('only the probe knows the drain function by name, and may invoke it', () => {
    expect(envOf(PROBE)[ENV.drainFunctionName]).toEqual({ Ref: functionId(template, DRAIN) });
    expect(envOf(DRAIN)[ENV.drainFunctionName]).toBeUndefined();
    const invoke = allowing(statementsOf(template, PROBE), 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke)).toContain(functionId(template, DRAIN));
  });

  it('the drain may invoke itself only (its successor), and the chain is not cut by recursive loop detection after 16 invokes', () => {
    const invoke = allowing(statementsOf(template, DRAIN), 'lambda:InvokeFunction');
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Resource).toEqual({ 'Fn::GetAtt': [functionId(template, DRAIN), 'Arn'] });
    const drain = resources(template, 'AWS::Lambda::Function')[functionId(template, DRAIN)]!;
    expect(drain.Properties!.RecursiveLoop).toBe('Allow');
    for (const text of [PROBE, ACCEPT]) expect(resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!.Properties!.RecursiveLoop).toBeUndefined();
  });

  it('drain can read mail objects but not delete (it never does: objects expire by lifecycle) or write them', () => {
    const statements = statementsOf(template, DRAIN);
    const objects = allowing(statements, 's3:GetObject');
    expect(objects).toHaveLength(1);
    expect(JSON.stringify(objects[0]!.Resource)).toContain('/mail/*');
    for (const forbidden of ['s3:DeleteObject', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutObject', 's3:PutBucketAcl', 's3:DeleteBucket']) {
      expect(allowing(statements, forbidden), forbidden).toEqual([]);
    }
  });

  it('drain consumes and re-enqueues its route queue, sends to the DLQ, uses the table, sends DSNs, reads the AUTH secret', () => {
    const statements = statementsOf(template, DRAIN);
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:SendMessage',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ]) {
      expect(allowing(statements, action), action).not.toEqual([]);
    }
    const send = JSON.stringify(allowing(statements, 'sqs:SendMessage'));
    expect(send).toContain('DeadLetter');
    expect(send).toContain('Queuecorp');
    expect(JSON.stringify(allowing(statements, 'secretsmanager:GetSecretValue'))).toContain('secret:backup-mx/corp-smtp-??????');
  });

  it('probe reads queue attributes and secrets but cannot consume queues or read mail', () => {
    const statements = statementsOf(template, PROBE);
    expect(allowing(statements, 'sqs:GetQueueAttributes')).not.toEqual([]);
    expect(allowing(statements, 'secretsmanager:GetSecretValue')).not.toEqual([]);
    expect(allowing(statements, 'dynamodb:PutItem')).not.toEqual([]);
    for (const forbidden of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 's3:GetObject', 'ses:SendRawEmail']) {
      expect(allowing(statements, forbidden), forbidden).toEqual([]);
    }
  });

  it('accept reads object metadata, puts index items and reads the route table item and the canary key, nothing more', () => {
    const statements = statementsOf(template, ACCEPT);
    expect(allowing(statements, 's3:GetObject')).not.toEqual([]);
    expect(allowing(statements, 'dynamodb:PutItem')).not.toEqual([]);
    // It reads only the route table item (cold start) and the canary's key (to recognise one), and never queries, updates or deletes.
    const get = allowing(statements, 'dynamodb:GetItem');
    expect(get).toHaveLength(1);
    expect(get[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['config', 'canary#*'] } });
    for (const forbidden of ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 's3:DeleteObject', 'sqs:ReceiveMessage', 'sqs:SendMessage', 'secretsmanager:GetSecretValue']) {
      expect(allowing(statements, forbidden), forbidden).toEqual([]);
    }
    expect(actionsOf(statements).some((a) => a.startsWith('lambda:'))).toBe(false);
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

  it('probe and drain may decrypt an AUTH secret under a customer key, only through Secrets Manager and only for that secret', () => {
    for (const text of [PROBE, DRAIN]) {
      const decrypt = allowing(statementsOf(template, text), 'kms:Decrypt');
      expect(decrypt, text).toHaveLength(1);
      const condition = JSON.stringify(stack.resolve(decrypt[0]!.Condition));
      expect(condition).toContain('kms:ViaService');
      expect(condition).toContain('secretsmanager.');
      expect(condition).toContain('secret:backup-mx/corp-smtp-??????');
    }
    expect(allowing(statementsOf(template, ACCEPT), 'kms:Decrypt')).toEqual([]);
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

describe('missing mail objects answer 404, not 403', () => {
  const { template } = buildStack(CONTEXT);
  const bucketId = () => Object.keys(resources(template, 'AWS::S3::Bucket')).find((id) => id.startsWith('MailBucket'))!;

  // S3 only says NoSuchKey/NotFound to a caller that may list the bucket; the
  // engine's object-missing path needs that answer.
  it.each([
    ['drain', DRAIN],
    ['accept', ACCEPT],
  ])('%s may list the mail bucket, with no s3:prefix condition (GetObject/HeadObject carry none, so a missing key would be 403)', (_name, text) => {
    const list = allowing(statementsOf(template, text), 's3:ListBucket');
    expect(list).toHaveLength(1);
    expect(list[0]!.Action).toBe('s3:ListBucket');
    expect(list[0]!.Resource).toEqual({ 'Fn::GetAtt': [bucketId(), 'Arn'] });
    expect(list[0]!.Condition).toBeUndefined();
  });

  it('the drain is started hourly to find stored mail that never reached a queue', () => {
    // The canary's hourly rule targets its own function.
    const rules = Object.values(resources(template, 'AWS::Events::Rule')).filter(
      (r) => r.Properties!.ScheduleExpression === 'rate(1 hour)' && JSON.stringify(r.Properties!.Targets).includes(functionId(template, DRAIN)),
    );
    expect(rules).toHaveLength(1);
    const target = rules[0]!.Properties!.Targets[0];
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [functionId(template, DRAIN), 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({ task: 'find-unqueued' });
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('the probe, which reads no mail, may not list it', () => {
    expect(allowing(statementsOf(template, PROBE), 's3:ListBucket')).toEqual([]);
  });
});
