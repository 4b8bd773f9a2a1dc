// The primary probe against a scripted primary: which step failed, and how long it took.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateDigests } from '../../../lambdas/adapters/smtp/tls-pins.js';
import { SmtpProbe } from '../../../lambdas/adapters/smtp/smtp-probe.js';
import { primariesPerTest } from '../../support/smtp/primaries-per-test.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';

const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 300 });
const primaryWith = primariesPerTest();

describe('SmtpProbe', () => {
  it('up: greeting, EHLO, QUIT; reports latency and the greeting, and leaves no connection open', async () => {
    const p = await primaryWith();
    const result = await probe.check(p.asPrimary('none'));
    expect(result).toMatchObject({ ok: true, greeting: '220 primary.test ESMTP' });
    expect(result.error).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(90); // smtp-server's 100 ms greeting delay
    expect(result.latencyMs).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.openConnections).toBe(0);
    expect(p.connectionCount).toBe(1);
  });

  it('up with STARTTLS for opportunistic and required (certificate not checked)', async () => {
    const p = await primaryWith({ starttls: 'require' });
    expect((await probe.check(p.asPrimary('opportunistic'))).ok).toBe(true);
    expect((await probe.check(p.asPrimary('required'))).ok).toBe(true);
  });

  it('opportunistic is up when STARTTLS is not offered', async () => {
    const p = await primaryWith({ starttls: 'off' });
    expect(await probe.check(p.asPrimary('opportunistic'))).toMatchObject({ ok: true });
  });

  it('refused connection: "connect: ECONNREFUSED"', async () => {
    const p = await primaryWith();
    const target = p.asPrimary('none');
    await p.stop();
    const result = await probe.check(target);
    expect(result).toMatchObject({ ok: false, error: 'connect: ECONNREFUSED' });
    expect(result.greeting).toBeUndefined();
  });

  it('421 greeting: down, with the reply', async () => {
    const p = await primaryWith({ script: { greeting: { code: 421, enhanced: '4.3.2', text: 'Service not available' } } });
    const result = await probe.check(p.asPrimary('none'));
    expect(result).toMatchObject({ ok: false, error: 'greeting: 421 4.3.2 Service not available' });
  });

  it('stalled greeting: "greeting: timeout after 300 ms"', async () => {
    const p = await primaryWith({ script: { greeting: 'stall' } });
    const result = await probe.check(p.asPrimary('none'));
    expect(result).toMatchObject({ ok: false, error: 'greeting: timeout after 300 ms' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it('STARTTLS required but not offered: "STARTTLS: not offered"', async () => {
    const p = await primaryWith({ starttls: 'off' });
    expect(await probe.check(p.asPrimary('required'))).toMatchObject({ ok: false, error: 'STARTTLS: not offered' });
    expect(await probe.check(p.asPrimary('verify'))).toMatchObject({ ok: false, error: 'STARTTLS: not offered' });
  });

  it('verify: an untrusted certificate fails at the TLS step; a trusted one passes', async () => {
    const cert = makeTestCertificate(['localhost', '127.0.0.1']);
    const p = await primaryWith({ certificate: cert });
    const untrusted = await probe.check(p.asPrimary('verify'));
    expect(untrusted.ok).toBe(false);
    expect(untrusted.error).toMatch(/^TLS: .*certificate/);
    const trusting = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 300, tls: { ca: cert.cert } });
    expect(await trusting.check(p.asPrimary('verify'))).toMatchObject({ ok: true });
  });

  it('fingerprint: a pinned self-signed certificate passes; another one fails at the TLS step, with nothing said over it', async () => {
    const cert = makeTestCertificate(['localhost', '127.0.0.1']);
    const p = await primaryWith({ certificate: cert });
    expect(await probe.check(p.asPinnedPrimary())).toMatchObject({ ok: true });
    p.commands.length = 0;
    const other = { ...p.asPinnedPrimary(), tlsFingerprints: [`sha256:${'AB:'.repeat(31)}AB`] };
    const refused = await probe.check(other);
    expect(refused.ok).toBe(false);
    const { publicKey } = certificateDigests(new X509Certificate(cert.cert).raw);
    expect(refused.error).toBe(`TLS: the certificate of 127.0.0.1:${p.port} (${p.certificateFingerprint}, public key ${publicKey}) matches none of primary.tlsFingerprints`);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.commands).toEqual(['EHLO', 'STARTTLS']);
  });

  it('fingerprint without STARTTLS offered: "STARTTLS: not offered"', async () => {
    const cert = makeTestCertificate(['localhost', '127.0.0.1']);
    const p = await primaryWith({ starttls: 'off', certificate: cert });
    expect(await probe.check(p.asPinnedPrimary())).toMatchObject({ ok: false, error: 'STARTTLS: not offered' });
  });

  it('a primary that comes back on the same port is seen up again', async () => {
    const p = await primaryWith();
    const target = p.asPrimary('none');
    await p.stop();
    expect((await probe.check(target)).ok).toBe(false);
    await p.restart();
    expect((await probe.check(target)).ok).toBe(true);
  });
});
