import { describe, expect, it } from 'vitest';
import { InMemoryCanaryArrivals, InMemoryDeliveryRecords, InMemoryOrphanWatchRecords, InMemoryProblemStates, InMemoryQueueDepth } from '../../../lambdas/adapters/fakes/index.js';
import { problemRecordsContract } from '../../contracts/problem-records.contract.js';

describe('in-memory problem records', () => {
  problemRecordsContract(async () => {
    const depth = new InMemoryQueueDepth();
    return {
      subject: {
        states: new InMemoryProblemStates(),
        deliveries: new InMemoryDeliveryRecords(),
        orphanWatch: new InMemoryOrphanWatchRecords(),
        canaryArrivals: new InMemoryCanaryArrivals(),
        // The fake keeps one number: receiving moves a message in flight, which still counts.
        queue: { depth, send: async (n) => void (depth.messages += n), receive: async () => {} },
        route: 'main',
      },
      cleanup: async () => {},
    };
  });

  it('fails the next call when told to, then works again', async () => {
    const states = new InMemoryProblemStates();
    states.failNext.get = new Error('throttled');
    await expect(states.get('main')).rejects.toThrow('throttled');
    expect(await states.get('main')).toBeUndefined();
  });
});
