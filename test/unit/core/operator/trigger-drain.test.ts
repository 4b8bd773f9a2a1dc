// The "I'm back" use case with fakes: refused cheaply and counted, never
// replayed, and an accepted call only asks the probe's own check of the route
// (here the real ProbePrimaries on the engine harness), so the AUTH backoff,
// the loop guard and the hold all still apply.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../../lambdas/adapters/fakes/index.js';
import { InMemoryTriggerGate, StaticTriggerKey } from '../../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { makeTriggerHandler } from '../../../../lambdas/handlers/trigger.js';
import type { ProbeRequester, TriggerKey } from '../../../../lambdas/core/operator/ports.js';
import { ProbePrimaries } from '../../../../lambdas/core/probe/probe-primaries.js';
import { TriggerDrain } from '../../../../lambdas/core/operator/trigger-drain.js';
import { checkTriggerForm, checkTriggerSignature, triggerSignature, TRIGGER_WINDOW_SECONDS } from '../../../../lambdas/core/operator/trigger-signature.js';
import type { PrimaryAddressGuard } from '../../../../lambdas/core/policy/ports.js';
import { harness, route } from '../../../support/world/engine-harness.js';

const SECRET = 'a-secret-of-at-least-16-chars';

/** A key that counts how often it is read. */
class CountingKey implements TriggerKey {
  reads = 0;
  async secret(): Promise<string> {
    this.reads += 1;
    return SECRET;
  }
}

function setup(routeOverrides = {}, guard?: PrimaryAddressGuard) {
  const h = harness({}, routeOverrides);
  const key = new CountingKey();
  const metrics = new RecordingMetrics();
  const log = new RecordingDeliveryLog();
  const asked: string[] = [];
  let routeReads = 0;
  const prober = new ProbePrimaries(
    { routes: [h.route], probe: h.probe, routeState: h.routeState, index: h.index, queues: () => h.queue, drains: h.drains, metrics: h.metrics, log: h.log, clock: h.clock, sleep: h.clock.sleep, ...(guard ? { guard } : {}) },
    { probeIntervalSeconds: 60 },
  );
  const probes: ProbeRequester = { probeNow: (name) => (asked.push(name), prober.probeOne(name)) };
  const gate = new InMemoryTriggerGate();
  const useCase = new TriggerDrain({ routes: async () => (routeReads++, ['main']), key, gate, probes, clock: h.clock, log, metrics }, 10);
  const signed = (at = h.clock.now(), r = 'main', secret = SECRET) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return { route: r, timestamp, signature: triggerSignature(secret, r, timestamp) };
  };
  const refusals = () => metrics.stackCounts.filter((c) => c.name === 'TriggerRefused').map((c) => c.detail?.why);
  return { h, key, metrics, log, asked, gate, useCase, signed, refusals, routeReads: () => routeReads };
}

describe('trigger signature', () => {
  const now = new Date('2026-01-05T10:00:00Z');
  const ts = String(now.getTime() / 1000);
  it('is what `openssl dgst -sha256 -hmac` prints for "route\\ntimestamp"', () => {
    const openssl = execFileSync('sh', ['-c', `printf '%s\\n%s' main 1767607200 | openssl dgst -sha256 -hmac '${SECRET}' -r | cut -d' ' -f1`], { encoding: 'utf8' }).trim();
    expect(triggerSignature(SECRET, 'main', '1767607200')).toBe(openssl);
    expect(checkTriggerSignature(SECRET, 'main', ts, triggerSignature(SECRET, 'main', ts).toUpperCase(), now)).toEqual({ ok: true });
  });
  it.each([
    ['no timestamp', undefined, 'x'.repeat(64), /timestamp/],
    ['no signature', ts, undefined, /signature/],
    ['a timestamp just past the window', String(Number(ts) - TRIGGER_WINDOW_SECONDS - 1), 'sig', /301 s behind our clock/],
    ['a timestamp just ahead of the window', String(Number(ts) + TRIGGER_WINDOW_SECONDS + 1), 'sig', /301 s ahead of our clock/],
    ['a timestamp a year ahead', String(Number(ts) + 365 * 86_400), 'sig', /ahead of our clock/],
    ['a signature over another route', ts, triggerSignature(SECRET, 'other', ts), /does not match/],
  ])('refuses %s', (_n, timestamp, signature, why) => {
    const sig = signature === 'sig' ? triggerSignature(SECRET, 'main', timestamp!) : signature;
    const result = checkTriggerSignature(SECRET, 'main', timestamp, sig, now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.why).toMatch(why);
  });
  it('accepts a timestamp at the edge of the window either way', () => {
    for (const skew of [-TRIGGER_WINDOW_SECONDS, TRIGGER_WINDOW_SECONDS]) {
      const t = String(Number(ts) + skew);
      expect(checkTriggerSignature(SECRET, 'main', t, triggerSignature(SECRET, 'main', t), now)).toEqual({ ok: true });
    }
    expect(checkTriggerForm(ts, 'f'.repeat(64), now)).toEqual({ ok: true }); // the form check needs no secret
  });
});

describe('TriggerDrain', () => {
  it('authenticated, primary answers, mail waiting: the probe checks the route and starts the drain', async () => {
    const { h, useCase, signed, asked } = setup();
    await h.primaryDown();
    await h.arrive();
    h.probe.up(route.primary.host, 15);
    expect(await useCase.handle(signed())).toEqual({ status: 202, message: 'primary of route main answers; drain started' });
    expect(asked).toEqual(['main']);
    expect(h.probe.checks).toHaveLength(1);
    expect(h.drains.started).toEqual([{ route: 'main', mode: 'deliver' }]);
    expect(await h.routeState.health('main')).toMatchObject({ status: 'up', consecutiveFailures: 0, latencyMs: 15 });
  });

  it('no mail waiting: says so and starts nothing (as a probe round would)', async () => {
    const { h, useCase, signed } = setup();
    h.probe.up(route.primary.host);
    expect(await useCase.handle(signed())).toEqual({ status: 202, message: 'primary of route main answers; no mail is waiting for it' });
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
  });

  it('the primary does not answer us: 503 with what the probe met, nothing delivered', async () => {
    const { h, useCase, signed } = setup();
    await h.arrive();
    h.probe.down(route.primary.host);
    const result = await useCase.handle(signed());
    expect(result).toMatchObject({ status: 503, retryAfterSeconds: 10 });
    expect(result.message).toMatch(/does not answer backup-mx yet \(.*ECONNREFUSED/);
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
  });

  it('never bypasses the AUTH backoff: while the probe waits out a refusal the check skips AUTH and the route stays down', async () => {
    const { h, useCase, signed } = setup({ primary: { ...route.primary, authSecretName: 'backup-mx/corp' } });
    await h.arrive();
    const retryAt = new Date(h.clock.now().getTime() + 30 * 60_000);
    await h.routeState.saveHealth({ route: 'main', status: 'down', since: h.clock.now(), lastCheckAt: h.clock.now(), consecutiveFailures: 9, lastError: 'primary refuses our credentials: AUTH: 535', authRefusals: 4, authRetryAt: retryAt, refusedCredentials: 'd1' });
    h.probe.refuseAuth(route.primary.host).credentials(route.primary.host, 'd1');
    const result = await useCase.handle(signed());
    expect(result.status).toBe(503);
    expect(result.message).toMatch(/refuses our credentials/);
    expect(h.probe.authTried).toEqual([false]); // no login while the wait runs (fail2ban never sees one)
    expect(await h.routeState.health('main')).toMatchObject({ status: 'down', authRefusals: 4, authRetryAt: retryAt });
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
  });

  it('never bypasses the loop guard: a primary that points back at us is not checked, stays down, gets no drain', async () => {
    const guard: PrimaryAddressGuard = { refusal: async () => 'mail.example.com resolves to an SES inbound endpoint' };
    const { h, useCase, signed } = setup({}, guard);
    await h.arrive();
    h.probe.up(route.primary.host);
    const result = await useCase.handle(signed());
    expect(result.status).toBe(503);
    expect(result.message).toMatch(/loop guard/);
    expect(h.probe.checks).toHaveLength(0);
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
    expect(await h.routeState.health('main')).toMatchObject({ status: 'down' });
  });

  it('respects a hold: 409, nothing delivered', async () => {
    const { h, useCase, signed } = setup();
    await h.arrive();
    h.probe.up(route.primary.host);
    await h.routeState.setHold('main', { since: h.clock.now(), reason: 'migration' });
    expect((await useCase.handle(signed())).status).toBe(409);
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
  });

  it('respects a maintenance window: 409, nothing delivered', async () => {
    const { h, useCase, signed } = setup();
    await h.arrive();
    h.probe.up(route.primary.host);
    await h.routeState.saveWindows('main', { windows: [{ id: 'wplan01', from: h.clock.now(), until: new Date(h.clock.now().getTime() + 3_600_000) }] }, 0);
    expect((await useCase.handle(signed())).status).toBe(409);
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
  });

  it('refuses a malformed, stale or future call before reading the secret; counts each refusal', async () => {
    const { h, useCase, signed, key, refusals, asked, routeReads } = setup();
    const stale = signed(new Date(h.clock.now().getTime() - (TRIGGER_WINDOW_SECONDS + 1) * 1000));
    const future = signed(new Date(h.clock.now().getTime() + (TRIGGER_WINDOW_SECONDS + 1) * 1000));
    for (const request of [{ route: 'main' }, { route: 'main', timestamp: 'soon', signature: 'x' }, stale, future]) {
      expect((await useCase.handle(request)).status).toBe(401);
    }
    expect(key.reads).toBe(0);
    expect(routeReads()).toBe(0);
    expect(asked).toEqual([]);
    expect(refusals()).toEqual(['form', 'form', 'form', 'form']);
  });

  it('refuses a bad signature before saying whether the route exists; unknown routes after; both counted', async () => {
    const { useCase, signed, refusals, asked, routeReads, log } = setup();
    expect((await useCase.handle(signed(undefined, 'main', 'another-secret-entirely'))).status).toBe(401);
    expect((await useCase.handle(signed(undefined, 'nope', 'another-secret-entirely'))).status).toBe(401);
    expect(routeReads()).toBe(0); // the route table is not even read for an unauthenticated call
    expect(log.lines.filter((e) => e.message === 'trigger refused')).toEqual([]); // nor a log line written
    expect((await useCase.handle(signed(undefined, 'nope'))).status).toBe(404);
    expect(refusals()).toEqual(['signature', 'signature', 'unknown-route']);
    expect(asked).toEqual([]);
  });

  it('a captured call replayed later is refused, and so is a second call in the interval; neither reaches the probe', async () => {
    const { h, useCase, signed, refusals, asked } = setup();
    h.probe.up(route.primary.host);
    const captured = signed();
    expect((await useCase.handle(captured)).status).toBe(202);
    h.clock.advance(5);
    expect(await useCase.handle(signed())).toMatchObject({ status: 429, retryAfterSeconds: 5 });
    h.clock.advance(60); // well inside the 300 s window, long after the rate limit
    const replay = await useCase.handle(captured);
    expect(replay.status).toBe(401);
    expect(replay.message).toMatch(/not newer than the last accepted/);
    expect(asked).toEqual(['main']);
    expect(refusals()).toEqual(['too-soon', 'replay']);
    // The hook's next real call (a newer timestamp) passes.
    expect((await useCase.handle(signed())).status).toBe(202);
  });

  it('a probe that cannot be asked is a 503, logged, not a crash', async () => {
    const { h, signed, log } = setup();
    const failing = new TriggerDrain(
      { routes: async () => ['main'], key: new StaticTriggerKey(SECRET), gate: new InMemoryTriggerGate(), probes: { probeNow: async () => Promise.reject(new Error('Rate exceeded')) }, clock: h.clock, log, metrics: new RecordingMetrics() },
      10,
    );
    expect(await failing.handle(signed())).toMatchObject({ status: 503 });
    expect(log.lines.some((e) => e.level === 'error' && /could not check/.test(e.message))).toBe(true);
  });

  it('the function URL handler maps POST /<route> and its headers, and refuses (and counts) other methods and paths', async () => {
    const { h, useCase, signed, refusals } = setup();
    h.probe.up(route.primary.host);
    const handler = makeTriggerHandler(() => useCase);
    const s = signed();
    const event = (method: string, rawPath: string, headers: Record<string, string> = {}) => ({ rawPath, headers, requestContext: { http: { method } } }) as never;
    const ok = await handler(event('POST', '/main', { 'x-backupmx-timestamp': s.timestamp, 'x-backupmx-signature': s.signature }));
    expect(ok).toMatchObject({ statusCode: 202, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(ok.body)).toEqual({ message: 'primary of route main answers; no mail is waiting for it' });
    expect((await handler(event('GET', '/main'))).statusCode).toBe(405);
    expect((await handler(event('POST', '/Bad Route!'))).statusCode).toBe(404);
    expect((await handler(event('POST', '/main'))).statusCode).toBe(401);
    expect(refusals()).toEqual(['http', 'http', 'form']);
  });
});
