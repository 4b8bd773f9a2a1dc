// After an AUTH refusal the probe logs in again only after a growing wait
// (core/policy/auth-backoff.ts), checks the primary without AUTH in between, and
// keeps the route down so nothing is delivered with credentials known bad.
import { describe, expect, it } from 'vitest';
import { AUTH_REFUSED_PREFIX, authRetryDelaySeconds } from '../../../../lambdas/core/policy/auth-backoff.js';
import { harness, route } from '../../../support/world/engine-harness.js';

const HOST = route.primary.host;
const withAuth = () => harness({}, { primary: { ...route.primary, authSecretName: 'backup-mx/corp' } });
type H = ReturnType<typeof withAuth>;

/** One scheduled probe run per minute; returns the minutes whose check tried AUTH. */
async function minutes(h: H, count: number, from = 0): Promise<{ auth: number[]; statuses: string[] }> {
  const auth: number[] = [];
  const statuses: string[] = [];
  for (let m = from; m < from + count; m++) {
    const before = h.probe.authTried.length;
    const rounds = await h.prober().run();
    statuses.push(rounds[0]![0]!.status);
    if (h.probe.authTried.slice(before).includes(true)) auth.push(m);
    h.clock.advance(60);
  }
  return { auth, statuses };
}

describe('probe after an AUTH refusal', () => {
  it('waits 2, 4, 8, 16, 32 then 60 minutes between AUTH tries, at most 3 in any 10 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(authRetryDelaySeconds)).toEqual([120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });

  it('over 60 minutes: AUTH at minutes 0, 2, 6, 14, 30, checks without AUTH in between, down throughout, no drain', async () => {
    const h = withAuth();
    const t0 = h.clock.now().getTime();
    await h.arrive();
    h.probe.refuseAuth(HOST).credentials(HOST, 'digest-1');
    const { auth, statuses } = await minutes(h, 60);
    expect(auth).toEqual([0, 2, 6, 14, 30]);
    expect(h.probe.checks).toHaveLength(60); // every round still checks the primary
    expect(statuses.every((s) => s === 'down')).toBe(true);
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'primary-down' });
    const health = (await h.routeState.health('main'))!;
    const nextTry = new Date(t0 + (30 + 32) * 60_000); // the fifth refusal waits 32 minutes
    expect(health).toMatchObject({ status: 'down', authRefusals: 5, authRetryAt: nextTry, refusedCredentials: 'digest-1' });
    expect(health.lastError).toBe(`${AUTH_REFUSED_PREFIX}: AUTH: 535 5.7.8 Authentication credentials invalid; next AUTH try at ${nextTry.toISOString()}`);
    // Written when the backoff changes and otherwise once a minute (status shows the last check): every round of a one-minute probe.
    expect(h.routeState.healthHistory.map((x) => (x.lastCheckAt.getTime() - t0) / 60_000)).toEqual(Array.from({ length: 60 }, (_, m) => m));
  });

  it('a no-AUTH success between tries does not mark the route up; the next AUTH success does, and clears the backoff', async () => {
    const h = withAuth();
    await h.arrive();
    h.probe.refuseAuth(HOST);
    await minutes(h, 1);
    h.probe.up(HOST); // the operator fixed the primary's side
    expect(await minutes(h, 1, 1)).toEqual({ auth: [], statuses: ['down'] });
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
    expect(await minutes(h, 1, 2)).toEqual({ auth: [2], statuses: ['up'] });
    const health = (await h.routeState.health('main'))!;
    expect(health).toMatchObject({ status: 'up', consecutiveFailures: 0 });
    expect(health.authRetryAt).toBeUndefined();
    expect(health.refusedCredentials).toBeUndefined();
    expect(health.lastError).toBeUndefined();
    expect(h.drains.started).toContainEqual({ route: 'main', mode: 'deliver' });
    // The count stays for one round (see the drain test below), then goes; a new refusal starts from 2 minutes.
    expect(health.authRefusals).toBe(1);
    await minutes(h, 1, 3);
    expect((await h.routeState.health('main'))!.authRefusals).toBeUndefined();
    h.probe.refuseAuth(HOST);
    expect((await minutes(h, 5, 4)).auth).toEqual([4, 6]);
  });

  it('a changed credential digest (the secret was fixed) makes the next round try AUTH at once', async () => {
    const h = withAuth();
    await h.arrive();
    h.probe.refuseAuth(HOST).credentials(HOST, 'digest-1');
    await minutes(h, 1);
    h.probe.up(HOST).credentials(HOST, 'digest-2');
    expect(await minutes(h, 1, 1)).toEqual({ auth: [1], statuses: ['up'] }); // not due before minute 2
    expect(h.probe.authTried).toEqual([true, false, true]); // the no-AUTH check saw the new digest, then AUTH
    expect(h.drains.started).toContainEqual({ route: 'main', mode: 'deliver' });
    expect((await h.routeState.health('main'))!.authRetryAt).toBeUndefined();
  });

  it('a changed digest refused again records the new digest and waits longer', async () => {
    const h = withAuth();
    h.probe.refuseAuth(HOST).credentials(HOST, 'digest-1');
    await minutes(h, 1);
    h.probe.credentials(HOST, 'digest-2');
    expect((await minutes(h, 1, 1)).auth).toEqual([1]);
    expect(await h.routeState.health('main')).toMatchObject({ authRefusals: 2, refusedCredentials: 'digest-2', authRetryAt: new Date(h.clock.now().getTime() - 60_000 + 240_000) });
  });

  it('unreachable between tries: the refusal stays the error, with what the check met', async () => {
    const h = withAuth();
    h.probe.refuseAuth(HOST);
    await minutes(h, 1);
    h.probe.down(HOST);
    await minutes(h, 1, 1);
    const health = (await h.routeState.health('main'))!;
    expect(health.lastError).toMatch(new RegExp(`^${AUTH_REFUSED_PREFIX}: AUTH: 535 .*; next AUTH try at .*; now: connect: ECONNREFUSED$`));
    expect(health.authRefusals).toBe(1);
    // At the due time the AUTH try cannot reach AUTH: still waiting, tried again each round.
    expect((await minutes(h, 3, 2)).auth).toEqual([2, 3, 4]);
    expect((await h.routeState.health('main'))!.authRefusals).toBe(1);
  });

  it('a plain connection failure keeps the old behaviour: AUTH tried every round, the plain error', async () => {
    const h = withAuth();
    h.probe.down(HOST);
    expect(await minutes(h, 5)).toEqual({ auth: [0, 1, 2, 3, 4], statuses: ['down', 'down', 'down', 'down', 'down'] });
    const health = (await h.routeState.health('main'))!;
    expect(health).toMatchObject({ status: 'down', lastError: 'connect: ECONNREFUSED' });
    expect(health.authRefusals).toBeUndefined();
  });

  it('a route whose authSecretName was removed is not held back by an old refusal', async () => {
    const h = harness();
    await h.routeState.saveHealth({ route: 'main', status: 'down', since: h.clock.now(), lastCheckAt: h.clock.now(), consecutiveFailures: 1, lastError: `${AUTH_REFUSED_PREFIX}: x`, authRefusals: 1, authRetryAt: new Date(h.clock.now().getTime() + 120_000) });
    await h.arrive();
    h.probe.up(HOST);
    await h.prober().run();
    expect((await h.routeState.health('main'))!.status).toBe('up');
    expect(h.drains.started).toContainEqual({ route: 'main', mode: 'deliver' });
  });
});

describe('drain after an AUTH refusal', () => {
  const EAUTH = { text: 'AUTH PLAIN: Invalid login: 535 5.7.8 Authentication credentials invalid', errorCode: 'EAUTH' };

  it('records the refusal as the probe does: down, and the probe waits 2 minutes before its next AUTH', async () => {
    const h = withAuth();
    await h.arrive();
    await minutes(h, 1); // up, with AUTH; the drain below runs at minute 1
    h.transports.failNextSession(EAUTH);
    expect(await h.runDrain()).toMatchObject({ stoppedBecause: 'connection-failed' });
    const health = (await h.routeState.health('main'))!;
    expect(health).toMatchObject({ status: 'down', authRefusals: 1, authRetryAt: new Date(h.clock.now().getTime() + 120_000) });
    expect(health.lastError).toMatch(new RegExp(`^${AUTH_REFUSED_PREFIX}: drain: .*535 5\\.7\\.8`));
    expect(await minutes(h, 3, 1)).toEqual({ auth: [3], statuses: ['down', 'down', 'up'] });
  });

  it('the probe logs in but the drain is refused every time: the wait grows instead of a failure every 2 minutes', async () => {
    const h = withAuth();
    await h.arrive();
    const refusedAt: number[] = [];
    for (let m = 0; m < 60; m++) {
      const starts = h.drains.started.length;
      await minutes(h, 1, m);
      if (h.drains.started.slice(starts).some((d) => d.mode === 'deliver')) {
        h.clock.advance(-60); // the drain runs in the probe's minute
        h.transports.failNextSession(EAUTH);
        await h.runDrain();
        refusedAt.push(m);
        h.clock.advance(60);
      }
    }
    expect(refusedAt).toEqual([0, 2, 6, 14, 30]);
  });
});
