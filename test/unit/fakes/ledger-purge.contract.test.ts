import { describe } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import { ledgerPurgeContract } from '../../contracts/ledger-purge.contract.js';

describe('InMemoryLedger.purge', () => {
  ledgerPurgeContract(async () => {
    const ledger = new InMemoryLedger();
    return { subject: { ledger, purge: ledger }, cleanup: async () => {} };
  });
});
