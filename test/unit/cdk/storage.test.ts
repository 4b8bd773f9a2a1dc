import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

const FOURTEEN_DAYS = 14 * 86_400;
const denyInsecure = Match.objectLike({
  Effect: 'Deny',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

describe('mail bucket', () => {
  const { template } = buildStack({ ...BASE_CONTEXT, queueLifetimeDays: 12 });

  it('is encrypted, private, kept on stack deletion and expires mail well past the queue lifetime', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({ Prefix: 'mail/', ExpirationInDays: 12 + 30, Status: 'Enabled' }),
            // The canary is dropped unread: its copy goes after a day.
            Match.objectLike({ Prefix: 'mail/_canary/', ExpirationInDays: 1, Status: 'Enabled' }),
          ],
        },
      }),
    });
  });

  it('denies requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('topics and queues', () => {
  const { template } = buildStack();

  it('route topic delivers raw to the route queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      TopicArn: { Ref: Match.stringLikeRegexp('Topiccorp') },
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('Queuecorp'), 'Arn'] },
    });
  });

  it('route queue keeps 14 days, is encrypted, redrives to the DLQ after 1000 receives, and hides messages longer than a drain runs', () => {
    const queues = resources(template, 'AWS::SQS::Queue');
    const dlqId = Object.keys(queues).find((id) => id.includes('DeadLetter'))!;
    const drain = Object.values(resources(template, 'AWS::Lambda::Function')).find((f) =>
      String(f.Properties!.Description).includes('delivers one route queue'),
    )!;
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: FOURTEEN_DAYS,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 1000 },
      VisibilityTimeout: Match.anyValue(),
    });
    const routeQueue = Object.entries(queues).find(([id]) => id.includes('Queuecorp'))![1];
    expect(routeQueue.Properties!.VisibilityTimeout).toBeGreaterThan(drain.Properties!.Timeout);
    expect(queues[dlqId]!.Properties).toMatchObject({ MessageRetentionPeriod: FOURTEEN_DAYS, SqsManagedSseEnabled: true });
  });

  it('every queue and topic denies requests without TLS', () => {
    const queueIds = Object.keys(resources(template, 'AWS::SQS::Queue'));
    for (const id of queueIds) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) },
      });
    }
    const topicIds = Object.keys(resources(template, 'AWS::SNS::Topic'));
    expect(topicIds.length).toBeGreaterThanOrEqual(2); // route topic + alarm topic
    for (const id of topicIds) {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([denyInsecure]) },
      });
    }
  });

  it('topics are not encrypted at rest by default: no key, and nothing names one', () => {
    expect(Object.keys(resources(template, 'AWS::KMS::Key'))).toEqual([]);
    for (const topic of Object.values(resources(template, 'AWS::SNS::Topic'))) expect(topic.Properties!.KmsMasterKeyId).toBeUndefined();
  });

  it('with encryptTopics, every topic is encrypted with the rotating customer key SES and CloudWatch may use', () => {
    const { template: encrypted } = buildStack({ ...BASE_CONTEXT, encryptTopics: true });
    const keys = resources(encrypted, 'AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    const [keyId, key] = Object.entries(keys)[0]!;
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    const topics = Object.values(resources(encrypted, 'AWS::SNS::Topic'));
    expect(topics.length).toBeGreaterThanOrEqual(2); // route topic + alarm topic
    for (const topic of topics) expect(topic.Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const principals = (key.Properties!.KeyPolicy.Statement as { Principal?: { Service?: string } }[]).map((s) => s.Principal?.Service).filter(Boolean);
    expect(principals).toEqual(expect.arrayContaining(['ses.amazonaws.com', 'cloudwatch.amazonaws.com']));
  });
});

describe('state table', () => {
  it('is on-demand with TTL, point-in-time recovery, the shared keys and the byRoute index', () => {
    const { template } = buildStack();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'RetainExceptOnCreate',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'byRoute',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
        ],
      }),
    });
  });
});
