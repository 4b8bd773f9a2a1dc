// The NotificationPublisher over a real SNS client: one Publish per
// notification, with the subject SES uses for receipt notifications.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { NotificationPublisher } from './ports.js';

export const SES_NOTIFICATION_SUBJECT = 'Amazon SES Email Receipt Notification';

export function snsPublisher(sns: SNSClient): NotificationPublisher {
  return async (topicArn, message) => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: message, Subject: SES_NOTIFICATION_SUBJECT }));
  };
}
