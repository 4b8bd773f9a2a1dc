import { describe } from 'vitest';
import { InMemoryCanaryKey } from '../../../lambdas/adapters/fakes/in-memory-canary-key.js';
import type { CanaryKeys } from '../../../lambdas/core/canary/canary-ports.js';
import { canaryKeyContract } from '../../contracts/canary-key.contract.js';

describe('in-memory canary key', () => {
  canaryKeyContract(async () => {
    // Two handles on one store, as two functions share the table.
    const store = new InMemoryCanaryKey();
    const handle = (): CanaryKeys => ({ get: () => store.get(), getOrCreate: () => store.getOrCreate() });
    return { subject: { first: handle(), second: handle() }, cleanup: async () => {} };
  });
});
