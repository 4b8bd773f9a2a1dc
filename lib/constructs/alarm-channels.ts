// Who hears the alarm topic: the alarmEmail subscription, HTTPS webhooks and
// SMS numbers (SNS subscriptions), and the user's own topics, which every
// alarm publishes to as further actions (CloudWatch, not our topic, publishes
// there: the user's topic keeps working if ours is misconfigured, and no
// forwarding function is needed). Synth warns when no channel reaches anyone,
// or when alarmEmail is in a protected domain and the override allows it.
import { createHash } from 'node:crypto';
import { Annotations, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmChannelCount, protectedDomainOf, protectedEmailWarning } from '../config/alarm-channels.js';
import type { BackupMxConfig } from '../config/backup-mx-config.js';

/** SNS refuses an HTTP/S delivery policy whose retries could take longer than this (a hard limit). */
export const SNS_HTTP_RETRY_LIMIT_SECONDS = 3_600;

/**
 * How SNS retries a webhook that answers 5xx or not at all. CloudWatch
 * notifies once per state change, so a notification SNS gives up on is lost:
 * its default (3 retries, 20 s apart) gives up within a minute, this keeps
 * trying for most of the hour SNS allows (2 retries 20 s apart, 8 growing to
 * 5 minutes apart, then 3 at 5 minutes).
 */
export const WEBHOOK_RETRY = {
  minDelaySeconds: 20,
  maxDelaySeconds: 300,
  minDelayRetries: 2,
  backoffRetries: 8,
  maxDelayRetries: 3,
} as const;

/** The longest the retries of a policy may take: every backoff delay counted at its maximum. */
export function retrySecondsAtMost(policy: { minDelayTarget: number; maxDelayTarget: number; numRetries: number; numNoDelayRetries?: number; numMinDelayRetries?: number; numMaxDelayRetries?: number }): number {
  const { numNoDelayRetries = 0, numMinDelayRetries = 0, numMaxDelayRetries = 0 } = policy;
  const backoff = policy.numRetries - numNoDelayRetries - numMinDelayRetries - numMaxDelayRetries;
  return numMinDelayRetries * policy.minDelayTarget + (backoff + numMaxDelayRetries) * policy.maxDelayTarget;
}

const webhookDeliveryPolicy: sns.DeliveryPolicy = {
  healthyRetryPolicy: {
    minDelayTarget: Duration.seconds(WEBHOOK_RETRY.minDelaySeconds),
    maxDelayTarget: Duration.seconds(WEBHOOK_RETRY.maxDelaySeconds),
    numRetries: WEBHOOK_RETRY.minDelayRetries + WEBHOOK_RETRY.backoffRetries + WEBHOOK_RETRY.maxDelayRetries,
    numNoDelayRetries: 0,
    numMinDelayRetries: WEBHOOK_RETRY.minDelayRetries,
    numMaxDelayRetries: WEBHOOK_RETRY.maxDelayRetries,
    backoffFunction: sns.BackoffFunction.EXPONENTIAL,
  },
};

/**
 * Construct ids from a digest of the endpoint: a webhook URL often carries its
 * key (PagerDuty's integration key, an ntfy topic), and ids end up in logical
 * ids that `cdk deploy` prints and CloudFormation's events show. The digest
 * also keeps an id when entries are reordered (no new confirmation).
 */
const idOf = (prefix: string, endpoint: string) => `${prefix}${createHash('sha256').update(endpoint).digest('hex').slice(0, 12)}`;

export interface AlarmChannelsProps {
  config: BackupMxConfig;
  topic: sns.Topic;
}

export class AlarmChannels extends Construct {
  /** Further actions every alarm takes on ALARM and on OK: the user's own topics. */
  readonly alarmActions: cloudwatch.IAlarmAction[];
  readonly topicArns: string[];

  constructor(scope: Construct, id: string, props: AlarmChannelsProps) {
    super(scope, id);
    const { config, topic } = props;
    const { webhookUrls = [], smsNumbers = [], topicArns = [] } = config.alarms;
    if (config.alarmEmail) {
      // Added on the topic as before the other channels existed: the same logical id, so an
      // upgrade does not replace the subscription and ask for a new confirmation.
      topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
      const found = protectedDomainOf(config.alarmEmail, config.routes);
      // Without allowProtectedEmail synth has already stopped (deploy-checks).
      if (found) Annotations.of(this).addWarningV2('backup-mx:protected-alarm-email', protectedEmailWarning(found));
    }
    for (const url of webhookUrls) {
      new sns.Subscription(this, idOf('Webhook', url), { topic, protocol: sns.SubscriptionProtocol.HTTPS, endpoint: url, deliveryPolicy: webhookDeliveryPolicy });
    }
    for (const phone of smsNumbers) {
      new sns.Subscription(this, idOf('Sms', phone), { topic, protocol: sns.SubscriptionProtocol.SMS, endpoint: phone });
    }
    this.topicArns = topicArns;
    this.alarmActions = topicArns.map((arn) => new actions.SnsAction(sns.Topic.fromTopicArn(this, idOf('Topic', arn), arn)));
    if (alarmChannelCount(config) === 0) {
      Annotations.of(this).addWarningV2(
        'backup-mx:no-alarm-channel',
        'no alarm channel is configured: alarms change state on the dashboard and reach nobody. Set alarmEmail (outside the routes\' domains), ' +
          'alarms.webhookUrls, alarms.smsNumbers or alarms.topicArns, or subscribe to the AlarmTopicArn output yourself (README: Alarms)',
      );
    }
  }
}
