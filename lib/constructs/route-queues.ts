// One SNS topic and one SQS queue per route, plus the shared dead-letter
// queue. SES's S3 action notifies the route's topic; the topic delivers the
// notification raw to the queue, which is the truth for what awaits delivery.
import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RouteConfig } from '../config/backup-mx-config.js';
import { STACK_TAG } from '../../lambdas/core/sweep/queue-owner.js';

/** SQS's maximum: the DLQ is only a safety net for poison messages; the drain decides expiry. */
export const MAX_RECEIVE_COUNT = 1000;
export const RETENTION = Duration.days(14);

export interface RouteChannel {
  route: RouteConfig;
  topic: sns.Topic;
  queue: sqs.Queue;
}

export interface RouteQueuesProps {
  routes: RouteConfig[];
  /** Encrypts the topics (`encryptTopics`); SES and CloudWatch are allowed to use it. Absent: SNS's default (no encryption at rest). */
  topicKey?: kms.IKey;
  /** Longer than the drain's timeout, so a message is never handed out twice at once. */
  visibilityTimeout: Duration;
  /** ARN pattern of our receipt rules (aws:SourceArn for SES publishing). */
  sesRuleArnPattern: string | string[];
}

export class RouteQueues extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  readonly channels: RouteChannel[];

  constructor(scope: Construct, id: string, props: RouteQueuesProps) {
    super(scope, id);
    // Queues outlive the stack and a route's rename or removal: they may hold the
    // only notification (the envelope) of mail in the bucket. `backup-mx adopt`
    // moves what they hold into a route's current queue (README: Upgrading).
    // A failed first create removes them with the rest: nothing was queued yet.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetter', {
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      retentionPeriod: RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.channels = props.routes.map((route) => {
      const topic = new sns.Topic(this, `Topic-${route.name}`, {
        displayName: `backup-mx ${route.name}: mail received by SES`,
        ...(props.topicKey ? { masterKey: props.topicKey } : {}),
        enforceSSL: true,
      });
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowSesReceiptRules',
          principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
            ArnLike: { 'aws:SourceArn': props.sesRuleArnPattern },
          },
        }),
      );
      // SQS-managed SSE needs no key grant for SNS to deliver.
      const queue = new sqs.Queue(this, `Queue-${route.name}`, {
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        retentionPeriod: RETENTION,
        visibilityTimeout: props.visibilityTimeout,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
      // A notification SNS gives up on goes to the dead-letter queue (the envelope is kept), and only this
      // subscription has one: the topic's redrive counts then tell "not queued" apart from the accept
      // function's subscription, which SNS counts in the same topic-wide NumberOfNotificationsFailed.
      topic.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true, deadLetterQueue: this.deadLetterQueue }));
      return { route, topic, queue };
    });
    // What marks a queue as this stack's, also once retained: the orphaned-queue
    // watch, its IAM grant and `backup-mx adopt` go by it (core/sweep/queue-owner.ts).
    for (const queue of [this.deadLetterQueue, ...this.channels.map((c) => c.queue)]) Tags.of(queue).add(STACK_TAG, Stack.of(this).stackName);
  }
}
