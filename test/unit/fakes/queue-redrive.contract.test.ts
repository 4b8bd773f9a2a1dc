import { describe } from 'vitest';
import { InMemoryMailQueue, ManualClock } from '../../../lambdas/adapters/fakes/index.js';
import { queueRedriveContract } from '../../contracts/queue-redrive.contract.js';

describe('InMemoryMailQueue with a DLQ', () => {
  queueRedriveContract(async () => {
    const clock = new ManualClock();
    const dlq = new InMemoryMailQueue(clock);
    const queue = new InMemoryMailQueue(clock);
    queue.maxReceiveCount = 3;
    queue.deadLetterQueue = dlq;
    return { subject: { queue, dlq, maxReceiveCount: 3 }, cleanup: async () => {} };
  });
});
