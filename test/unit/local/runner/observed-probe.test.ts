import { describe, expect, it } from 'vitest';
import { ScriptedProbe } from '../../../../lambdas/adapters/fakes/index.js';
import { describeCheck, ObservedProbe, type PrimaryChange, type ProbeCheck } from '../../../../local/runner/observed-probe.js';
import { route } from '../../../support/world/engine-harness.js';

describe('ObservedProbe', () => {
  it('passes skipAuth on to the probe it wraps (the probe waits out an AUTH refusal)', async () => {
    const inner = new ScriptedProbe();
    const observed = new ObservedProbe([route], () => {}).around(inner);
    const primary = { ...route.primary, authSecretName: 'backup-mx/corp' };
    await observed.check(primary, { skipAuth: true });
    await observed.check(primary);
    expect(inner.authTried).toEqual([false, true]);
  });

  it('after a reload, says a route with a new primary is up or down at its first check, and no more the routes that were removed', async () => {
    const inner = new ScriptedProbe().up('mail.example.com').up('new.example.com');
    const changes: PrimaryChange[] = [];
    const observer = new ObservedProbe([route, { ...route, name: 'gone' }], (change) => changes.push(change));
    const observed = observer.around(inner);
    await observed.check(route.primary);
    expect(changes.map((c) => `${c.route} ${c.status}`)).toEqual(['main up', 'gone up']);

    const moved = { ...route, primary: { ...route.primary, host: 'new.example.com' } };
    observer.useRoutes([moved, { ...route, name: 'kept', primary: { ...route.primary } }]);
    changes.length = 0;
    await observed.check(route.primary); // the old primary: only the route still on it
    await observed.check(moved.primary);
    expect(changes.map((c) => `${c.route} ${c.status} ${c.primary.host}`)).toEqual(['kept up mail.example.com', 'main up new.example.com']);
  });

  it('says a refused password as a refusal, and never "up" for a check made without AUTH while the refusal is waited out', async () => {
    const primary = { ...route.primary, authSecretName: 'backup-mx/corp' };
    const inner = new ScriptedProbe().refuseAuth('mail.example.com');
    const changes: PrimaryChange[] = [];
    const checks: ProbeCheck[] = [];
    const observed = new ObservedProbe([{ ...route, primary }], (change) => changes.push(change), (check) => checks.push(check)).around(inner);
    await observed.check(primary);
    await observed.check(primary, { skipAuth: true });
    expect(changes).toEqual([expect.objectContaining({ route: 'main', status: 'down', authRefused: true })]);
    expect(checks.map(describeCheck)).toEqual([
      expect.stringMatching(/^primary refuses our credentials \(.+\), \d+ ms$/),
      expect.stringMatching(/^reachable \(checked without AUTH while an AUTH refusal is waited out\), \d+ ms$/),
    ]);
  });

  it('two routes on the same server under different settings (another pin, another secret) are told apart', async () => {
    const pinned = { ...route, name: 'pinned', primary: { ...route.primary, tls: 'fingerprint' as const, tlsFingerprints: ['sha256:AA'] } };
    const inner = new ScriptedProbe().up('mail.example.com').then('mail.example.com', { ok: false, latencyMs: 2, error: 'TLS: matches none of primary.tlsFingerprints' });
    const changes: PrimaryChange[] = [];
    const observed = new ObservedProbe([route, pinned], (change) => changes.push(change)).around(inner);
    await observed.check(pinned.primary);
    await observed.check(route.primary);
    expect(changes.map((c) => `${c.route} ${c.status}`)).toEqual(['pinned down', 'main up']);
  });

  it('reports every check to onCheck, changes or not (verbose mode): result and latency', async () => {
    const inner = new ScriptedProbe().up('mail.example.com', 7);
    const checks: string[] = [];
    const observed = new ObservedProbe([route], () => {}, (check) => checks.push(`${check.route}: ${describeCheck(check)}`)).around(inner);
    await observed.check(route.primary);
    await observed.check(route.primary);
    inner.down('mail.example.com', 'connect: ECONNREFUSED');
    await observed.check(route.primary);
    expect(checks).toEqual(['main: up, 7 ms', 'main: up, 7 ms', 'main: down (connect: ECONNREFUSED), 3 ms']);
  });
});
