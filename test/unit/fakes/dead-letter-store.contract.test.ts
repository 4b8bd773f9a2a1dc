import { describe } from 'vitest';
import { InMemoryDeadLetterStore } from '../../../lambdas/adapters/fakes/index.js';
import { deadLetterStoreContract } from '../../contracts/dead-letter-store.contract.js';

describe('InMemoryDeadLetterStore', () => {
  deadLetterStoreContract(async () => ({ subject: new InMemoryDeadLetterStore(), cleanup: async () => {} }));
});
