// The redirect use case on the fake world: a target is stored only after the
// loop guard and a probe with the redirect's own TLS and AUTH accept it; the
// route's AUTH secret goes to the target only with --auth and only over
// verified TLS; every refusal names its flag and stores nothing.
import { describe, expect, it } from 'vitest';
import type { Route } from '../../../../lambdas/core/model.js';
import { RedirectRefusedError, RedirectRoute } from '../../../../lambdas/core/operator/redirect-route.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

const withSecret = (route: Route): Route => ({ ...route, primary: { ...route.primary, tls: 'verify', authSecretName: 'backup-mx/main-smtp' } });

describe('RedirectRoute', () => {
  it('probes the target and stores the redirect with the configured primary it replaces; no AUTH by default', async () => {
    const { h, operator } = operatorWorld();
    const route = withSecret(h.route);
    h.probe.up('mx-new.example.net', 31);

    const { redirect, latencyMs } = await operator.redirect.set(route, { host: 'mx-new.example.net', port: 2526 });

    expect(latencyMs).toBe(31);
    expect(redirect).toEqual({ host: 'mx-new.example.net', port: 2526, tls: 'verify', auth: false, since: h.clock.now(), replaces: 'mail.example.com:2525' });
    expect(await h.routeState.redirect('main')).toEqual(redirect);
    // The probe that admitted it saw the target, without the route's secret.
    expect(h.probe.checks).toEqual([{ host: 'mx-new.example.net', port: 2526, tls: 'verify' }]);
    expect(await operator.redirect.current(route)).toEqual({ redirect, applies: true });
  });

  it('with --auth over verified TLS, the route\'s secret is used, by the probe too', async () => {
    const { h, operator } = operatorWorld();
    const route = withSecret(h.route);
    h.probe.up('mx-new.example.net');
    const { redirect } = await operator.redirect.set(route, { host: 'mx-new.example.net', port: 25, tls: 'verify', auth: true });
    expect(redirect.auth).toBe(true);
    expect(h.probe.checks[0]).toMatchObject({ host: 'mx-new.example.net', authSecretName: 'backup-mx/main-smtp' });
  });

  it.each([
    [{ tls: 'opportunistic' as const, auth: true }, '--auth: the AUTH secret goes only over verified TLS'],
    [{ tls: 'none' as const, auth: true }, '--auth: the AUTH secret goes only over verified TLS'],
    [{ tls: 'fingerprint' as const }, '--fingerprint: tls "fingerprint" needs the new host\'s digest'],
    [{ tls: 'verify' as const, tlsFingerprints: ['sha256:00'] }, '--fingerprint:'],
    [{ tls: 'bogus' as never }, '--tls: "bogus" is not a TLS mode'],
    [{ host: 'mail.example.com' }, '--to: mail.example.com:2525 is the route\'s configured primary'],
    [{ host: 'not a host' }, '--to: "not a host" is not a host name'],
    [{ port: 70_000 }, '--to: port 70000 is not 1–65535'],
  ])('refuses %j naming the flag, probes nothing and stores nothing', async (override, message) => {
    const { h, operator } = operatorWorld();
    h.probe.up('mx-new.example.net');
    const refused = operator.redirect.set(withSecret(h.route), { host: 'mx-new.example.net', port: 2525, ...override });
    await expect(refused).rejects.toThrow(RedirectRefusedError);
    await expect(refused).rejects.toThrow(message);
    expect(h.probe.checks).toEqual([]);
    expect(await h.routeState.redirect('main')).toBeUndefined();
  });

  it('--auth on a route with no secret is refused', async () => {
    const { h, operator } = operatorWorld();
    await expect(operator.redirect.set(h.route, { host: 'mx-new.example.net', port: 25, tls: 'verify', auth: true })).rejects.toThrow('--auth: route main has no AUTH secret');
  });

  it('a route that pins its primary\'s certificate must name the target\'s TLS', async () => {
    const { h, operator } = operatorWorld();
    const pinned: Route = { ...h.route, primary: { ...h.route.primary, tls: 'fingerprint', tlsFingerprints: [`sha256:${'AB:'.repeat(31)}AB`] } };
    await expect(operator.redirect.set(pinned, { host: 'mx-new.example.net', port: 25 })).rejects.toThrow('--tls: the route pins');
    h.probe.up('mx-new.example.net');
    const { redirect } = await operator.redirect.set(pinned, { host: 'mx-new.example.net', port: 25, tls: 'fingerprint', tlsFingerprints: [`sha256:${'cd'.repeat(32)}`] });
    expect(redirect.tlsFingerprints).toEqual([`sha256:${'CD:'.repeat(31)}CD`]);
  });

  it('refuses a target the loop guard refuses (SES inbound, our own hop): no probe, nothing stored', async () => {
    const { h, operator, loops } = operatorWorld();
    loops.set('inbound-smtp.eu-west-1.amazonaws.com', 'inbound-smtp.eu-west-1.amazonaws.com leads to the SES inbound endpoint');
    h.probe.up('inbound-smtp.eu-west-1.amazonaws.com');
    await expect(operator.redirect.set(h.route, { host: 'inbound-smtp.eu-west-1.amazonaws.com', port: 25 })).rejects.toThrow('--to: loop guard: inbound-smtp.eu-west-1.amazonaws.com leads to the SES inbound endpoint');
    expect(h.probe.checks).toEqual([]);
    expect(await h.routeState.redirect('main')).toBeUndefined();
  });

  it('refuses a target that does not answer the probe, one that refuses the AUTH, and one whose TLS is not verified', async () => {
    const { h, operator } = operatorWorld();
    const route = withSecret(h.route);
    h.probe.down('mx-dead.example.net', 'connect: ECONNREFUSED');
    await expect(operator.redirect.set(route, { host: 'mx-dead.example.net', port: 25 })).rejects.toThrow('--to: mx-dead.example.net:25 does not answer a probe (connect: ECONNREFUSED)');
    h.probe.refuseAuth('mx-new.example.net');
    await expect(operator.redirect.set(route, { host: 'mx-new.example.net', port: 25, tls: 'verify', auth: true })).rejects.toThrow('--auth: mx-new.example.net:25 refused the route\'s AUTH credentials');
    h.probe.set('mx-self.example.net', { ok: false, latencyMs: 2, authWithheld: true, error: 'certificate not verified' });
    await expect(operator.redirect.set(route, { host: 'mx-self.example.net', port: 25, tls: 'verify', auth: true })).rejects.toThrow('--tls: mx-self.example.net:25 is not TLS-verified');
    expect(await h.routeState.redirect('main')).toBeUndefined();
  });

  it('clear removes it and says which one it was; a redirect made stale by a deploy reads as not applying', async () => {
    const { h, operator } = operatorWorld();
    h.probe.up('mx-new.example.net');
    const { redirect } = await operator.redirect.set(h.route, { host: 'mx-new.example.net', port: 25 });
    const redeployed: Route = { ...h.route, primary: { ...h.route.primary, host: 'mx-new.example.net', port: 25 } };
    expect(await operator.redirect.current(redeployed)).toEqual({ redirect, applies: false });
    h.probe.down('mail.example.com');
    expect(await operator.redirect.clear(h.route)).toMatchObject({ cleared: redirect, primary: { ok: false } });
    expect((await operator.redirect.clear(h.route)).cleared).toBeUndefined();
    expect(await operator.redirect.current(h.route)).toBeUndefined();
  });

  it('records the health of the new destination: up after set (a flush then does not stop on the old host\'s "down"), the configured primary\'s after clear', async () => {
    const { h, operator } = operatorWorld();
    await h.primaryDown();
    h.probe.up('mx-new.example.net', 44).down('mail.example.com', 'connect: ECONNREFUSED');
    h.clock.advance(60);
    await operator.redirect.set(h.route, { host: 'mx-new.example.net', port: 25 });
    expect(await h.routeState.health('main')).toEqual({ route: 'main', status: 'up', since: h.clock.now(), lastCheckAt: h.clock.now(), latencyMs: 44, consecutiveFailures: 0 });
    await operator.redirect.clear(h.route);
    expect(await h.routeState.health('main')).toMatchObject({ status: 'down', lastError: 'after redirect --clear: connect: ECONNREFUSED' });
  });

  it('is one use case of the operator actions', () => {
    expect(operatorWorld().operator.redirect).toBeInstanceOf(RedirectRoute);
  });
});
