import { describe } from 'vitest';
import { InMemoryMailQueue, ManualClock } from '../../../lambdas/adapters/fakes/index.js';
import { mailQueueContract } from '../../contracts/mail-queue.contract.js';

describe('InMemoryMailQueue', () => {
  mailQueueContract(async () => ({ subject: new InMemoryMailQueue(new ManualClock()), cleanup: async () => {} }));
});

describe('InMemoryMailQueue whose short polls all miss (SQS sampling none of the servers that hold the messages)', () => {
  mailQueueContract(async () => {
    const subject = new InMemoryMailQueue(new ManualClock());
    subject.shortPollMissRate = 1;
    return { subject, cleanup: async () => {} };
  });
});
