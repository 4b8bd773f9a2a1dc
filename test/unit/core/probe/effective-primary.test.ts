// The redirect on the fake world: the probe checks and the drain delivers to
// the target (its attempt lines name it), with the route's AUTH secret only when
// the redirect says so; a deploy that changed the configured primary makes the
// redirect stale: ignored by both, and the probe says so; the loop guard still
// checks the target every round; a redirect that cannot be read delivers nothing.
import { describe, expect, it } from 'vitest';
import type { PrimaryRedirect } from '../../../../lambdas/core/probe/effective-primary.js';
import { effectiveRoute, primaryAddress } from '../../../../lambdas/core/probe/effective-primary.js';
import { ProbePrimaries } from '../../../../lambdas/core/probe/probe-primaries.js';
import { harness } from '../../../support/world/engine-harness.js';

const at = (iso: string) => new Date(iso);
const toNew = (over: Partial<PrimaryRedirect> = {}): PrimaryRedirect => ({ host: 'mx-new.example.net', port: 2526, tls: 'verify', auth: false, since: at('2026-01-05T09:50:00Z'), replaces: 'mail.example.com:2525', ...over });

describe('effectiveRoute', () => {
  const route = harness(undefined, { primary: { host: 'Mail.Example.com.', port: 2525, tls: 'verify', authSecretName: 'backup-mx/main', maxSessions: 3 } }).route;

  it('is the configured route without a redirect', () => {
    expect(effectiveRoute(route, undefined)).toEqual({ route });
  });

  it('puts the target in the primary\'s place, keeping the route\'s limits, without the secret unless auth', () => {
    expect(primaryAddress(route.primary)).toBe('mail.example.com:2525');
    expect(effectiveRoute(route, toNew()).route.primary).toEqual({ host: 'mx-new.example.net', port: 2526, tls: 'verify', maxSessions: 3 });
    expect(effectiveRoute(route, toNew({ auth: true })).route.primary).toEqual({ host: 'mx-new.example.net', port: 2526, tls: 'verify', maxSessions: 3, authSecretName: 'backup-mx/main' });
  });

  it('ignores a redirect whose replaced primary is no longer the configured one (a deploy changed it)', () => {
    const stale = toNew({ replaces: 'mail.example.com:25' });
    expect(effectiveRoute(route, stale)).toEqual({ route, ignored: stale });
  });
});

describe('the drain and the probe under a redirect', () => {
  it('the drain delivers to the target and its attempt lines name it', async () => {
    const h = harness();
    const { messageId } = await h.arrive();
    await h.routeState.setRedirect('main', toNew());
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'queue-empty', delivered: 1 });
    expect(h.transports.opened).toEqual([{ host: 'mx-new.example.net', port: 2526, tls: 'verify' }]);
    expect(h.log.attempts).toEqual([expect.objectContaining({ messageId, relay: 'mx-new.example.net:2526', status: 'delivered' })]);
  });

  it('a redirect made stale by a deploy is ignored: the drain delivers to the configured primary', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.setRedirect('main', toNew({ replaces: 'old-mail.example.com:25' }));
    await h.runDrain();
    expect(h.transports.opened.map((p) => p.host)).toEqual(['mail.example.com']);
    expect(h.log.attempts[0]).toMatchObject({ relay: 'mail.example.com:2525' });
  });

  it('a redirect that cannot be read delivers nothing this run (the mail could go to the old host)', async () => {
    const h = harness();
    await h.arrive();
    await h.routeState.setRedirect('main', toNew());
    h.routeState.failNext.redirect = new Error('ProvisionedThroughputExceededException');
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'hold-unknown', delivered: 0 });
    expect(h.transports.opened).toEqual([]);
  });

  it('the probe checks the target: health is about where mail goes', async () => {
    const h = harness();
    await h.arrive();
    h.probe.down('mail.example.com').up('mx-new.example.net');
    await h.routeState.setRedirect('main', toNew());
    const outcome = (await h.prober().run())[0]![0]!;
    expect(outcome).toMatchObject({ status: 'up', started: 'deliver' });
    expect(h.probe.checks.map((p) => `${p.host}:${p.port}`)).toEqual(['mx-new.example.net:2526']);

    // Cleared: the configured primary again, down.
    await h.routeState.setRedirect('main', undefined);
    expect((await h.prober().run())[0]![0]).toMatchObject({ status: 'down' });
    expect(h.probe.checks.at(-1)).toMatchObject({ host: 'mail.example.com' });
  });

  it('the probe ignores a stale redirect and warns every round until it is cleared', async () => {
    const h = harness();
    h.probe.up('mail.example.com').down('mx-new.example.net');
    await h.routeState.setRedirect('main', toNew({ replaces: 'old-mail.example.com:25' }));
    expect((await h.prober().run())[0]![0]).toMatchObject({ status: 'up' });
    expect(h.probe.checks.map((p) => p.host)).toEqual(['mail.example.com']);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('redirect ignored: a deploy changed the primary it replaced'), fields: expect.objectContaining({ to: 'mx-new.example.net:2526', replaced: 'old-mail.example.com:25' }) }));
  });

  it('the loop guard checks the target every round: a target that now loops is down, no drain starts', async () => {
    const h = harness();
    await h.arrive();
    h.probe.up('mail.example.com').up('mx-new.example.net');
    await h.routeState.setRedirect('main', toNew());
    const guarded: string[] = [];
    const prober = new ProbePrimaries(
      {
        routes: [h.route], probe: h.probe, routeState: h.routeState, queues: () => h.queue, drains: h.drains, metrics: h.metrics, log: h.log, clock: h.clock, sleep: h.clock.sleep,
        guard: { refusal: async (p) => (guarded.push(p.host), p.host === 'mx-new.example.net' ? 'mx-new.example.net resolves to 203.0.113.9, our own address' : undefined) },
      },
      { probeIntervalSeconds: 60 },
    );
    const outcome = (await prober.run())[0]![0]!;
    expect(guarded).toEqual(['mx-new.example.net']);
    expect(outcome).toMatchObject({ status: 'down', problem: expect.stringContaining('loop guard: mx-new.example.net resolves to 203.0.113.9') });
    expect(h.drains.started.filter((s) => s.mode === 'deliver')).toEqual([]);
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'primary-down', delivered: 0 });
  });
});
