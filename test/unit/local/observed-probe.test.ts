import { describe, expect, it } from 'vitest';
import { ScriptedProbe } from '../../../lambdas/adapters/fakes/index.js';
import { ObservedProbe } from '../../../local/runner/observed-probe.js';
import { route } from '../core/engine-harness.js';

describe('ObservedProbe', () => {
  it('passes skipAuth on to the probe it wraps (the probe waits out an AUTH refusal)', async () => {
    const inner = new ScriptedProbe();
    const observed = new ObservedProbe(inner, [route], () => {});
    const primary = { ...route.primary, authSecretName: 'backup-mx/corp' };
    await observed.check(primary, { skipAuth: true });
    await observed.check(primary);
    expect(inner.authTried).toEqual([false, true]);
  });
});
