// doctor and the primary's certificate: the fingerprint ready to paste as
// tlsFingerprints, whether it would pass "verify", whether it matches the pins;
// a "fingerprint" route whose pin does not match fails, and still shows the
// certificate it got. Real SMTP primaries (smtp-server) on 127.0.0.1.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../../cli/commands/doctor.js';
import { checkCertificate, checkFingerprint, readPrimarySession } from '../../../cli/doctor/primary-smtp-check.js';
import type { Target } from '../../../cli/target.js';
import { certificateDigests } from '../../../lambdas/adapters/smtp/tls-pins.js';
import type { PrimaryServer, Route } from '../../../lambdas/core/model.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';

const cert = makeTestCertificate(['localhost', '127.0.0.1'], 90);
const { certificate: PIN, publicKey: SPKI } = certificateDigests(new X509Certificate(cert.cert).raw);
const OTHER = `sha256:${new X509Certificate(makeTestCertificate(['localhost']).cert).fingerprint256}`;

let primary: ScriptedPrimary;
let plain: ScriptedPrimary;
beforeAll(async () => {
  primary = await ScriptedPrimary.start({ starttls: 'offer', certificate: cert });
  plain = await ScriptedPrimary.start({ starttls: 'off' });
});
afterAll(async () => {
  await primary.stop();
  await plain.stop();
});

const routeTo = (p: ScriptedPrimary, over: Partial<PrimaryServer>): Route => ({
  name: 'main', domains: ['example.com'], primary: { ...p.asPrimary('fingerprint'), ...over }, queueUrl: 'q', bouncePolicy: 'dsn',
});
const session = (route: Route, ca?: string) => readPrimarySession(route, { clientName: 'doctor.test', ...(ca ? { ca } : {}) });

describe('the primary TLS fingerprint line', () => {
  it('prints the pin ready to paste, and says the self-signed certificate would not pass "verify"', async () => {
    const route = routeTo(primary, { tls: 'required' });
    const result = checkFingerprint(route, await session(route));
    expect(result).toMatchObject({ status: 'ok', check: 'primary TLS fingerprint main' });
    expect(result.detail).toBe(`"tlsFingerprints": ["${PIN}"] (public key ${SPKI}); it does not verify against the public CAs (DEPTH_ZERO_SELF_SIGNED_CERT); no tlsFingerprints configured`);
  });

  it('with its CA trusted: verifies for the host name; a trusted certificate for another name: not valid for the host', async () => {
    const verified = routeTo(primary, { tls: 'verify' });
    expect(checkFingerprint(verified, await session(verified, cert.cert)).detail).toContain('; it verifies against the public CAs for 127.0.0.1; ');
    const elsewhere = makeTestCertificate(['mx.elsewhere.test']);
    const misnamed = await ScriptedPrimary.start({ starttls: 'offer', certificate: elsewhere });
    try {
      const route = routeTo(misnamed, { tls: 'verify' });
      expect(checkFingerprint(route, await session(route, elsewhere.cert)).detail).toMatch(/; it is not valid for 127\.0\.0\.1 \(.*IP: 127\.0\.0\.1 is not in the cert's list/);
    } finally {
      await misnamed.stop();
    }
  });

  it('says whether the configured pins match', async () => {
    const pinned = routeTo(primary, { tlsFingerprints: [OTHER, PIN] });
    expect(checkFingerprint(pinned, await session(pinned)).detail).toMatch(/; matches tlsFingerprints$/);
    const stale = routeTo(primary, { tlsFingerprints: [OTHER] });
    expect(checkFingerprint(stale, await session(stale)).detail).toMatch(/; matches none of tlsFingerprints$/);
  });

  it('is skipped for tls "none" and when STARTTLS is not offered', async () => {
    const none = routeTo(primary, { tls: 'none' });
    expect(checkFingerprint(none, await session(none))).toMatchObject({ status: 'skip', detail: 'tls is "none": no STARTTLS tried' });
    const noTls = routeTo(plain, { tls: 'required' });
    expect(checkFingerprint(noTls, await session(noTls))).toMatchObject({ status: 'skip' });
  });
});

describe('the certificate check of a "fingerprint" route', () => {
  it('passes when a pin matches, whatever CA and name (as Postfix\'s fingerprint level)', async () => {
    const route = routeTo(primary, { tlsFingerprints: [SPKI] });
    expect(checkCertificate(route, await session(route), new Date())).toMatchObject({ status: 'ok', detail: `matches tlsFingerprints ("tlsFingerprints": ["${PIN}"])` });
  });

  it('fails when none matches, with the certificate it got in the fix', async () => {
    const route = routeTo(primary, { tlsFingerprints: [OTHER] });
    const result = checkCertificate(route, await session(route), new Date());
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/matches none of tlsFingerprints: the drain and the probe refuse it/);
    expect(result.fix).toContain(`set "tlsFingerprints": ["${PIN}"]`);
    expect(result.fix).toContain(`openssl s_client -starttls smtp -connect 127.0.0.1:${primary.port}`);
  });

  it('fails when STARTTLS is not offered', async () => {
    const route = routeTo(plain, { tlsFingerprints: [PIN] });
    expect(checkCertificate(route, await session(route), new Date())).toMatchObject({ status: 'fail', detail: expect.stringMatching(/does not offer STARTTLS, which tls "fingerprint" requires/) });
  });

  it('"verify" refused: the fix offers pinning this very certificate', async () => {
    const route = routeTo(primary, { tls: 'verify' });
    const result = checkCertificate(route, await session(route), new Date());
    expect(result.status).toBe('fail');
    expect(result.fix).toContain(`or pin the one it has with tls "fingerprint" and "tlsFingerprints": ["${PIN}"]`);
  });
});

describe('doctor on a route whose pin no longer matches', () => {
  it('fails the primary and still shows the certificate it got, with the line to paste', async () => {
    const route = routeTo(primary, { tlsFingerprints: [OTHER] });
    // Enough of a target for the primary checks; the others fail or skip on their own.
    const target = { kind: 'local', label: 'test', region: 'us-east-1', settings: { hostname: 'doctor.test', probeTimeoutMs: 2_000, routes: [route] } } as unknown as Target;
    const results = await runChecks(target, { lookup: async () => [], mtaSts: { resolveTxt: async () => [], resolve4: async () => [] } });
    const byName = new Map(results.map((r) => [r.check, r]));
    expect(byName.get('primary main')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^127\.0\.0\.1:\d+ \(tls fingerprint\) from here: TLS: the certificate of .* matches none of primary\.tlsFingerprints$/) });
    expect(byName.get('primary TLS certificate main')?.status).toBe('fail');
    expect(byName.get('primary TLS fingerprint main')?.detail).toContain(`"tlsFingerprints": ["${PIN}"]`);
  });
});
