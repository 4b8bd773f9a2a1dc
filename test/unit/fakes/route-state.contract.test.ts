import { describe } from 'vitest';
import { InMemoryRouteState } from '../../../lambdas/adapters/fakes/index.js';
import { routeStateContract } from '../../contracts/route-state.contract.js';

describe('InMemoryRouteState', () => {
  routeStateContract(async () => ({ subject: new InMemoryRouteState(), cleanup: async () => {} }), {
    failing: () => {
      const failing = new InMemoryRouteState();
      failing.failNext = { controls: new Error('ProvisionedThroughputExceededException') };
      return failing;
    },
  });
});
