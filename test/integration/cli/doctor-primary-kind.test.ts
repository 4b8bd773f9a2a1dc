// `backup-mx doctor --local` against a DNS server on 127.0.0.1 whose MX answers
// point the fixture's domains at Google Workspace and Microsoft 365: one hint
// per route naming the section, never a warning or a failure, and each domain
// asked once although two checks read its MX records. And a real SMTP server
// whose greeting names Postfix: the probe's greeting reaches the hint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../../cli/commands/doctor.js';
import type { Target } from '../../../cli/target.js';
import type { Route } from '../../../lambdas/core/model.js';
import { SmtpPeer } from '../../../local/smtp-peer/smtp-peer.js';
import { TestDnsServer } from '../../support/net/dns-server.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const OURS = 'inbound-smtp.us-east-1.amazonaws.com';

describe('doctor suggests the setup section for a cloud primary', () => {
  let fx: LocalFixture;
  let dns: TestDnsServer;
  beforeAll(async () => {
    fx = await startLocalFixture();
    dns = await TestDnsServer.start();
  });
  afterAll(async () => {
    await dns.stop();
    await fx.stop();
  });

  it('Google MX → Google Workspace, Microsoft MX → Microsoft 365, as ok findings', async () => {
    dns.mx.set('example.com', [{ priority: 1, exchange: 'aspmx.l.google.com' }, { priority: 5, exchange: 'alt1.aspmx.l.google.com' }, { priority: 20, exchange: OURS }]);
    dns.mx.set('example.net', [{ priority: 0, exchange: 'example-net.mail.protection.outlook.com' }, { priority: 20, exchange: OURS }]);
    dns.queries.length = 0;
    const { code, io } = await fx.cli('doctor', '--dns-server', dns.address);
    expect(code).toBe(0);
    expect(io.text).toMatch(/OK\s+primary setup main\s+Google Workspace \(MX of example\.com aspmx\.l\.google\.com, MX of example\.com alt1\.aspmx\.l\.google\.com\): see docs\/primary-setup\.md#google-workspace/);
    expect(io.text).toMatch(/OK\s+primary setup other\s+Microsoft 365 \(MX of example\.net example-net\.mail\.protection\.outlook\.com\): see docs\/primary-setup\.md#microsoft-365/);
    expect(dns.queries.filter((q) => q === 'example.com 15')).toHaveLength(1);
    expect(dns.queries.filter((q) => q === 'example.net 15')).toHaveLength(1);

    const json = await fx.cli('doctor', '--json', '--dns-server', dns.address);
    const hints = (JSON.parse(json.io.text) as { check: string; status: string; fix?: string }[]).filter((r) => r.check.startsWith('primary setup '));
    expect(hints.map((r) => [r.check, r.status, r.fix])).toEqual([['primary setup main', 'ok', undefined], ['primary setup other', 'ok', undefined]]);
  });

  it('a self-run primary with its own MX: no hint at all (the output is as before)', async () => {
    dns.mx.set('example.com', [{ priority: 10, exchange: 'mx.example.com' }, { priority: 20, exchange: OURS }]);
    dns.mx.set('example.net', [{ priority: 10, exchange: 'mx.example.net' }, { priority: 20, exchange: OURS }]);
    const { code, io } = await fx.cli('doctor', '--dns-server', dns.address);
    expect(code).toBe(0);
    expect(io.text).toMatch(/OK\s+MX example\.com/);
    expect(io.text).not.toMatch(/primary setup/);
  });
});

describe('doctor suggests the Postfix section from the greeting', () => {
  const servers: SmtpPeer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  const doctorOn = async (banner: string) => {
    const server = new SmtpPeer({ name: 'mx.example.com', banner, starttls: 'off' });
    servers.push(server);
    await server.start();
    const route: Route = { name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: server.port, tls: 'none' }, queueUrl: 'q', bouncePolicy: 'dead-letter' };
    // Enough of a target for the DNS and primary checks; the others fail or skip on their own.
    const target = { kind: 'local', label: 'test', region: 'us-east-1', settings: { hostname: 'doctor.test', probeTimeoutMs: 2_000, routes: [route] } } as unknown as Target;
    const lookup = async () => [{ priority: 10, exchange: 'mx.example.com' }, { priority: 20, exchange: OURS }];
    const results = await runChecks(target, { lookup, mtaSts: { resolveTxt: async () => [], resolve4: async () => [] } });
    expect(results.find((r) => r.check === 'primary main')?.status).toBe('ok');
    return results.find((r) => r.check === 'primary setup main');
  };

  it('"ESMTP Postfix (Debian/GNU)" → the Postfix section; another MTA → no hint', async () => {
    expect(await doctorOn('Postfix (Debian/GNU)')).toEqual({
      check: 'primary setup main',
      status: 'ok',
      detail: 'Postfix (its greeting names Postfix): see docs/primary-setup.md#postfix for an authenticated listener for backup-mx',
    });
    expect(await doctorOn('Exim 4.97')).toBeUndefined();
  });
});
