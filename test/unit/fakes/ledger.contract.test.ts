import { describe } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import { ledgerContract } from '../../contracts/ledger.contract.js';

describe('InMemoryLedger', () => {
  ledgerContract(async () => ({ subject: new InMemoryLedger(), cleanup: async () => {} }));
});
