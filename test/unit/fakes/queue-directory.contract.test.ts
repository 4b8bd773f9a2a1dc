import { describe } from 'vitest';
import { InMemoryQueueDirectory } from '../../../lambdas/adapters/fakes/index.js';
import { queueDirectoryContract } from '../../contracts/queue-directory.contract.js';

describe('InMemoryQueueDirectory', () => {
  queueDirectoryContract(async () => {
    const directory = new InMemoryQueueDirectory();
    return {
      subject: { directory, create: async (name, messages, tags) => directory.add(name, messages, tags), remove: (url) => directory.remove(url) },
      cleanup: async () => {},
    };
  });
});
