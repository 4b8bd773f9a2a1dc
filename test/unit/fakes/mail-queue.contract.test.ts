import { describe } from 'vitest';
import { InMemoryMailQueue, ManualClock } from '../../../lambdas/adapters/fakes/index.js';
import { mailQueueContract } from '../../contracts/mail-queue.contract.js';

describe('InMemoryMailQueue', () => {
  mailQueueContract(async () => ({ subject: new InMemoryMailQueue(new ManualClock()), cleanup: async () => {} }));
});
