// Attacker: someone on the network between backup-mx and the primary, who wants
// the primary's SMTP AUTH password. Two men in the middle on 127.0.0.1 (real
// SMTP servers, smtp-server) stand where the primary should be, both offering
// AUTH PLAIN LOGIN and accepting any password:
//   - "strips STARTTLS": its EHLO has no STARTTLS, so a client that goes on goes on in plain text;
//   - "own certificate": it answers STARTTLS with a self-signed certificate it just made
//     for the primary's own names (the real primary's certificate is another one).
// Neither may receive an AUTH command (their onAuth is never called, no AUTH in
// the commands they parsed, no password on the wire) from any client that can
// log in — the probe, the drain's SMTP sessions, `recipients verify` (callout)
// and the local runner — in any tls mode: both for routes that config
// validation accepts (AUTH only with "verify" or "fingerprint") and, one layer
// down, for routes built by hand that validation would refuse (defence in depth,
// lambdas/adapters/smtp/credential-gate.ts).
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { credentialsRefusal } from '../../lambdas/adapters/smtp/credential-gate.js';
import { NodemailerTransportFactory } from '../../lambdas/adapters/smtp/nodemailer-transport.js';
import { SmtpCallout } from '../../lambdas/adapters/smtp/smtp-callout.js';
import { SmtpProbe } from '../../lambdas/adapters/smtp/smtp-probe.js';
import type { PrimaryServer, TlsMode } from '../../lambdas/core/model.js';
import { AUTH_WITHHELD } from '../../lambdas/core/policy/smtp-reply-classifier.js';
import { BackupMxConfigError, parseBackupMxConfig, TLS_MODES } from '../../lib/config/backup-mx-config.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, type StartedMx } from '../support/runner/e2e-support.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../support/smtp/scripted-primary-certificate.js';

const CREDENTIALS = { username: 'backup-mx@mx.example.com', password: 'the-mitm-must-never-see-this' };
const SECRET = 'backup-mx/corp';
/** The real primary's certificate: pinned by "fingerprint" routes, the trusted CA of "verify" ones. */
const REAL = makeTestCertificate(['localhost', '127.0.0.1']);
const REAL_PIN = `sha256:${new X509Certificate(REAL.cert).fingerprint256}`;
const MODES: TlsMode[] = ['none', 'opportunistic', 'required', 'verify', 'fingerprint'];

/** Whatever form the password could take on the wire: as is, AUTH PLAIN's blob, AUTH LOGIN's line. */
const SECRET_FORMS = [
  CREDENTIALS.password,
  Buffer.from(`\0${CREDENTIALS.username}\0${CREDENTIALS.password}`).toString('base64'),
  Buffer.from(CREDENTIALS.password).toString('base64'),
];

interface Mitm {
  name: string;
  server: ScriptedPrimary;
}

const mitms: Record<'strip' | 'ownCert', Mitm> = {} as never;
beforeAll(async () => {
  mitms.strip = { name: 'strips STARTTLS', server: await ScriptedPrimary.start({ starttls: 'off', auth: CREDENTIALS }) };
  mitms.ownCert = { name: 'answers STARTTLS with its own certificate', server: await ScriptedPrimary.start({ starttls: 'offer', certificate: makeTestCertificate(['localhost', '127.0.0.1']), auth: CREDENTIALS }) };
});
afterAll(async () => {
  await Promise.all(Object.values(mitms).map((m) => m.server.stop()));
});
beforeEach(() => {
  for (const { server } of Object.values(mitms)) {
    server.authAttempts.length = 0;
    server.commands.length = 0;
    server.wire.length = 0;
    server.reset();
  }
});

/** What no man in the middle may ever have: an AUTH command, the password in any form, or the mail. */
async function expectNothingFor(mitm: Mitm): Promise<void> {
  await new Promise((r) => setTimeout(r, 30)); // the last bytes of a closing session
  const { server } = mitm;
  expect(server.authAttempts).toEqual([]); // onAuth never called
  expect(server.commands).not.toContain('AUTH');
  const wire = Buffer.concat(server.wire).toString('latin1');
  for (const form of SECRET_FORMS) expect(wire).not.toContain(form);
  expect(wire).not.toMatch(/^AUTH /m);
  expect(server.messages).toEqual([]);
}

/** A route to the man in the middle as a Lambda would see it, built directly (validation not asked). */
const routeTo = (mitm: Mitm, tls: TlsMode): PrimaryServer => ({
  ...mitm.server.asPrimary(tls),
  authSecretName: SECRET,
  ...(tls === 'fingerprint' ? { tlsFingerprints: [REAL_PIN] } : {}),
});

function credentialSource() {
  const reads: string[] = [];
  return { reads, credentials: async (name: string) => (reads.push(name), CREDENTIALS) };
}

const failsWithoutStartTls = (tls: TlsMode) => tls === 'required' || tls === 'verify' || tls === 'fingerprint';

/** How each mode ends against each man in the middle: the probe's error. */
function expectedProbeError(mitm: 'strip' | 'ownCert', tls: TlsMode, port: number): RegExp {
  const where = `127\\.0\\.0\\.1:${port}`;
  if (mitm === 'strip' && failsWithoutStartTls(tls)) return /^STARTTLS: not offered$/;
  if (tls === 'verify' || tls === 'fingerprint') {
    return tls === 'verify' ? /^TLS: self[- ]signed certificate/ : new RegExp(`^TLS: the certificate of ${where} \\(sha256:[0-9A-F:]+, public key sha256:[0-9A-F:]+\\) matches none of primary\\.tlsFingerprints$`);
  }
  const why = mitm === 'strip' || tls === 'none' ? 'no TLS' : 'certificate not verified: DEPTH_ZERO_SELF_SIGNED_CERT';
  return new RegExp(`^AUTH withheld: the session to ${where} is not TLS-verified \\(tls "${tls}": ${why}\\); use tls "verify" .* or "fingerprint" with tlsFingerprints`);
}

describe.each([
  ['strips STARTTLS', 'strip'],
  ['answers STARTTLS with its own certificate', 'ownCert'],
] as const)('a man in the middle that %s', (_title, key) => {
  const mitm = () => mitms[key];
  // A CA that trusts the real primary's certificate: "verify" is refused by the MITM's certificate, not by a missing CA.
  const tls = { ca: REAL.cert };

  it.each(MODES)('the probe sends it no AUTH with tls "%s"', async (mode) => {
    const auth = credentialSource();
    const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 1_000, auth, tls });
    const result = await probe.check(routeTo(mitm(), mode));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(expectedProbeError(key, mode, mitm().server.port));
    expect(result.authRefused).toBeUndefined();
    // Withheld before the secret is even read.
    expect(auth.reads).toEqual([]);
    await expectNothingFor(mitm());
  });

  it.each(MODES)('the drain\'s SMTP session sends it no AUTH (nor the mail) with tls "%s"', async (mode) => {
    const factory = new NodemailerTransportFactory({ clientName: 'backup-mx.test', socketTimeoutMs: 2_000, auth: credentialSource(), tls });
    const transport = await factory.open(routeTo(mitm(), mode));
    const result = await transport.send({ from: 'alice@sender.test', to: ['bob@example.com'] }, Readable.from([clientMessage(1, 'bob@example.com')]));
    await transport.close();
    expect(result.connectionFailed).toBe(true);
    const reply = result.replies[0]!.reply;
    expect(reply.code).toBeUndefined(); // a session failure: deferred, never bounced
    if (mode === 'verify' || mode === 'fingerprint' || (key === 'strip' && failsWithoutStartTls(mode))) expect(reply.errorCode).toBe('ETLS');
    else expect(reply).toMatchObject({ errorCode: AUTH_WITHHELD, text: expect.stringMatching(expectedProbeError(key, mode, mitm().server.port)) });
    await expectNothingFor(mitm());
  });

  it.each(MODES)('recipients verify (the callout) sends it no AUTH with tls "%s"', async (mode) => {
    const callout = new SmtpCallout({ clientName: 'backup-mx.test', stepTimeoutMs: 1_000, auth: credentialSource(), tls });
    await expect(callout.open(routeTo(mitm(), mode))).rejects.toThrow(expectedProbeError(key, mode, mitm().server.port));
    await expectNothingFor(mitm());
  });
});

describe('the credential gate itself', () => {
  it('refuses a session that is not TLS, whatever the mode says', () => {
    expect(credentialsRefusal(undefined, routeTo(mitms.strip, 'verify'))).toBe('no TLS');
  });

  it('allows AUTH on an "opportunistic" session whose certificate verifies for the host: it judges the peer, not the mode\'s name', async () => {
    const genuine = await ScriptedPrimary.start({ starttls: 'offer', certificate: REAL, auth: CREDENTIALS });
    try {
      const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 1_000, auth: credentialSource(), tls: { ca: REAL.cert } });
      expect(await probe.check({ ...genuine.asPrimary('opportunistic'), authSecretName: SECRET })).toMatchObject({ ok: true });
      expect(genuine.authAttempts).toEqual([CREDENTIALS.username]);
    } finally {
      await genuine.stop();
    }
  });

  it('refuses a certificate from a trusted CA issued for another name', async () => {
    const elsewhere = makeTestCertificate(['mx.elsewhere.test']);
    const impostor = await ScriptedPrimary.start({ starttls: 'offer', certificate: elsewhere, auth: CREDENTIALS });
    try {
      const probe = new SmtpProbe({ clientName: 'backup-mx.test', stepTimeoutMs: 1_000, auth: credentialSource(), tls: { ca: elsewhere.cert } });
      const result = await probe.check({ ...impostor.asPrimary('required'), authSecretName: SECRET });
      expect(result).toMatchObject({ ok: false, authWithheld: true });
      expect(result.error).toMatch(/not TLS-verified \(tls "required": certificate not verified: ERR_TLS_CERT_ALTNAME_INVALID\)/);
      expect(impostor.authAttempts).toEqual([]);
    } finally {
      await impostor.stop();
    }
  });
});

describe('every configuration validation accepts, run by the local runner (npm start)', () => {
  const cleanup = cleanups();
  let started: StartedMx;
  /** The modes a route with authSecretName may have: validation refuses the others. */
  const accepted = TLS_MODES.filter((tls) => {
    const primary = { host: 'mx.example.com', port: 2525, tls, authSecretName: SECRET, ...(tls === 'fingerprint' ? { tlsFingerprints: [REAL_PIN] } : {}) };
    try {
      parseBackupMxConfig({ region: 'us-east-1', routes: [{ name: 'r', domains: ['example.com'], primary }] });
      return true;
    } catch (error) {
      expect(error).toBeInstanceOf(BackupMxConfigError);
      return false;
    }
  });
  const routes = () =>
    accepted.flatMap((tls) =>
      (['strip', 'ownCert'] as const).map((key) => ({
        name: `${tls}-${key.toLowerCase()}`,
        domains: [`${tls}-${key.toLowerCase()}.example`],
        primary: { host: '127.0.0.1', port: mitms[key].server.port, tls, authSecretName: SECRET, ...(tls === 'fingerprint' ? { tlsFingerprints: [REAL_PIN] } : {}) },
      })),
    );

  beforeAll(async () => {
    const dir = await tempDir(cleanup, 'mitm');
    const secrets = path.join(dir, 'secrets.json');
    await writeFile(secrets, JSON.stringify({ [SECRET]: CREDENTIALS }));
    const contextFile = path.join(dir, 'context.json');
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: routes() } }));
    started = await startMx(runnerEnv(contextFile, { BACKUPMX_PROBE_INTERVAL_SECONDS: '60', BACKUPMX_LOCAL_SECRETS: secrets }), cleanup);
  }, 60_000);
  afterAll(() => cleanup.run(), 30_000);

  it('are exactly "verify" and "fingerprint"', () => {
    expect(accepted).toEqual(['verify', 'fingerprint']);
  });

  it('its start-up certificate line, probe, drains and recipients verify send no AUTH to either; the mail stays queued, deferred', async () => {
    const { mx } = started;
    await mx.certificatesShown;
    for (const route of routes()) {
      const domain = route.domains[0]!;
      queueId(await sendMail(mx.smtpPort, 'alice@sender.test', [`bob@${domain}`], clientMessage(1, `bob@${domain}`)));
    }
    // The runner probed at start (no AUTH: its probe never logs in) and found every route down.
    await waitFor('the first probe round', async () => (await Promise.all(routes().map((r) => mx.composed.deps.routeState.health(r.name)))).every((h) => h?.status === 'down'), 10_000);
    // Say the real primary answered the probe a moment ago, and the attacker steps in now: the drains log in, or do not.
    for (const route of routes()) {
      await mx.composed.deps.routeState.saveHealth({ route: route.name, status: 'up', since: new Date(), lastCheckAt: new Date(), consecutiveFailures: 0 });
      await mx.drains.start(route.name, 'deliver');
    }
    await mx.drains.idle();
    for (const route of routes()) {
      await expect(mx.composed.operator.verifyRecipients(mx.engine.route(route.name), [`bob@${route.domains[0]}`])).rejects.toThrow(/is not up/);
      const queued = await mx.composed.deps.index.listQueued(route.name);
      expect(queued, route.name).toHaveLength(1);
      expect([...(await mx.composed.deps.ledger.outcomes(queued[0]!.messageId)).values()].map((o) => o.state), route.name).toEqual(['deferred']);
      expect((await mx.composed.deps.routeState.health(route.name))?.lastError, route.name).toMatch(/^drain: ETLS: /);
    }
    for (const mitm of Object.values(mitms)) await expectNothingFor(mitm);
    // The start-up lines showed each man in the middle's certificate, not matching the pin.
    expect(started.lines.some((l) => /route fingerprint-owncert: certificate of 127\.0\.0\.1:\d+: "tlsFingerprints": \["sha256:[0-9A-F:]+"\] .*matches none of tlsFingerprints/.test(l))).toBe(true);
    expect(started.lines.some((l) => /route verify-strip: could not read the TLS certificate of 127\.0\.0\.1:\d+ \(STARTTLS: not offered\)/.test(l))).toBe(true);
  }, 60_000);
});
