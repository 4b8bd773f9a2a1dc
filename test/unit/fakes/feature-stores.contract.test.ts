import { describe } from 'vitest';
import { InMemoryDelayNotices, InMemoryEnvelopeArchive, InMemoryTriggerGate } from '../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { featureStoresContract } from '../../contracts/feature-stores.contract.js';

describe('in-memory feature stores', () => {
  featureStoresContract(async () => ({
    subject: { gate: new InMemoryTriggerGate(), archive: new InMemoryEnvelopeArchive(), notices: new InMemoryDelayNotices() },
    cleanup: async () => {},
  }));
});
