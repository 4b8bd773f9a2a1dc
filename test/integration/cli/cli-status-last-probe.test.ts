// `backup-mx status --local`: LAST PROBE is the last check the probe recorded
// and what it found ("40s ago: up, 12 ms"), not the time of the last change;
// a check older than the refresh plus three probe intervals is flagged as a
// probe that stopped, and "problems: none" is then never said. The probe is
// the real one, on the emulators, against a scripted primary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteStatus } from '../../../cli/commands/status.js';
import { HEALTH_REFRESH_SECONDS, probeStaleAfterSeconds } from '../../../lambdas/core/probe/health-change.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('status: the last probe, as of the last probe', () => {
  let fx: LocalFixture;
  const noDrain = { start: async () => {} };
  const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  const lineOf = (text: string, route: string) => text.split('\n').find((l) => l.startsWith(`${route} `))!;

  it('a probe that runs: "0s ago: up, N ms", and a check recorded while the state does not change', async () => {
    await fx.engine.probe(noDrain);
    const { routeState } = fx.deps;
    const first = (await routeState.health('main'))!;
    // As if the primary had been up for an hour with the last recorded check 50 s old: the next round refreshes it.
    await routeState.saveHealth({ ...first, since: secondsAgo(3600), lastCheckAt: secondsAgo(HEALTH_REFRESH_SECONDS - 5) });
    await fx.engine.probe(noDrain);
    const health = (await routeState.health('main'))!;
    expect(Date.now() - health.lastCheckAt.getTime()).toBeLessThan(5_000);
    expect(Date.now() - health.since.getTime()).toBeGreaterThan(3_500_000); // the change time stays

    const { io } = await fx.cli('status');
    expect(lineOf(io.text, 'main')).toMatch(/ up for 1h 0m .* \ds ago: up, \d+ ms /);
    expect(io.text).toContain('LAST PROBE: the last check the probe recorded and what it found (it probes every 60 s and records a check at least every 60 s, a change at once).');
    expect(io.text).toContain('problems: none');
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.find((s) => s.route === 'main')).not.toHaveProperty('probeStale');
  });

  it('a primary down: the last probe says what it met', async () => {
    const { routeState } = fx.deps;
    const health = (await routeState.health('main'))!;
    await routeState.saveHealth({ ...health, status: 'down', lastCheckAt: secondsAgo(20), lastError: 'connect: ECONNREFUSED' });
    const { io } = await fx.cli('status');
    expect(lineOf(io.text, 'main')).toMatch(/ 2\ds ago: down \(connect: ECONNREFUSED\) /);
    await routeState.saveHealth(health);
  });

  it('a probe that stopped: flagged past the refresh plus three intervals, and no "problems: none"', async () => {
    const { routeState } = fx.deps;
    const health = (await routeState.health('main'))!;
    const limit = probeStaleAfterSeconds(60);
    expect(limit).toBe(240);

    await routeState.saveHealth({ ...health, lastCheckAt: secondsAgo(limit - 10) });
    let json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.find((s) => s.route === 'main')!.probeStale).toBeUndefined();

    await routeState.saveHealth({ ...health, lastCheckAt: secondsAgo(600) });
    json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.find((s) => s.route === 'main')!.probeStale).toBe(true);
    expect(json.find((s) => s.route === 'other')!.probeStale).toBeUndefined();
    const { io } = await fx.cli('status');
    expect(lineOf(io.text, 'main')).toMatch(/ 10m \ds ago \(STOPPED\?\): up/);
    expect(io.text).toMatch(/main: probe stopped\? no check recorded for 10m \ds \(it probes every 60 s and records a check at least every 60 s\): the state above is as of that check/);
    expect(io.text).not.toContain('problems: none');

    // The next round records a check again: no longer flagged.
    await fx.engine.probe(noDrain);
    json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.find((s) => s.route === 'main')!.probeStale).toBeUndefined();
  });
});

describe('hints say when the next probe comes, with the real interval', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture({ probeIntervalSeconds: 5 });
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('release: "at the next probe, within 5 s"; flush of a route marked down: "checks it every 5 s"', async () => {
    await fx.cli('hold', 'main');
    const release = await fx.cli('release', 'main');
    expect(release.io.text).toContain('deliveries resume at the next probe, within 5 s; `backup-mx flush main` starts them now');
    expect(release.io.text).not.toContain('minute');

    await fx.queue({ recipients: ['bob@example.com'] });
    await fx.deps.routeState.saveHealth({ route: 'main', status: 'down', since: new Date(), lastCheckAt: new Date(), consecutiveFailures: 1, lastError: 'connect: ECONNREFUSED' });
    const flush = await fx.cli('flush', 'main');
    expect(flush.io.text).toMatch(/the primary is marked down since \S+ ago \(connect: ECONNREFUSED\): the probe checks it every 5 s and starts the drain as soon as it answers/);
  });
});
