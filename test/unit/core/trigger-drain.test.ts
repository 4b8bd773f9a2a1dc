import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InMemoryRouteState, ManualClock, RecordingDeliveryLog, RecordingDrainStarter, ScriptedProbe } from '../../../lambdas/adapters/fakes/index.js';
import { InMemoryTriggerGate, StaticTriggerKey } from '../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { makeTriggerHandler } from '../../../lambdas/handlers/trigger.js';
import { TriggerDrain } from '../../../lambdas/core/trigger-drain.js';
import { checkTriggerSignature, triggerSignature, TRIGGER_WINDOW_SECONDS } from '../../../lambdas/core/trigger-signature.js';
import { route } from './engine-harness.js';

const SECRET = 'a-secret-of-at-least-16-chars';

function setup() {
  const clock = new ManualClock('2026-01-05T10:00:00Z');
  const routeState = new InMemoryRouteState();
  const probe = new ScriptedProbe();
  const drains = new RecordingDrainStarter();
  const useCase = new TriggerDrain({ routes: [route], key: new StaticTriggerKey(SECRET), gate: new InMemoryTriggerGate(), routeState, probe, drains, clock, log: new RecordingDeliveryLog() }, 10);
  const signed = (at = clock.now(), r = 'main', secret = SECRET) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return { route: r, timestamp, signature: triggerSignature(secret, r, timestamp) };
  };
  return { clock, routeState, probe, drains, useCase, signed };
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
    ['a timestamp outside the window', String(Number(ts) - TRIGGER_WINDOW_SECONDS - 1), 'sig', /from our clock/],
  ])('refuses %s', (_n, timestamp, signature, why) => {
    const sig = signature === 'sig' ? triggerSignature(SECRET, 'main', timestamp!) : signature;
    const result = checkTriggerSignature(SECRET, 'main', timestamp, sig, now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.why).toMatch(why);
  });
});

describe('TriggerDrain', () => {
  it('authenticated and the primary answers: records it up and starts the drain at once', async () => {
    const { useCase, signed, drains, routeState, probe } = setup();
    await routeState.saveHealth({ route: 'main', status: 'down', since: new Date('2026-01-05T09:00:00Z'), lastCheckAt: new Date('2026-01-05T09:59:30Z'), consecutiveFailures: 60, lastError: 'connect: ECONNREFUSED' });
    probe.up(route.primary.host, 15);
    expect(await useCase.handle(signed())).toMatchObject({ status: 202 });
    expect(drains.started).toEqual([{ route: 'main', mode: 'deliver' }]);
    expect(await routeState.health('main')).toMatchObject({ status: 'up', consecutiveFailures: 0, latencyMs: 15 });
  });

  it('the primary does not answer us: 503, nothing started, health untouched (still primary-gated)', async () => {
    const { useCase, signed, drains, routeState, probe } = setup();
    probe.down(route.primary.host);
    expect(await useCase.handle(signed())).toMatchObject({ status: 503, retryAfterSeconds: 10 });
    expect(drains.started).toEqual([]);
    expect(await routeState.health('main')).toBeUndefined();
  });

  it('while the probe waits out an AUTH refusal, "I\'m back" logs in at once; a success ends the wait', async () => {
    const { signed, drains, routeState, probe, clock } = setup();
    const authRoute = { ...route, primary: { ...route.primary, authSecretName: 'backup-mx/corp' } };
    const withAuth = new TriggerDrain({ routes: [authRoute], key: new StaticTriggerKey(SECRET), gate: new InMemoryTriggerGate(), routeState, probe, drains, clock, log: new RecordingDeliveryLog() }, 10);
    const retryAt = new Date(clock.now().getTime() + 30 * 60_000);
    await routeState.saveHealth({ route: 'main', status: 'down', since: clock.now(), lastCheckAt: clock.now(), consecutiveFailures: 9, lastError: 'primary refuses our credentials: AUTH: 535', authRefusals: 4, authRetryAt: retryAt, refusedCredentials: 'd1' });
    probe.refuseAuth(route.primary.host);
    expect(await withAuth.handle(signed())).toMatchObject({ status: 503 });
    expect(probe.authTried).toEqual([true]);
    // Refused again: counted, so the probe's wait grows (fail2ban counted it too).
    expect(await routeState.health('main')).toMatchObject({ status: 'down', authRefusals: 5, authRetryAt: new Date(clock.now().getTime() + 1920_000) });
    expect(drains.started).toEqual([]);
    clock.advance(20);
    probe.up(route.primary.host);
    expect(await withAuth.handle(signed())).toMatchObject({ status: 202 });
    expect(probe.authTried).toEqual([true, true]);
    const health = (await routeState.health('main'))!;
    expect(health).toMatchObject({ status: 'up', consecutiveFailures: 0 });
    expect(health.authRetryAt).toBeUndefined();
    expect(health.authRefusals).toBeUndefined();
    expect(drains.started).toEqual([{ route: 'main', mode: 'deliver' }]);
  });

  it('refuses bad signatures before saying whether the route exists; rate-limits per route; respects a hold', async () => {
    const { useCase, signed, drains, routeState, clock } = setup();
    expect((await useCase.handle(signed(clock.now(), 'main', 'another-secret-entirely'))).status).toBe(401);
    expect((await useCase.handle({ route: 'nope', timestamp: '1', signature: 'x' })).status).toBe(401);
    expect((await useCase.handle(signed(clock.now(), 'nope'))).status).toBe(404);
    expect((await useCase.handle(signed())).status).toBe(202);
    clock.advance(5);
    expect(await useCase.handle(signed())).toMatchObject({ status: 429, retryAfterSeconds: 10 });
    clock.advance(10);
    await routeState.setHold('main', { since: clock.now(), reason: 'migration' });
    expect((await useCase.handle(signed())).status).toBe(409);
    expect(drains.started).toHaveLength(1);
  });

  it('the function URL handler maps POST /<route> and its headers, and refuses other methods', async () => {
    const { useCase, signed } = setup();
    const handler = makeTriggerHandler(() => useCase);
    const s = signed();
    const event = (method: string, rawPath: string, headers: Record<string, string> = {}) => ({ rawPath, headers, requestContext: { http: { method } } }) as never;
    const ok = await handler(event('POST', '/main', { 'x-backupmx-timestamp': s.timestamp, 'x-backupmx-signature': s.signature }));
    expect(ok).toMatchObject({ statusCode: 202, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(ok.body)).toEqual({ message: 'primary of route main answers; drain started' });
    expect((await handler(event('GET', '/main'))).statusCode).toBe(405);
    expect((await handler(event('POST', '/Bad Route!'))).statusCode).toBe(404);
    expect((await handler(event('POST', '/main'))).statusCode).toBe(401);
  });
});
