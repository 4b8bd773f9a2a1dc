import { describe } from 'vitest';
import { InMemoryMessageStore } from '../../../lambdas/adapters/fakes/index.js';
import { messageStoreContract } from '../../contracts/message-store.contract.js';

describe('InMemoryMessageStore', () => {
  messageStoreContract(async () => ({ subject: new InMemoryMessageStore(), cleanup: async () => {} }));
});
