import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { Duration } from 'aws-cdk-lib';
import { DEFAULT_SMTP_TIMEOUT_MS, ENV, drainReserveSeconds } from '../../../lambdas/config/settings.js';
import { checkDrainTimeout, MIN_DRAIN_WORK_SECONDS } from '../../../lib/constructs/mail-functions.js';
import { actionsOf, allowing, buildStack, functionId, resources, statementsOf } from './stack-fixture.js';

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

  it('get every setting loadSettings needs, with routes as JSON built by CloudFormation (queue URLs are tokens)', () => {
    for (const text of [PROBE, DRAIN, ACCEPT]) {
      const env = envOf(text);
      for (const name of [ENV.routes, ENV.tableName, ENV.bucketName, ENV.deadLetterQueueUrl]) {
        expect(env[name], `${text}: ${name}`).toBeDefined();
      }
      expect(env).toMatchObject({
        [ENV.hostname]: 'backup-mx.example.com',
        [ENV.minBackoffSeconds]: '120',
        [ENV.maxBackoffSeconds]: '1800',
        [ENV.queueLifetimeSeconds]: String(9 * 86_400),
        [ENV.probeIntervalSeconds]: '20',
      });
    }
    const routes = JSON.stringify(stack.resolve(envOf(DRAIN)[ENV.routes]));
    expect(routes).toContain('"name\\":\\"corp\\"');
    expect(routes).toContain('dead-letter');
    expect(routes).toMatch(/Ref.*Queuecorp/); // the queue URL
    expect(routes).not.toContain('alice@example.com'); // recipients stay out of the 4 KB environment
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

  it('drain can read and delete mail objects but not write them or touch the bucket policy', () => {
    const statements = statementsOf(template, DRAIN);
    const objects = allowing(statements, 's3:DeleteObject');
    expect(objects).toHaveLength(1);
    expect(JSON.stringify(objects[0]!.Resource)).toContain('/mail/*');
    expect(allowing(statements, 's3:GetObject')).toHaveLength(1);
    for (const forbidden of ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutObject', 's3:PutBucketAcl', 's3:DeleteBucket']) {
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

  it('accept reads object metadata and uses the table, nothing more', () => {
    const statements = statementsOf(template, ACCEPT);
    expect(allowing(statements, 's3:GetObject')).not.toEqual([]);
    expect(allowing(statements, 'dynamodb:PutItem')).not.toEqual([]);
    for (const forbidden of ['s3:DeleteObject', 'sqs:ReceiveMessage', 'sqs:SendMessage', 'secretsmanager:GetSecretValue']) {
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
  ])('%s may list the bucket, only under mail/', (_name, text) => {
    const list = allowing(statementsOf(template, text), 's3:ListBucket');
    expect(list).toHaveLength(1);
    expect(list[0]!.Action).toBe('s3:ListBucket');
    expect(list[0]!.Resource).toEqual({ 'Fn::GetAtt': [bucketId(), 'Arn'] });
    expect(list[0]!.Condition).toEqual({ StringLike: { 's3:prefix': 'mail/*' } });
  });

  it('the probe, which reads no mail, may not list it', () => {
    expect(allowing(statementsOf(template, PROBE), 's3:ListBucket')).toEqual([]);
  });
});
