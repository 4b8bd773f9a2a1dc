import { describe } from 'vitest';
import { InMemoryDeadLetterQueue } from '../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { deadLetterQueueContract } from '../../contracts/dead-letter-queue.contract.js';

describe('InMemoryDeadLetterQueue', () => {
  deadLetterQueueContract(async () => {
    const dlq = new InMemoryDeadLetterQueue();
    return {
      subject: {
        dlq,
        // What the SQS adapter reads off a copy: the drain's attributes, or the body of a redriven one.
        putCopy: async (r) => dlq.add({ messageId: r.messageId, route: r.route, copy: r.copy, at: r.at }),
        putRedriven: async (notification) => {
          const parsed = parseSesNotification(notification);
          dlq.add({ messageId: parsed.messageId, objectKey: parsed.objectKey });
        },
      },
      cleanup: async () => {},
    };
  });
});
