// The overview says where a route's mail goes during a cut-over (`backup-mx
// redirect`), and says so when a deploy made a redirect stale: the same
// record `status` reads, drawn as text (a reason is sender-free but still escaped).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { primaryAddress } from '../../../lambdas/core/probe/effective-primary.js';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

describe('console overview: the route redirect', () => {
  let c: ConsoleFixture;
  beforeAll(async () => {
    c = await startConsoleFixture();
  });
  afterAll(async () => {
    await c?.stop();
  });

  const routeRow = (body: string, route: string) => body.slice(body.indexOf(`<tr data-route="${route}">`), body.indexOf('</tr>', body.indexOf(`<tr data-route="${route}">`)));

  it('shows the target and its TLS on the redirected route only, and a stale one as ignored', async () => {
    const main = c.target.settings.routes.find((r) => r.name === 'main')!;
    const since = c.fx.deps.clock.now();
    await c.fx.deps.routeState.setRedirect('main', { host: 'new-mx.example.org', port: 2525, tls: 'verify', auth: false, since, replaces: primaryAddress(main.primary) });
    let page = await c.get('/', { cookie: c.cookie });
    expect(page.status).toBe(200);
    expect(routeRow(page.body, 'main')).toContain('redirected to new-mx.example.org:2525 <span class="muted">(TLS verify)</span>');
    expect(routeRow(page.body, 'other')).not.toContain('redirected');

    await c.fx.deps.routeState.setRedirect('main', { host: 'new-mx.example.org', port: 2525, tls: 'verify', auth: false, since, replaces: 'old-mx.example.org:25' });
    page = await c.get('/', { cookie: c.cookie });
    expect(routeRow(page.body, 'main')).toMatch(/redirect to new-mx\.example\.org:2525 ignored: [^<]*deploy/);

    await c.fx.deps.routeState.setRedirect('main', undefined);
    page = await c.get('/', { cookie: c.cookie });
    expect(routeRow(page.body, 'main')).not.toContain('redirect');
  });
});
