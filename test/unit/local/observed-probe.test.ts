import { describe, expect, it } from 'vitest';
import { ScriptedProbe } from '../../../lambdas/adapters/fakes/index.js';
import { ObservedProbe, type PrimaryChange } from '../../../local/runner/observed-probe.js';
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

  it('after a reload, says a route with a new primary is up or down at its first check, and no more the routes that were removed', async () => {
    const inner = new ScriptedProbe().up('mail.example.com').up('new.example.com');
    const changes: PrimaryChange[] = [];
    const observed = new ObservedProbe(inner, [route, { ...route, name: 'gone' }], (change) => changes.push(change));
    await observed.check(route.primary);
    expect(changes.map((c) => `${c.route} ${c.status}`)).toEqual(['main up', 'gone up']);

    const moved = { ...route, primary: { ...route.primary, host: 'new.example.com' } };
    observed.useRoutes([moved, { ...route, name: 'kept', primary: { ...route.primary } }]);
    changes.length = 0;
    await observed.check(route.primary); // the old primary: only the route still on it
    await observed.check(moved.primary);
    expect(changes.map((c) => `${c.route} ${c.status} ${c.primary.host}`)).toEqual(['kept up mail.example.com', 'main up new.example.com']);
  });
});
