// What every RouteState must do. The lease is the important part: two drains
// never hold one route's lease at once, an expired lease can be taken over,
// and only its owner can give it back. The controls are one read that fails
// whole; the health history never returns a transition past its keep time.
import { beforeEach, describe, expect, it } from 'vitest';
import { eachSubject, type MakeSubject } from './contract-subject.js';
import type { PrimaryHealth } from '../../lambdas/core/model.js';
import type { RouteState } from '../../lambdas/core/probe/ports.js';
import { KEEP_HEALTH_HISTORY_SECONDS } from '../../lambdas/core/probe/health-history.js';
import { uniqueId } from './contract-ids.js';

const at = (iso: string) => new Date(iso);
const T0 = '2026-01-05T10:00:00.000Z';
const T1 = '2026-01-05T10:01:00.000Z';
const T2 = '2026-01-05T10:02:00.000Z';
const T3 = '2026-01-05T10:03:00.000Z';

export interface RouteStateContractOptions {
  /** A subject whose reads fail (a store that cannot be reached, a throttled read). */
  failing: () => RouteState;
}

export function routeStateContract(make: MakeSubject<RouteState>, options: RouteStateContractOptions): void {
  describe('RouteState contract', () => {
    let subject: RouteState;
    let route: string;
    eachSubject(make, (made) => (subject = made));
    beforeEach(() => {
      route = uniqueId('route');
    });

    it('stores and returns primary health, per route', async () => {
      expect(await subject.health(route)).toBeUndefined();
      const down: PrimaryHealth = {
        route,
        status: 'down',
        since: at(T0),
        lastCheckAt: at(T1),
        latencyMs: 10_000,
        consecutiveFailures: 3,
        lastError: 'connect: ECONNREFUSED',
      };
      await subject.saveHealth(down);
      expect(await subject.health(route)).toEqual(down);
      const up: PrimaryHealth = { route, status: 'up', since: at(T2), lastCheckAt: at(T2), consecutiveFailures: 0 };
      await subject.saveHealth(up);
      expect(await subject.health(route)).toEqual(up);
      expect(await subject.health(uniqueId('other'))).toBeUndefined();
    });

    it('keeps the AUTH backoff of a refused route, and drops it with the next health that has none', async () => {
      const refused: PrimaryHealth = {
        route,
        status: 'down',
        since: at(T0),
        lastCheckAt: at(T1),
        consecutiveFailures: 2,
        lastError: `primary refuses our credentials: AUTH: 535 5.7.8 invalid; next AUTH try at ${T3}`,
        authRefusals: 2,
        authRetryAt: at(T3),
        refusedCredentials: '0123456789abcdef',
      };
      await subject.saveHealth(refused);
      expect(await subject.health(route)).toEqual(refused);
      const up: PrimaryHealth = { route, status: 'up', since: at(T2), lastCheckAt: at(T2), consecutiveFailures: 0 };
      await subject.saveHealth(up);
      expect(await subject.health(route)).toEqual(up);
    });

    it('grants a free lease and refuses another owner until it expires', async () => {
      expect(await subject.acquireLease(route, 'drain-a', at(T0), at(T2))).toBe(true);
      expect(await subject.acquireLease(route, 'drain-b', at(T1), at(T3))).toBe(false);
    });

    it('lets the owner renew its lease', async () => {
      expect(await subject.acquireLease(route, 'drain-a', at(T0), at(T1))).toBe(true);
      expect(await subject.acquireLease(route, 'drain-a', at(T0), at(T2))).toBe(true);
      // The renewal moved the end: at T1 the lease is still held.
      expect(await subject.acquireLease(route, 'drain-b', at(T1), at(T3))).toBe(false);
    });

    it('lets another owner take an expired lease', async () => {
      expect(await subject.acquireLease(route, 'drain-a', at(T0), at(T1))).toBe(true);
      expect(await subject.acquireLease(route, 'drain-b', at(T2), at(T3))).toBe(true);
      // and the old owner cannot come back while the new lease runs
      expect(await subject.acquireLease(route, 'drain-a', at(T2), at(T3))).toBe(false);
    });

    it('gives a race between two owners exactly one winner', async () => {
      for (let round = 0; round < 5; round++) {
        const raced = uniqueId('race');
        const results = await Promise.all([
          subject.acquireLease(raced, 'drain-a', at(T0), at(T2)),
          subject.acquireLease(raced, 'drain-b', at(T0), at(T2)),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    });

    it('ignores a release by a non-owner, and frees the lease on the owner’s release', async () => {
      expect(await subject.acquireLease(route, 'drain-a', at(T0), at(T3))).toBe(true);
      await subject.releaseLease(route, 'drain-b');
      expect(await subject.acquireLease(route, 'drain-b', at(T1), at(T3))).toBe(false);
      await subject.releaseLease(route, 'drain-a');
      expect(await subject.acquireLease(route, 'drain-b', at(T1), at(T3))).toBe(true);
      // releasing a lease nobody holds is harmless
      await subject.releaseLease(uniqueId('free'), 'drain-a');
    });

    it('keeps leases per route', async () => {
      expect(await subject.acquireLease(route, 'drain-a', at(T0), at(T3))).toBe(true);
      expect(await subject.acquireLease(uniqueId('route'), 'drain-b', at(T0), at(T3))).toBe(true);
    });

    it('sets, reads and clears an operator hold', async () => {
      expect(await subject.hold(route)).toBeUndefined();
      await subject.setHold(route, { since: at(T0), reason: 'primary migration' });
      expect(await subject.hold(route)).toEqual({ since: at(T0), reason: 'primary migration' });
      await subject.setHold(route, { since: at(T1) });
      expect(await subject.hold(route)).toEqual({ since: at(T1) });
      await subject.setHold(route, undefined);
      expect(await subject.hold(route)).toBeUndefined();
    });

    it('stores maintenance windows at a version, and refuses a write at a stale one', async () => {
      expect(await subject.windows(route)).toEqual({ windows: [], version: 0 });
      const planned = { id: 'w000001', from: at(T1), until: at(T3), reason: 'kernel update' };
      expect(await subject.saveWindows(route, { windows: [planned] }, 0)).toBe(true);
      expect(await subject.windows(route)).toEqual({ windows: [planned], version: 1 });
      // A second writer that read version 0 lost the race: it must read again.
      expect(await subject.saveWindows(route, { windows: [] }, 0)).toBe(false);
      const second = { id: 'w000002', from: at(T2), until: at(T3) };
      expect(await subject.saveWindows(route, { windows: [second], lastEnded: at(T2) }, 1)).toBe(true);
      expect(await subject.windows(route)).toEqual({ windows: [second], lastEnded: at(T2), version: 2 });
      expect(await subject.saveWindows(route, { windows: [] }, 2)).toBe(true);
      expect(await subject.windows(route)).toEqual({ windows: [], version: 3 });
      expect(await subject.windows(uniqueId('other'))).toEqual({ windows: [], version: 0 });
    });

    it('sets, reads and clears a redirect, per route, every field kept', async () => {
      expect(await subject.redirect(route)).toBeUndefined();
      const full = { host: 'mx-new.example.net', port: 2525, tls: 'fingerprint' as const, tlsFingerprints: ['sha256:AB:CD'], auth: true, since: at(T0), replaces: 'mail.example.com:25', reason: 'cut-over' };
      await subject.setRedirect(route, full);
      expect(await subject.redirect(route)).toEqual(full);
      const plain = { host: '192.0.2.7', port: 25, tls: 'verify' as const, auth: false, since: at(T1), replaces: 'mail.example.com:25' };
      await subject.setRedirect(route, plain);
      expect(await subject.redirect(route)).toEqual(plain);
      expect(await subject.redirect(uniqueId('other'))).toBeUndefined();
      // The hold and the windows are other items of the same partition: untouched.
      expect(await subject.hold(route)).toBeUndefined();
      await subject.setRedirect(route, undefined);
      expect(await subject.redirect(route)).toBeUndefined();
      await subject.setRedirect(route, undefined); // clearing twice is harmless
    });

    it('gives two writers of the same version exactly one winner', async () => {
      for (let round = 0; round < 5; round++) {
        const raced = uniqueId('windows');
        const a = { id: 'wa', from: at(T0), until: at(T1) };
        const b = { id: 'wb', from: at(T0), until: at(T2) };
        const results = await Promise.all([subject.saveWindows(raced, { windows: [a] }, 0), subject.saveWindows(raced, { windows: [b] }, 0)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await subject.windows(raced)).windows).toHaveLength(1);
      }
    });

    it('claims a sweep at most once per interval', async () => {
      expect(await subject.lastSweep(route)).toBeUndefined();
      expect(await subject.claimSweep(route, at(T0), 120)).toBe(true);
      expect(await subject.claimSweep(route, at(T1), 120)).toBe(false);
      expect(await subject.lastSweep(route)).toEqual(at(T0));
      expect(await subject.claimSweep(route, at(T2), 120)).toBe(true);
      expect(await subject.lastSweep(route)).toEqual(at(T2));
      const raced = uniqueId('sweep');
      const results = await Promise.all([subject.claimSweep(raced, at(T0), 60), subject.claimSweep(raced, at(T0), 60)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lets one claim through early after continueSweep (a sweep that ran out of time), then the interval again', async () => {
      const chained = uniqueId('chain');
      await subject.continueSweep(chained); // never claimed: harmless
      expect(await subject.claimSweep(chained, at(T0), 3600)).toBe(true);
      expect(await subject.claimSweep(chained, at(T1), 3600)).toBe(false);
      await subject.continueSweep(chained);
      const both = await Promise.all([subject.claimSweep(chained, at(T1), 3600), subject.claimSweep(chained, at(T1), 3600)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await subject.claimSweep(chained, at(T2), 3600)).toBe(false);
    });
    it('reads the hold, the windows with their version and the redirect as one', async () => {
      expect(await subject.controls(route)).toEqual({ windows: { windows: [], version: 0 } });
      const hold = { since: at(T0), reason: 'migration' };
      const planned = { id: 'w000001', from: at(T1), until: at(T3) };
      const redirect = { host: 'mx-new.example.net', port: 2525, tls: 'verify' as const, auth: false, since: at(T0), replaces: 'mail.example.com:25' };
      await subject.setHold(route, hold);
      expect(await subject.saveWindows(route, { windows: [planned], lastEnded: at(T0) }, 0)).toBe(true);
      await subject.setRedirect(route, redirect);
      const health: PrimaryHealth = { route, status: 'up', since: at(T0), lastCheckAt: at(T1), consecutiveFailures: 0 };
      await subject.saveHealth(health);
      expect(await subject.controls(route)).toEqual({ hold, windows: { windows: [planned], lastEnded: at(T0), version: 1 }, redirect });
      expect(await subject.controls(route, { withHealth: true })).toEqual({ hold, windows: { windows: [planned], lastEnded: at(T0), version: 1 }, redirect, health });
      // A lifted hold and a cleared redirect are gone from the next read (strongly consistent).
      await subject.setHold(route, undefined);
      await subject.setRedirect(route, undefined);
      expect(await subject.controls(route)).toEqual({ windows: { windows: [planned], lastEnded: at(T0), version: 1 } });
      expect(await subject.controls(uniqueId('other'), { withHealth: true })).toEqual({ windows: { windows: [], version: 0 } });
    });

    it('fails a controls read whole when the store cannot be read (the drain counts that as maybe held)', async () => {
      await expect(options.failing().controls(route)).rejects.toThrow();
      await expect(options.failing().controls(route, { withHealth: true })).rejects.toThrow();
    });

    it('returns the transitions since a time, ascending, preceded by the last one before it', async () => {
      const now = at('2026-01-10T12:00:00.000Z');
      const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
      await subject.recordTransition(route, { at: hoursAgo(30), up: false, error: 'connect: ECONNREFUSED' });
      await subject.recordTransition(route, { at: hoursAgo(28), up: true });
      await subject.recordTransition(route, { at: hoursAgo(5), up: false, error: 'EHLO: 421 busy' });
      await subject.recordTransition(route, { at: hoursAgo(4), up: true });
      await subject.recordTransition(uniqueId('other'), { at: hoursAgo(3), up: false });
      expect(await subject.healthTransitions(route, hoursAgo(24), now)).toEqual([
        { at: hoursAgo(28), up: true },
        { at: hoursAgo(5), up: false, error: 'EHLO: 421 busy' },
        { at: hoursAgo(4), up: true },
      ]);
      // A transition exactly at `since` is inside the range, not the state before it.
      expect(await subject.healthTransitions(route, hoursAgo(5), now)).toEqual([
        { at: hoursAgo(28), up: true },
        { at: hoursAgo(5), up: false, error: 'EHLO: 421 busy' },
        { at: hoursAgo(4), up: true },
      ]);
      expect(await subject.healthTransitions(route, hoursAgo(1), now)).toEqual([{ at: hoursAgo(4), up: true }]);
      expect(await subject.healthTransitions(uniqueId('none'), hoursAgo(24), now)).toEqual([]);
    });

    it('leaves out transitions past their keep time that the store still holds (TTL deletes up to two days late)', async () => {
      const now = at('2026-01-20T12:00:00.000Z');
      const keep = KEEP_HEALTH_HISTORY_SECONDS * 1000;
      const expired = new Date(now.getTime() - keep - 60_000);
      const kept = new Date(now.getTime() - keep + 60_000);
      await subject.recordTransition(route, { at: expired, up: false, error: 'old' });
      // Asked from before the keep time: the expired one is neither in the range nor the state before it.
      expect(await subject.healthTransitions(route, new Date(now.getTime() - 30 * 86_400_000), now)).toEqual([]);
      expect(await subject.healthTransitions(route, kept, now)).toEqual([]);
      await subject.recordTransition(route, { at: kept, up: true });
      expect(await subject.healthTransitions(route, new Date(now.getTime() - 30 * 86_400_000), now)).toEqual([{ at: kept, up: true }]);
      // The same store read earlier, when the old one was still kept, returns it.
      expect(await subject.healthTransitions(route, new Date(now.getTime() - 30 * 86_400_000), new Date(now.getTime() - 120_000))).toEqual([
        { at: expired, up: false, error: 'old' },
        { at: kept, up: true },
      ]);
    });
  });
}
