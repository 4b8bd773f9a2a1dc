// What each engine function may do: invoke, read and write mail, queues, table, secrets (its settings: functions.test.ts).
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lambdas/config/settings.js';
import { FUNCTIONS_CONTEXT as CONTEXT, ACCEPT, DRAIN, PROBE } from '../../support/cdk/functions-context.js';
import { actionsOf, allowing, buildStack, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';

describe('functions', () => {
  const { template, stack } = buildStack(CONTEXT);
  const envOf = (text: string) =>
    resources(template, 'AWS::Lambda::Function')[functionId(template, text)]!.Properties!.Environment.Variables as Record<
      string,
      unknown
    >;

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
