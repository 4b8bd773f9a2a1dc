// `backup-mx redirect` through the CLI against a real local backup MX (emulators)
// and two real SMTP peers on loopback: the configured primary (the fixture's)
// and a new one. After `redirect`, flush delivers to the new one (the attempt
// lines name it) and status shows the redirect (text and --json); after
// `--clear`, mail goes to the configured one again. A target that loops back
// to us or does not answer is refused and nothing is stored; a redirect whose
// replaced primary a deploy changed is ignored and shown as cleared by it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouteStatus } from '../../../cli/commands/status.js';
import { EXIT } from '../../../cli/errors.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';
import { freePort } from '../../support/net/free-port.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';

describe('backup-mx redirect (local, two real SMTP peers)', () => {
  let fx: LocalFixture;
  let newPrimary: ScriptedPrimary;

  beforeAll(async () => {
    fx = await startLocalFixture();
    newPrimary = await ScriptedPrimary.start({ starttls: 'off' });
  });
  afterEach(async () => {
    await fx.deps.routeState.setRedirect('main', undefined);
    newPrimary.reset();
    await fx.reset();
  });
  afterAll(async () => {
    await newPrimary?.stop();
    await fx?.stop();
  });

  const mainStatus = async () => (await fx.cli('status', '--json')).io.json<RouteStatus[]>().find((s) => s.route === 'main')!;
  const configured = () => `${fx.primary.host}:${fx.primary.port}`;
  const target = () => `${newPrimary.host}:${newPrimary.port}`;

  it('sends the route\'s mail to the new host after redirect, shows it, and back to the configured one after --clear', async () => {
    const set = await fx.cli('redirect', 'main', '--to', target(), '--reason', 'cut-over');
    expect(set.code).toBe(0);
    expect(set.io.text).toContain(`route main: mail goes to ${target()} (tls none, no AUTH) instead of ${configured()}`);
    expect(set.io.text).toContain('a deploy that changes the route\'s primary in cdk.json (which clears it)');

    const json = await mainStatus();
    expect(json.redirect).toEqual({ to: target(), since: expect.any(String), tls: 'none', auth: false, replaces: configured(), reason: 'cut-over' });
    expect(json.primary).toBe(configured()); // the configured one; the redirect beside it
    expect(json.status).toBe('up'); // the target's check, recorded by redirect
    const text = (await fx.cli('status', '--route', 'main')).io.text;
    expect(text).toContain(`-> ${target()} (none), redirected`);
    expect(text).toMatch(new RegExp(`main -> ${target().replace(/\./g, '\\.')} \\(tls none, no AUTH\\) instead of ${configured().replace(/\./g, '\\.')}, since \\S+ ago: cut-over`));

    await fx.queue({ recipients: ['gina@example.com'], subject: 'during the cut-over' });
    const flush = await fx.cli('flush', 'main');
    expect(flush.io.text).toContain(`relay=${target()}`);
    expect(newPrimary.messagesFor('gina@example.com')).toHaveLength(1);
    expect(fx.primary.messagesFor('gina@example.com')).toHaveLength(0);

    const clear = await fx.cli('redirect', 'main', '--clear');
    expect(clear.code).toBe(0);
    expect(clear.io.text).toContain(`redirect to ${target()} cleared; mail goes to the configured primary ${configured()} again`);
    expect((await mainStatus()).redirect).toBeUndefined();
    await fx.queue({ recipients: ['hal@example.com'], subject: 'after the cut-over' });
    const after = await fx.cli('flush', 'main');
    expect(after.io.text).toContain(`relay=${configured()}`);
    expect(fx.primary.messagesFor('hal@example.com')).toHaveLength(1);
    expect(newPrimary.messagesFor('hal@example.com')).toHaveLength(0);
    expect((await fx.cli('status')).io.text).not.toContain('redirects (');
  });

  it('refuses a target that loops back to us (our own hop) and one that does not answer, storing nothing', async () => {
    const loop = await fx.cli('redirect', 'main', '--to', 'backup-mx.test:25');
    expect(loop.code).toBe(EXIT.usage);
    expect(loop.io.stderr.join('\n')).toContain('--to: loop guard: backup-mx.test is our own host name');
    const closed = await freePort();
    const silent = await fx.cli('redirect', 'main', '--to', `127.0.0.1:${closed}`);
    expect(silent.code).toBe(EXIT.usage);
    expect(silent.io.stderr.join('\n')).toMatch(new RegExp(`--to: 127\\.0\\.0\\.1:${closed} does not answer a probe \\(.*ECONNREFUSED`));
    expect(await fx.deps.routeState.redirect('main')).toBeUndefined();
    expect((await mainStatus()).redirect).toBeUndefined();
  });

  it.each([
    [['--to', '127.0.0.1:99999'], '--to: port 99999 is not 1–65535'],
    [['--to', '127.0.0.1:2525', '--tls', 'strict'], '--tls: "strict" is not a TLS mode'],
    [['--to', '127.0.0.1:2525', '--auth'], '--auth: route main has no AUTH secret'],
    [['--clear', '--to', '127.0.0.1:2525'], '--clear: not with --to'],
    [[], '--to: required'],
  ])('redirect main %j is refused naming the flag', async (args, message) => {
    const refused = await fx.cli('redirect', 'main', ...args);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.io.stderr.join('\n')).toContain(message);
    expect(await fx.deps.routeState.redirect('main')).toBeUndefined();
  });

  it('a redirect whose replaced primary a deploy changed is ignored: mail goes to the configured primary, status says why', async () => {
    // As a deploy leaves it: the stored redirect names the primary the route had before.
    await fx.deps.routeState.setRedirect('main', { host: newPrimary.host, port: newPrimary.port, tls: 'none', auth: false, since: new Date(), replaces: 'old-mail.example.com:25' });
    const json = await mainStatus();
    expect(json.redirect).toMatchObject({ to: target(), replaces: 'old-mail.example.com:25', ignored: 'cleared by a deploy that changed the primary' });
    const text = (await fx.cli('status', '--route', 'main')).io.text;
    expect(text).toContain(`${configured()} (none)`);
    expect(text).toContain('IGNORED: cleared by a deploy that changed the primary (`backup-mx redirect main --clear` removes it)');

    await fx.queue({ recipients: ['ivan@example.com'] });
    await fx.cli('flush', 'main');
    expect(fx.primary.messagesFor('ivan@example.com')).toHaveLength(1);
    expect(newPrimary.messagesFor('ivan@example.com')).toHaveLength(0);
  });
});
