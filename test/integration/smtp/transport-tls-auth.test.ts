// TLS modes (none / opportunistic / required / verify / fingerprint) and SMTP AUTH of the transport.
// AUTH runs over verify (the test CA) or fingerprint: the only modes it is sent in
// (test/security/credentials-mitm.test.ts shows the others withhold it).
import { createHash, X509Certificate } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TlsMode } from '../../../lambdas/core/model.js';
import {
  MissingCredentialsError,
  NodemailerTransportFactory,
  type NodemailerTransportOptions,
} from '../../../lambdas/adapters/smtp/nodemailer-transport.js';
import { primariesPerTest } from '../../support/smtp/primaries-per-test.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';

const primaryWith = primariesPerTest();

async function sendOne(primary: ScriptedPrimary, tls: TlsMode, extra: Partial<NodemailerTransportOptions> = {}, authSecretName?: string, tlsFingerprints?: string[]) {
  const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000, ...extra });
  const transport = await factory.open({ ...primary.asPrimary(tls), authSecretName, ...(tlsFingerprints ? { tlsFingerprints } : {}) });
  const result = await transport.send({ from: 's@sender.test', to: ['a@primary.test'] }, Readable.from([Buffer.from('Subject: t\r\n\r\nx\r\n')]));
  await transport.close();
  return result;
}

let trusted: { key: string; cert: string };
beforeAll(() => {
  trusted = makeTestCertificate(['localhost', '127.0.0.1']);
});

describe('TLS modes', () => {
  it('none: stays in plain text although STARTTLS is offered', async () => {
    const p = await primaryWith({});
    const r = await sendOne(p, 'none');
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].secure).toBe(false);
  });

  it('opportunistic: upgrades when offered, accepting a self-signed (even expired) certificate', async () => {
    const p = await primaryWith({});
    const r = await sendOne(p, 'opportunistic');
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].secure).toBe(true);
  });

  it('opportunistic: delivers in plain text when STARTTLS is not offered', async () => {
    const p = await primaryWith({ starttls: 'off' });
    const r = await sendOne(p, 'opportunistic');
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].secure).toBe(false);
  });

  it('required: fails the session with ETLS when STARTTLS is not offered', async () => {
    const p = await primaryWith({ starttls: 'off' });
    const r = await sendOne(p, 'required');
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply).toMatchObject({ errorCode: 'ETLS' });
    expect(r.replies[0].reply.code).toBeUndefined();
    expect(p.messages).toHaveLength(0);
  });

  it('required: a self-signed certificate is accepted', async () => {
    const p = await primaryWith({ starttls: 'require' });
    const r = await sendOne(p, 'required');
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].secure).toBe(true);
  });

  it('verify: an untrusted self-signed certificate fails the session with ETLS', async () => {
    const p = await primaryWith({ certificate: trusted });
    const r = await sendOne(p, 'verify');
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply.errorCode).toBe('ETLS');
    expect(r.replies[0].reply.text).toMatch(/certificate/i);
    expect(p.messages).toHaveLength(0);
  });

  it('verify: a trusted certificate naming the host is accepted', async () => {
    const p = await primaryWith({ certificate: trusted });
    const r = await sendOne(p, 'verify', { tls: { ca: trusted.cert } });
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].secure).toBe(true);
  });

  it('verify: a trusted certificate for another host name is refused', async () => {
    const other = makeTestCertificate(['mx.elsewhere.test']);
    const p = await primaryWith({ certificate: other });
    const r = await sendOne(p, 'verify', { tls: { ca: other.cert } });
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply.errorCode).toBe('ETLS');
    expect(r.replies[0].reply.text).toMatch(/altnames|does not match/i);
  });

  it('fingerprint: a self-signed certificate matching a pin is accepted', async () => {
    const p = await primaryWith({ certificate: trusted });
    const r = await sendOne(p, 'fingerprint', {}, undefined, [p.certificateFingerprint]);
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].secure).toBe(true);
  });

  it('fingerprint: a pin of the public key (SPKI) matches too, in any spelling; one of several pins is enough', async () => {
    const p = await primaryWith({ certificate: trusted });
    const spki = createHash('sha256').update(new X509Certificate(trusted.cert).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    const r = await sendOne(p, 'fingerprint', {}, undefined, [`sha256:${'00'.repeat(32)}`, spki.toLowerCase()]);
    expect(r.replies[0].reply.code).toBe(250);
  });

  it('fingerprint: another certificate fails the session with ETLS before anything is said over TLS', async () => {
    const p = await primaryWith({ certificate: trusted });
    const other = makeTestCertificate(['localhost', '127.0.0.1']);
    const pin = `sha256:${new X509Certificate(other.cert).fingerprint256}`;
    const r = await sendOne(p, 'fingerprint', {}, undefined, [pin]);
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply.errorCode).toBe('ETLS');
    expect(r.replies[0].reply.text).toContain(`matches none of primary.tlsFingerprints`);
    expect(r.replies[0].reply.text).toContain(p.certificateFingerprint);
    // No EHLO (nor anything else) after the handshake.
    expect(p.commands).toEqual(['EHLO', 'STARTTLS']);
    expect(p.messages).toHaveLength(0);
  });

  it('fingerprint: fails with ETLS when STARTTLS is not offered', async () => {
    const p = await primaryWith({ starttls: 'off', certificate: trusted });
    const r = await sendOne(p, 'fingerprint', {}, undefined, [p.certificateFingerprint]);
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply.errorCode).toBe('ETLS');
    expect(p.messages).toHaveLength(0);
  });

  it('none against a primary that insists on STARTTLS: its 530 at MAIL comes back as a transaction reply', async () => {
    const p = await primaryWith({ starttls: 'require' });
    const r = await sendOne(p, 'none');
    expect(r.connectionFailed).toBe(false);
    expect(r.replies[0].reply).toMatchObject({ code: 530, enhanced: '5.7.0' });
  });
});

describe('AUTH (over tls "verify" with the test CA)', () => {
  const auth = { username: 'relay', password: 's3cret' };
  const withAuth = (options: Parameters<typeof primaryWith>[0] = {}) => primaryWith({ auth, certificate: trusted, ...options });
  const verified = (extra: Partial<NodemailerTransportOptions>) => ({ tls: { ca: trusted.cert }, ...extra });

  it('logs in with the credentials the caller resolves', async () => {
    const p = await withAuth();
    const r = await sendOne(p, 'verify', verified({ auth: { credentials: async (name) => (name === 'primary-auth' ? auth : Promise.reject(new Error(name))) } }), 'primary-auth');
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].user).toBe('relay');
    expect(p.messages[0].secure).toBe(true);
  });

  it('wrong credentials: session failure EAUTH, the 535 kept in the text only (defer, never bounce)', async () => {
    const p = await withAuth();
    const r = await sendOne(p, 'verify', verified({ auth: { credentials: async () => ({ username: 'relay', password: 'wrong' }) } }), 'primary-auth');
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply.errorCode).toBe('EAUTH');
    expect(r.replies[0].reply.code).toBeUndefined();
    expect(r.replies[0].reply.text).toContain('535');
  });

  it('refused credentials make the credential source forget them, so the next session reads the secret again', async () => {
    const p = await withAuth();
    const forgotten: string[] = [];
    const source = { credentials: async () => ({ username: 'relay', password: 'old' }), forget: (name: string) => forgotten.push(name) };
    const r = await sendOne(p, 'verify', verified({ auth: source }), 'primary-auth');
    expect(r.replies[0].reply.errorCode).toBe('EAUTH');
    expect(forgotten).toEqual(['primary-auth']);
    // Accepted credentials are kept.
    const ok = await sendOne(p, 'verify', verified({ auth: { ...source, credentials: async () => auth } }), 'primary-auth');
    expect(ok.replies[0].reply.code).toBe(250);
    expect(forgotten).toEqual(['primary-auth']);
  });

  it('credentials configured but AUTH not offered: session failure rather than sending unauthenticated', async () => {
    const p = await primaryWith({ certificate: trusted });
    const r = await sendOne(p, 'verify', verified({ auth: { credentials: async (name) => (name === 'primary-auth' ? auth : Promise.reject(new Error(name))) } }), 'primary-auth');
    expect(r.connectionFailed).toBe(true);
    expect(r.replies[0].reply.errorCode).toBe('EAUTH');
    expect(p.messages).toHaveLength(0);
  });

  it('logs in over tls "fingerprint" too (a self-signed certificate, pinned)', async () => {
    const p = await withAuth();
    const r = await sendOne(p, 'fingerprint', { auth: { credentials: async () => auth } }, 'primary-auth', [p.certificateFingerprint]);
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].user).toBe('relay');
  });

  it('without authSecretName no credentials are read and no AUTH is sent', async () => {
    const p = await primaryWith({});
    const r = await sendOne(p, 'none', { auth: { credentials: () => Promise.reject(new Error('must not be read')) } });
    expect(r.replies[0].reply.code).toBe(250);
    expect(p.messages[0].user).toBeUndefined();
  });

  it('a failing secret read makes open() throw (transient for the drain)', async () => {
    const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', auth: { credentials: () => Promise.reject(new Error('throttled')) } });
    await expect(factory.open({ host: '127.0.0.1', port: 2525, tls: 'none', authSecretName: 'x' })).rejects.toThrow('throttled');
  });

  it('a primary naming an AUTH secret with no credential source is a configuration error at open()', async () => {
    const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test' });
    await expect(factory.open({ host: '127.0.0.1', port: 2525, tls: 'none', authSecretName: 'x' })).rejects.toBeInstanceOf(
      MissingCredentialsError,
    );
  });
});
