import { describe } from 'vitest';
import { InMemoryMessageIndex } from '../../../lambdas/adapters/fakes/index.js';
import { messageIndexContract } from '../../contracts/message-index.contract.js';

describe('InMemoryMessageIndex', () => {
  messageIndexContract(async () => ({ subject: new InMemoryMessageIndex(), cleanup: async () => {} }));
});
