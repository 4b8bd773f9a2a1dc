// doctor's MTA-STS, SIZE and certificate checks against stand-ins on
// 127.0.0.1: a DNS server (TXT and A records), an HTTPS server serving the
// policy with a test CA, and real SMTP primaries (smtp-server) announcing SIZE
// and presenting certificates.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMtaSts, mtaStsResolver, mxMatches, parsePolicy, type MtaStsDeps } from '../../../cli/doctor/mta-sts-check.js';
import { checkCertificate, checkSize, readPrimarySession, SES_MAX_MESSAGE_BYTES } from '../../../cli/doctor/primary-smtp-check.js';
import type { Route } from '../../../lambdas/core/model.js';
import { TestDnsServer } from '../../support/net/dns-server.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import type { ScriptedPrimaryOptions } from '../../support/smtp/scripted-primary-script.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const OURS = 'inbound-smtp.us-east-1.amazonaws.com';

describe('MTA-STS policy check', () => {
  let dns: TestDnsServer;
  let https: Server;
  let deps: MtaStsDeps;
  const policies = new Map<string, { status: number; body: string }>();
  const cert = makeTestCertificate(['mta-sts.enforce.test', 'mta-sts.listed.test', 'mta-sts.testing.test', 'mta-sts.wild.test', 'mta-sts.none.test', 'mta-sts.gone.test'], 30);

  beforeAll(async () => {
    dns = await TestDnsServer.start();
    https = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      const policy = policies.get(String(req.headers.host));
      if (req.url !== '/.well-known/mta-sts.txt' || !policy) return res.writeHead(404).end();
      res.writeHead(policy.status, { 'content-type': 'text/plain' }).end(policy.body);
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    deps = { ...mtaStsResolver(dns.address), port: (https.address() as AddressInfo).port, ca: cert.cert, timeoutMs: 2_000 };
    const serve = (domain: string, body: string, status = 200) => {
      dns.txt.set(`_mta-sts.${domain}`, ['v=STSv1; id=20261201']);
      dns.a.set(`mta-sts.${domain}`, ['127.0.0.1']);
      policies.set(`mta-sts.${domain}`, { status, body });
    };
    serve('enforce.test', 'version: STSv1\r\nmode: enforce\r\nmx: mail.enforce.test\r\nmax_age: 604800\r\n');
    serve('listed.test', `version: STSv1\nmode: enforce\nmx: mail.listed.test\nmx: ${OURS}\nmax_age: 86400\n`);
    serve('wild.test', 'version: STSv1\nmode: enforce\nmx: mail.wild.test\nmx: *.us-east-1.amazonaws.com\nmax_age: 86400\n');
    serve('testing.test', 'version: STSv1\nmode: testing\nmx: mail.testing.test\nmax_age: 86400\n');
    serve('none.test', 'version: STSv1\nmode: none\nmax_age: 86400\n');
    serve('gone.test', 'not here', 404);
  });
  afterAll(async () => {
    await dns.stop();
    await new Promise<void>((resolve) => https.close(() => resolve()));
  });

  it('matches mx patterns as RFC 8461 says: "*." is exactly one leftmost label', () => {
    expect(mxMatches(OURS, OURS)).toBe(true);
    expect(mxMatches('*.us-east-1.amazonaws.com', OURS)).toBe(true);
    expect(mxMatches('*.amazonaws.com', OURS)).toBe(false);
    expect(mxMatches('*.inbound-smtp.us-east-1.amazonaws.com', OURS)).toBe(false);
    expect(parsePolicy('version: STSv1\r\nmode: enforce\r\nmx: A.example\r\n')).toEqual({ version: 'STSv1', mode: 'enforce', mx: ['a.example'] });
  });

  it.each([
    ['no-policy.test', 'ok', /no MTA-STS policy/],
    ['enforce.test', 'fail', /mode enforce, mx patterns mail\.enforce\.test do not match our MX inbound-smtp\.us-east-1\.amazonaws\.com/],
    ['listed.test', 'ok', /matches the policy's mx patterns/],
    ['wild.test', 'ok', /matches/],
    ['testing.test', 'warn', /testing mode/],
    ['none.test', 'ok', /mode none/],
    ['gone.test', 'warn', /could not be read: HTTP 404/],
  ])('%s → %s', async (domain, status, detail) => {
    const result = await checkMtaSts(deps, domain, 'us-east-1');
    expect(result.status).toBe(status);
    expect(result.detail).toMatch(detail);
    if (status === 'fail') expect(result.fix).toContain(`mx: ${OURS}`);
  });

  it('a policy host whose certificate is not trusted is reported (senders ignore such a policy)', async () => {
    const result = await checkMtaSts({ ...deps, ca: makeTestCertificate(['other.test']).cert }, 'enforce.test', 'us-east-1');
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/could not be read: .*(self-signed|unable to verify|SELF_SIGNED|UNABLE)/i);
  });
});

describe('primary EHLO SIZE and certificate checks', () => {
  const primaries: ScriptedPrimary[] = [];
  const start = async (options: ScriptedPrimaryOptions) => {
    const p = await ScriptedPrimary.start(options);
    primaries.push(p);
    return p;
  };
  afterAll(async () => {
    for (const p of primaries) await p.stop();
  });
  const routeTo = (p: ScriptedPrimary, tls: Route['primary']['tls'], host = '127.0.0.1'): Route => ({
    name: 'main', domains: ['example.com'], primary: { ...p.asPrimary(tls), host }, queueUrl: 'q', bouncePolicy: 'dsn',
  });

  it('warns when SIZE is below SES\'s 40 MB, passes at or above it and without a limit', async () => {
    const small = await start({ starttls: 'off', size: 10 * 1024 * 1024 });
    const big = await start({ starttls: 'off', size: SES_MAX_MESSAGE_BYTES + 4096 });
    const none = await start({ starttls: 'off' });
    const r1 = checkSize(routeTo(small, 'none'), await readPrimarySession(routeTo(small, 'none'), { clientName: 'doctor.test' }));
    expect(r1.status).toBe('warn');
    expect(r1.detail).toMatch(/at most 10485760 bytes \(10\.0 MiB\); SES accepts up to 40\.0 MiB/);
    expect(checkSize(routeTo(big, 'none'), await readPrimarySession(routeTo(big, 'none'), { clientName: 'doctor.test' })).status).toBe('ok');
    expect(checkSize(routeTo(none, 'none'), await readPrimarySession(routeTo(none, 'none'), { clientName: 'doctor.test' })).status).toBe('ok');
  });

  it('verify mode: a trusted certificate passes; untrusted, wrong name, soon expiring, or no STARTTLS fail or warn', async () => {
    const good = makeTestCertificate(['localhost', '127.0.0.1'], 90);
    const soon = makeTestCertificate(['localhost', '127.0.0.1'], 2);
    const wrongName = makeTestCertificate(['elsewhere.test'], 90);
    const trusted = await start({ starttls: 'offer', certificate: good, size: 50 * 1024 * 1024 });
    const expiring = await start({ starttls: 'offer', certificate: soon });
    const misnamed = await start({ starttls: 'offer', certificate: wrongName });
    const plain = await start({ starttls: 'off' });
    const now = new Date();
    const check = async (p: ScriptedPrimary, ca?: string, tls: Route['primary']['tls'] = 'verify') => {
      const route = routeTo(p, tls);
      return checkCertificate(route, await readPrimarySession(route, { clientName: 'doctor.test', ...(ca ? { ca } : {}) }), now);
    };
    const ok = await check(trusted, good.cert);
    expect(ok.status).toBe('ok');
    expect(ok.detail).toMatch(/valid for 127\.0\.0\.1 until .* \((89|90) days\)/);
    // SIZE read after STARTTLS, from the second EHLO.
    const session = await readPrimarySession(routeTo(trusted, 'verify'), { clientName: 'doctor.test', ca: good.cert });
    expect(session.tls?.authorized).toBe(true);
    expect(checkSize(routeTo(trusted, 'verify'), session).status).toBe('ok');

    expect(await check(trusted)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/not trusted/) }); // not our CA
    expect(await check(expiring, soon.cert)).toMatchObject({ status: 'warn', detail: expect.stringMatching(/expires in [01] days?/) });
    expect(await check(misnamed, wrongName.cert)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/IP: 127\.0\.0\.1 is not in the cert's list|does not match/) });
    expect(await check(plain)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/does not offer STARTTLS/) });
    expect((await check(trusted, undefined, 'required')).status).toBe('skip');
  });
});

describe('doctor runs the new checks (--local)', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(() => fx.stop());

  it('lists MTA-STS per domain and SIZE/certificate per primary', async () => {
    const dns = await TestDnsServer.start({
      'example.com': [{ priority: 10, exchange: 'mx.example.com' }, { priority: 20, exchange: OURS }],
      'example.net': [{ priority: 10, exchange: 'mx.example.net' }, { priority: 20, exchange: OURS }],
    });
    try {
      const { code, io } = await fx.cli('doctor', '--dns-server', dns.address);
      expect(code).toBe(0);
      expect(io.text).toMatch(/OK\s+MTA-STS example\.com\s+no MTA-STS policy/);
      expect(io.text).toMatch(/OK\s+primary SIZE main\s+no SIZE limit announced/);
      expect(io.text).toMatch(/SKIP\s+primary TLS certificate main\s+tls is "none"/);
      expect(dns.queries).toContain('_mta-sts.example.com 16');
    } finally {
      await dns.stop();
    }
  });
});
