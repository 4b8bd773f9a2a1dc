import { describe } from 'vitest';
import { InMemoryQueueDirectory } from '../../../lambdas/adapters/fakes/index.js';
import { queueDirectoryContract } from '../../contracts/queue-directory.contract.js';

describe('InMemoryQueueDirectory', () => {
  queueDirectoryContract(async () => {
    const directory = new InMemoryQueueDirectory();
    return {
      subject: { directory, create: async (name, messages) => directory.add(name, messages), remove: (url) => directory.remove(url) },
      cleanup: async () => {},
    };
  });
});
