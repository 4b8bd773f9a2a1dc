import { describe } from 'vitest';
import { InMemoryForwardRecords } from '../../../lambdas/adapters/fakes/index.js';
import { forwardRecordsContract } from '../../contracts/forward-records.contract.js';

describe('InMemoryForwardRecords', () => {
  forwardRecordsContract(async () => ({ subject: new InMemoryForwardRecords(), cleanup: async () => {} }));
});
