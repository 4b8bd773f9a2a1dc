// The primary-side guide, tested: a real Postfix configured with the blocks of
// docs/primary-setup.md (SMTP AUTH over STARTTLS on a dedicated listener,
// client checks replaced by "authenticated or nothing", recipient checks kept)
// behind the local backup MX, whose route is the guide's too: tls "fingerprint"
// pinned to Postfix's self-signed certificate with the guide's openssl command. Postfix relays what it accepts to a mailbox
// server (a scripted SMTP server) so the test sees the envelope and bytes.
// The probe interval is 60 s: the test runs each probe round itself, so
// nothing overwrites what a failed drain recorded before it is looked at.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { authenticate } from 'mailauth';
import nodemailer from 'nodemailer';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeStatuses } from '../../cli/commands/status.js';
import type { Target } from '../../cli/target.js';
import { SmtpProbe } from '../../lambdas/adapters/smtp/smtp-probe.js';
import { normalizeFingerprint } from '../../lambdas/core/policy/tls-fingerprint.js';
import { guideSnippets, PostfixPrimary, postfixUnavailable } from '../support/smtp/postfix-primary.js';
import { postfixSkipReason } from '../support/smtp/postfix-required.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../support/smtp/scripted-primary-certificate.js';
import { cleanups, clientMessage, endsWith, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, type StartedMx } from '../support/runner/e2e-support.js';

const unavailable = postfixSkipReason(postfixUnavailable(), 'the Postfix e2e test');

const PASSWORD = 'correct horse battery staple';
/** The pin of a certificate Postfix does not have. */
const OTHER_PIN = `sha256:${new X509Certificate(makeTestCertificate(['mx.example.com', '127.0.0.1']).cert).fingerprint256}`;
const SECRET = 'backup-mx/postfix';
// The route also ARC-seals (README "Being trusted by the primary"): its key, and its DNS record for the verifier.
const ARC = { domain: 'backup.example', selector: 'arc2026', keySecretName: 'backup-mx/arc' };
const arcKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ARC_PEM = arcKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ARC_DNS = `v=DKIM1; k=rsa; p=${arcKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === `${ARC.selector}._domainkey.${ARC.domain}`) return [[ARC_DNS]];
  throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
};

describe.skipIf(unavailable !== undefined)('the primary-setup guide against a real Postfix', () => {
  const cleanup = cleanups();
  let mailbox: ScriptedPrimary;
  let postfix: PostfixPrimary;
  let secretsFile: string;
  let started: StartedMx;

  const writeSecret = (password: string, username = postfix.username) =>
    writeFile(secretsFile, JSON.stringify({ [SECRET]: { username, password }, [ARC.keySecretName]: ARC_PEM }));
  /** One probe round (it starts the drain when mail waits), then wait for the drains it started. */
  const probeAndDrain = async () => {
    await started.mx.engine.probe(started.mx.drains);
    await started.mx.drains.idle();
  };

  beforeAll(async () => {
    mailbox = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => mailbox.stop());
    postfix = await PostfixPrimary.start({
      domain: 'example.com',
      users: ['bob@example.com', 'carol@example.com'],
      mailbox: { host: '127.0.0.1', port: mailbox.port },
      password: PASSWORD,
    });
    cleanup.add(() => postfix.stop());
    const dir = await tempDir(cleanup, 'postfix');
    secretsFile = path.join(dir, 'secrets.json');
    await writeSecret(PASSWORD);
    const contextFile = path.join(dir, 'context.json');
    // As the guide's step 3 says: its route, with the fingerprint its command prints.
    const pin = normalizeFingerprint(postfix.guideCommand('postfix-fingerprint.sh'));
    expect(pin).toBe(postfix.certificateFingerprint);
    const guided = (JSON.parse(`{${guideSnippets().get('backup-mx-route.json')!}}`) as { primary: Record<string, unknown> }).primary;
    expect(guided).toMatchObject({ tls: 'fingerprint', authSecretName: expect.any(String) });
    const primary = { ...guided, host: '127.0.0.1', port: postfix.port, tlsFingerprints: [pin], authSecretName: SECRET };
    await writeFile(
      contextFile,
      JSON.stringify({
        backupMx: {
          region: 'us-east-1',
          hostname: 'backup-mx.e2e.test',
          routes: [
            { name: 'corp', domains: ['example.com'], primary, arc: ARC },
            // The same Postfix, pinned to another certificate: what a man in the middle looks like to backup-mx.
            { name: 'impostor', domains: ['example.net'], primary: { ...primary, tlsFingerprints: [OTHER_PIN] } },
          ],
        },
      }),
    );
    started = await startMx(
      runnerEnv(contextFile, { BACKUPMX_PROBE_INTERVAL_SECONDS: '60', BACKUPMX_PROBE_TIMEOUT_MS: '5000', BACKUPMX_LOCAL_SECRETS: secretsFile }),
      cleanup,
    );
  }, 60_000);
  afterAll(() => cleanup.run(), 30_000);

  it('delivers through the AUTH listener: the envelope as SES got it, the bytes unchanged', async () => {
    const mails = [
      { from: 'alice@sender.test', to: ['bob@example.com', 'carol@example.com'], raw: clientMessage(1, 'bob@example.com') },
      { from: '', to: ['bob@example.com'], raw: clientMessage(2, 'bob@example.com', '') },
    ];
    for (const mail of mails) queueId(await sendMail(started.mx.smtpPort, mail.from, mail.to, mail.raw));
    await probeAndDrain();
    await waitFor('Postfix to pass both messages on', () => mailbox.messagesFor('bob@example.com').length === 2, 20_000);

    const [first, bounce] = [...mailbox.messagesFor('bob@example.com')].sort((a, b) => b.from.length - a.from.length);
    expect(first!.from).toBe('alice@sender.test');
    expect([...first!.to].sort()).toEqual(['bob@example.com', 'carol@example.com']);
    expect(bounce!.from).toBe(''); // MAIL FROM:<> kept through both hops
    expect(endsWith(first!.raw, mails[0]!.raw)).toBe(true);
    expect(endsWith(bounce!.raw, mails[1]!.raw)).toBe(true);
    // Postfix's trace on top says it took the message authenticated over TLS; ours is right below it.
    const head = first!.raw.toString('latin1').split('\r\n\r\n')[0]!;
    const received = head.split(/\r\n(?=\S)/).filter((f) => f.startsWith('Received:'));
    expect(received[0]).toMatch(/by mx\.example\.com \(Postfix\) with ESMTPSA id/);
    expect(received[1]).toMatch(/by backup-mx\.e2e\.test/);
    expect(postfix.log()).toMatch(/sasl_method=PLAIN, sasl_username=backup-mx@mx\.example\.com/);
    // The ARC set backup-mx put on survives Postfix and verifies at the mailbox.
    expect(head).toMatch(/\r\nARC-Seal: i=1; a=rsa-sha256; [^]*\r\nReceived: from inbound-smtp\.us-east-1\.amazonaws\.com\r\n\tby backup-mx\.e2e\.test/);
    const verified = await authenticate(first!.raw, { resolver, ip: '127.0.0.1', helo: 'backup-mx.e2e.test', sender: 'alice@sender.test', mta: 'mailbox.example', disableBimi: true } as never);
    expect((verified.arc as { status: { result: string } }).status.result).toBe('pass');
  }, 60_000);

  it("keeps Postfix's recipient check: an unknown user is refused with 550 5.1.1 and bounced, never passed on", async () => {
    const id = queueId(await sendMail(started.mx.smtpPort, 'alice@sender.test', ['dave@example.com'], clientMessage(3, 'dave@example.com')));
    await probeAndDrain();
    await waitFor('the bounce', () => started.lines.some((l) => l.includes(`bounced ${id} <dave@example.com>`)), 20_000);
    const line = started.lines.find((l) => l.includes(`bounced ${id} <dave@example.com>`))!;
    expect(line).toMatch(/550 5\.1\.1 <dave@example\.com>: Recipient address rejected/);
    expect(mailbox.messagesFor('dave@example.com')).toHaveLength(0);
  }, 60_000);

  it('the listener is no open door: without AUTH nothing passes, and with AUTH nothing is relayed elsewhere', async () => {
    const attempt = async (auth: { user: string; pass: string } | undefined, to: string) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: postfix.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, ...(auth ? { auth } : {}) });
      try {
        await transport.sendMail({ envelope: { from: 'x@sender.test', to: [to] }, raw: 'Subject: probe\r\n\r\nhi\r\n' });
        return 'accepted';
      } catch (error) {
        return (error as { response?: string }).response ?? (error as Error).message;
      } finally {
        transport.close();
      }
    };
    expect(await attempt(undefined, 'bob@example.com')).toMatch(/^554 5\.7\.1 .*Client host rejected: Access denied/);
    expect(await attempt({ user: postfix.username, pass: PASSWORD }, 'someone@elsewhere.example')).toMatch(/^554 5\.7\.1 <someone@elsewhere\.example>: Relay access denied/);
    expect(await attempt({ user: postfix.username, pass: 'wrong' }, 'bob@example.com')).toMatch(/535 5\.7\.8 Error: authentication failed/);
  }, 60_000);

  it('recipients verify finds the users Postfix does not know, by RCPT TO over the same AUTH listener, without DATA', async () => {
    const queuedBefore = postfix.log().match(/: queued as /g)?.length ?? 0;
    const report = await started.mx.composed.operator.verifyRecipients(started.mx.engine.route('corp'), ['bob@example.com', 'dave@example.com', 'carol@example.com', 'erin@example.com'], { ratePerSecond: 20 });
    expect(report).toMatchObject({ checked: 4, accepted: 2, sessions: 1 });
    expect(report.problems.map((p) => [p.address, p.verdict])).toEqual([
      ['dave@example.com', 'unknown'],
      ['erin@example.com', 'unknown'],
    ]);
    expect(report.problems[0]!.reply).toMatch(/^550 5\.1\.1 <dave@example\.com>: Recipient address rejected/);
    expect(postfix.log()).toMatch(/sasl_method=PLAIN, sasl_username=backup-mx@mx\.example\.com/);
    expect(postfix.log().match(/: queued as /g)?.length ?? 0).toBe(queuedBefore); // nothing was sent
  }, 60_000);

  it('the public-key fingerprint the guide prints works as a pin too (AUTH over the pinned session)', async () => {
    const spki = /\b[0-9a-f]{64}\b/.exec(postfix.guideCommand('postfix-pubkey-fingerprint.sh'))![0];
    const probe = new SmtpProbe({ clientName: 'backup-mx.e2e.test', stepTimeoutMs: 5_000, auth: { credentials: async () => ({ username: postfix.username, password: PASSWORD }) } });
    // With a secret the probe is up only once Postfix answered its AUTH with 235 (Postfix logs a login only with a message).
    expect(await probe.check({ host: '127.0.0.1', port: postfix.port, tls: 'fingerprint', tlsFingerprints: [spki], authSecretName: SECRET })).toMatchObject({ ok: true });
    expect(await probe.check({ host: '127.0.0.1', port: postfix.port, tls: 'fingerprint', tlsFingerprints: [OTHER_PIN], authSecretName: SECRET })).toMatchObject({ ok: false, error: expect.stringMatching(/^TLS: /) });
  }, 60_000);

  it('refuses the same Postfix under a pin of another certificate: no AUTH, no mail, the route down with the reason', async () => {
    const logins = postfix.log().match(/sasl_method=/g)?.length ?? 0;
    const queued = postfix.log().match(/: queued as /g)?.length ?? 0;
    const logStart = postfix.log().length;
    const id = queueId(await sendMail(started.mx.smtpPort, 'alice@sender.test', ['bob@example.net'], clientMessage(5, 'bob@example.net')));
    await started.mx.engine.probe(started.mx.drains);
    const mismatch = new RegExp(`^TLS: the certificate of 127\\.0\\.0\\.1:${postfix.port} \\(${postfix.certificateFingerprint}, public key sha256:[0-9A-F:]+\\) matches none of primary\\.tlsFingerprints$`);
    expect((await started.mx.composed.deps.routeState.health('impostor'))).toMatchObject({ status: 'down', lastError: expect.stringMatching(mismatch) });
    // Were the probe fooled (or the attacker to step in after it), the drain would stop at the same place.
    await started.mx.composed.deps.routeState.saveHealth({ route: 'impostor', status: 'up', since: new Date(), lastCheckAt: new Date(), consecutiveFailures: 0 });
    await started.mx.drains.start('impostor');
    await started.mx.drains.idle();
    expect((await started.mx.composed.deps.routeState.health('impostor'))!.lastError).toMatch(/^drain: ETLS: .*matches none of primary\.tlsFingerprints/);
    expect((await started.mx.composed.deps.ledger.outcomes(id)).get('bob@example.net')?.state).toBe('deferred');
    expect(postfix.log().match(/sasl_method=/g)?.length ?? 0).toBe(logins);
    expect(postfix.log().match(/: queued as /g)?.length ?? 0).toBe(queued);
    // Postfix counts each session's commands when it ends: STARTTLS, then nothing (no auth=, no mail=).
    // (A session whose STARTTLS succeeded is route corp's probe, which logs in: its pin matches.)
    const ends = postfix.log().slice(logStart).split('\n').filter((l) => / disconnect from /.test(l) && !/ starttls=1 /.test(l));
    expect(ends.some((l) => / ehlo=1 starttls=0\/1 commands=1\/2$/.test(l))).toBe(true);
    expect(ends.filter((l) => /auth=|mail=/.test(l))).toEqual([]);
    // The start-up line showed Postfix's certificate against both routes' pins.
    await started.mx.certificatesShown;
    expect(started.lines.some((l) => l.includes(`route corp: certificate of 127.0.0.1:${postfix.port}: "tlsFingerprints": ["${postfix.certificateFingerprint}"]`) && l.includes('; matches tlsFingerprints'))).toBe(true);
    expect(started.lines.some((l) => l.includes('route impostor: certificate of') && l.includes('matches none of tlsFingerprints'))).toBe(true);
  }, 60_000);

  it('a wrong password is reported as such by the probe, in the delivery log and by status, and the mail stays queued', async () => {
    await writeSecret('not the password');
    // The probe (as the Lambda's, it logs in) finds the refusal before any callout.
    await expect(started.mx.composed.operator.verifyRecipients(started.mx.engine.route('corp'), ['bob@example.com'])).rejects.toThrow(/the primary is not up \(AUTH: 535 5\.7\.8 Error: authentication failed/);
    const id = queueId(await sendMail(started.mx.smtpPort, 'alice@sender.test', ['carol@example.com'], clientMessage(4, 'carol@example.com')));
    const before = mailbox.messagesFor('carol@example.com').length;
    await probeAndDrain();
    // The runner's probe logs in: the refusal is said as one, and no drain starts with credentials known bad.
    expect(started.lines.some((l) => /primary corp \(127\.0\.0\.1:\d+\) primary refuses our credentials \(AUTH: 535 5\.7\.8 Error: authentication failed/.test(l))).toBe(true);
    expect((await started.mx.composed.deps.ledger.outcomes(id)).get('carol@example.com')).toBeUndefined();

    // A drain that runs anyway (its probe logged in just before the password changed) is refused the same way.
    await started.mx.composed.deps.routeState.saveHealth({ route: 'corp', status: 'up', since: new Date(), lastCheckAt: new Date(), consecutiveFailures: 0 });
    await started.mx.drains.start('corp');
    await started.mx.drains.idle();
    const deferred = started.lines.find((l) => l.includes(`deferred ${id} <carol@example.com>`));
    expect(deferred).toMatch(/535 5\.7\.8 Error: authentication failed/);
    expect(started.lines.some((l) => /PRIMARY REFUSES US/.test(l) && l.includes('authSecretName'))).toBe(true);

    const target = { engine: started.mx.engine, operator: started.mx.composed.operator, settings: started.mx.settings } as unknown as Target;
    const [status] = await routeStatuses(target, 'corp');
    expect(status).toMatchObject({ route: 'corp', status: 'down' });
    expect(status!.lastError).toMatch(/535 5\.7\.8 Error: authentication failed/);
    expect(postfix.log()).toMatch(/SASL PLAIN authentication failed: authentication failure, sasl_username=backup-mx@mx\.example\.com/);

    // Nothing bounced, nothing lost: the message waits for the next attempt.
    expect((await started.mx.composed.deps.index.listQueued('corp')).map((m) => m.messageId)).toContain(id);
    expect((await started.mx.composed.deps.ledger.outcomes(id)).get('carol@example.com')?.state).toBe('deferred');
    expect(mailbox.messagesFor('carol@example.com')).toHaveLength(before);
  }, 60_000);
});
