// What the canary's key store must do (core/canary/canary-ports.ts CanaryKeys),
// run on the fake and on the DynamoDB adapter: nothing before the first
// canary; one key, created once and then the same for every caller, also
// when several senders create it at the same moment.
import { describe, expect, it } from 'vitest';
import type { CanaryKeys } from '../../lambdas/core/canary/canary-ports.js';
import { eachSubject, type MakeSubject } from './contract-subject.js';

export function canaryKeyContract(make: MakeSubject<{ first: CanaryKeys; second: CanaryKeys }>): void {
  describe('canary key contract', () => {
    let s: { first: CanaryKeys; second: CanaryKeys };
    eachSubject(make, (made) => (s = made));

    it('has no key until one is created, then always the same 32 bytes, for every reader', async () => {
      expect(await s.first.get()).toBeUndefined();
      const key = await s.first.getOrCreate();
      expect(key).toHaveLength(32);
      expect(await s.first.getOrCreate()).toEqual(key);
      expect(await s.second.get()).toEqual(key);
    });

    it('two senders creating it at once end up with one key', async () => {
      const [a, b] = await Promise.all([s.first.getOrCreate(), s.second.getOrCreate()]);
      expect(a).toEqual(b);
      expect(await s.first.get()).toEqual(a);
    });
  });
}
