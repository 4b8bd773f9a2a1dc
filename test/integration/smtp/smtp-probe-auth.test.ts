// The probe authenticates when the route names an AUTH secret: a primary that
// answers but refuses our credentials is not "up". AUTH runs over tls
// "fingerprint" (a self-signed certificate, pinned): the probe withholds it on
// any session whose peer is not authenticated (test/security/credentials-mitm.test.ts).
import { describe, expect, it } from 'vitest';
import { SmtpProbe } from '../../../lambdas/adapters/smtp/smtp-probe.js';
import { offeredMechanisms } from '../../../lambdas/adapters/smtp/probe-auth.js';
import { primariesPerTest } from '../../support/smtp/primaries-per-test.js';
import type { ScriptedPrimaryOptions } from '../../support/smtp/scripted-primary-script.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';

const primaries = primariesPerTest();
const certificate = makeTestCertificate(['localhost', '127.0.0.1']);
const primaryWith = (options: ScriptedPrimaryOptions = {}) => primaries({ certificate, ...options });
const good = { username: 'relay', password: 's3cret' };

function source(credentials: { username: string; password: string }) {
  const reads: string[] = [];
  const forgotten: string[] = [];
  return {
    reads,
    forgotten,
    credentials: async (name: string) => {
      reads.push(name);
      return credentials;
    },
    forget: (name: string) => void forgotten.push(name),
  };
}

describe('SmtpProbe with AUTH', () => {
  it('accepted credentials: up, the secret named by the route read once', async () => {
    const p = await primaryWith({ auth: good });
    const auth = source(good);
    const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 500, auth });
    const result = await probe.check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' });
    expect(result).toMatchObject({ ok: true });
    expect(result.authRefused).toBeUndefined();
    expect(auth.reads).toEqual(['backup-mx/corp']);
  });

  it('refused credentials: not up, authRefused, the 535 in the error (never the password), cache dropped', async () => {
    const p = await primaryWith({ auth: good });
    const auth = source({ username: 'relay', password: 'rotated-away' });
    const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 500, auth });
    const result = await probe.check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' });
    expect(result.ok).toBe(false);
    expect(result.authRefused).toBe(true);
    expect(result.error).toMatch(/^AUTH: 535/);
    expect(result.error).not.toContain('rotated-away');
    expect(auth.forgotten).toEqual(['backup-mx/corp']);
  });

  it('AUTH configured but not offered: not up, and not called a credential refusal', async () => {
    const p = await primaryWith({});
    const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 500, auth: source(good) });
    const result = await probe.check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' });
    expect(result).toMatchObject({ ok: false, error: 'AUTH: not offered' });
    expect(result.authRefused).toBeUndefined();
  });

  it('a secret that cannot be read: not up, naming the step', async () => {
    const p = await primaryWith({ auth: good });
    const probe = new SmtpProbe({
      clientName: 'backup-mx.test',
      stepTimeoutMs: 500,
      auth: { credentials: () => Promise.reject(new Error('AccessDeniedException')) },
    });
    const result = await probe.check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' });
    expect(result).toMatchObject({ ok: false, error: 'AUTH: cannot read the secret: AccessDeniedException' });
  });

  it('without authSecretName the probe sends no AUTH (and reads nothing)', async () => {
    const p = await primaryWith({ auth: good });
    const auth = source(good);
    const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 500, auth });
    expect((await probe.check(p.asPinnedPrimary())).ok).toBe(true);
    expect(auth.reads).toEqual([]);
  });

  it('skipAuth: the primary sees no AUTH; up, with the digest of the secret read fresh', async () => {
    const p = await primaryWith({ auth: good });
    const auth = { ...source({ username: 'relay', password: 'wrong' }), digest: async (name: string) => `fresh-${name}` };
    const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 500, auth });
    const result = await probe.check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' }, { skipAuth: true });
    expect(result).toMatchObject({ ok: true, credentialDigest: 'fresh-backup-mx/corp' });
    expect(p.authAttempts).toEqual([]);
    expect(auth.reads).toEqual([]);
    // Without skipAuth the same wrong password reaches the primary.
    expect(await probe.check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' })).toMatchObject({ ok: false, authRefused: true });
    expect(p.authAttempts).toEqual(['relay']);
  });

  it('the digest changes with the password and never contains it; the refused one is reported with the refusal', async () => {
    const p = await primaryWith({ auth: good });
    const check = (password: string, skipAuth: boolean) =>
      new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 500, auth: source({ username: 'relay', password }) }).check({ ...p.asPinnedPrimary(), authSecretName: 'backup-mx/corp' }, { skipAuth });
    const refused = await check('old-password', false);
    expect(refused).toMatchObject({ ok: false, authRefused: true });
    expect(refused.credentialDigest).toMatch(/^[0-9a-f]{16}$/);
    expect((await check('old-password', true)).credentialDigest).toBe(refused.credentialDigest);
    expect((await check('s3cret', true)).credentialDigest).not.toBe(refused.credentialDigest);
    expect(JSON.stringify(refused)).not.toContain('old-password');
  });

  it('reads the mechanisms from the EHLO reply', () => {
    expect(offeredMechanisms({ code: 250, lines: ['250-primary.test', '250-AUTH LOGIN PLAIN', '250 SIZE'] })).toEqual(['LOGIN', 'PLAIN']);
    expect(offeredMechanisms({ code: 250, lines: ['250-primary.test', '250 AUTH=LOGIN'] })).toEqual(['LOGIN']);
    expect(offeredMechanisms({ code: 250, lines: ['250 primary.test'] })).toEqual([]);
  });
});
