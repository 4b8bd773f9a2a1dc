import { describe } from 'vitest';
import { InMemoryHeldNotices, InMemoryNoticeBudget } from '../../../lambdas/adapters/fakes/in-memory-notice-stores.js';
import { noticeStoresContract } from '../../contracts/notice-stores.contract.js';

describe('in-memory notice stores', () => {
  noticeStoresContract(async () => ({ subject: { budget: new InMemoryNoticeBudget(), held: new InMemoryHeldNotices() }, cleanup: async () => {} }));
});
