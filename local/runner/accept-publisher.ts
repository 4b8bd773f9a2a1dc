// What SNS → the accept Lambda does in AWS, in the runner: publish the
// notification to the route's topic (its queue subscribes), then index it for
// mailq and tell the console; the canary is measured, not queued.
import type { SNSClient } from '@aws-sdk/client-sns';
import { parseSesNotification } from '../../lambdas/adapters/ses/ses-notification.js';
import type { Engine } from '../../lambdas/app/engine.js';
import type { NotificationPublisher } from '../ses-standin/ports.js';
import { snsPublisher } from '../ses-standin/sns-publisher.js';
import type { LineOutput } from './line-output.js';
import type { RunnerEventBus } from './runner-events.js';

export interface AcceptPublisherDeps {
  sns: SNSClient;
  engine: Engine;
  events: RunnerEventBus;
  out: LineOutput;
  /** The route whose topic this is, looked up per message: a reload may have added the route. */
  routeOfTopic: (topicArn: string) => string | undefined;
}

/** Publishes a notification, then indexes it for mailq: what the accept Lambda does on SNS in AWS. */
export function acceptingPublisher(deps: AcceptPublisherDeps, source: 'smtp' | 'spool'): NotificationPublisher {
  const publish = snsPublisher(deps.sns);
  const { engine, events, out } = deps;
  return async (topicArn, message) => {
    await publish(topicArn, message);
    try {
      const accepted = await engine.accept(message);
      // The canary is no mail: measured, not queued.
      if (accepted.outcome === 'canary') return events.emit('canary', { messageId: accepted.messageId, roundTripSeconds: accepted.roundTripSeconds, at: new Date() });
    } catch (error) {
      // The queue holds the message whatever happens here; only mailq misses it.
      out.warn(`could not index a message for mailq: ${(error as Error).message}`);
    }
    try {
      const { messageId, sender, recipients } = parseSesNotification(message);
      events.emit('queued', { messageId, route: deps.routeOfTopic(topicArn) ?? '', sender, recipients, at: new Date(), source });
    } catch {
      // The stand-in built this notification; accept above already reported a malformed one.
    }
  };
}
