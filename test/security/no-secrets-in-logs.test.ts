// Claim (docs/security.md, "someone with read access to the logs"): no secret
// and no message body ever reaches a log line. Two real runs are watched whole:
//
// - `npm start` (node --import tsx local/run.ts) as a child process with
//   BACKUPMX_VERBOSE=1, delivering over verified STARTTLS with AUTH to a
//   primary that also defers, bounces and, on a second route, refuses our
//   password; then the CLI's `show` and `mailq` on the same data directory.
//   Searched: its stdout and stderr, the CLI's output, and every file the run
//   wrote except the mail spool (the DSN files, the emulated DynamoDB).
// - the Lambda wiring (the Engine with its own Powertools logger, level
//   DEBUG) on the emulators, through accept, probe (AUTH refused, then the
//   fixed secret) and drain. Searched: all it wrote to stdout, stderr, console.
//
// Searched for: both passwords, also base64-encoded as AUTH LOGIN and AUTH
// PLAIN put them on the wire, a marker only the message body holds, and (in
// log lines only: `show` may print headers) a marker in the subject.
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingMetrics } from '../../lambdas/adapters/fakes/index.js';
import { NodemailerTransportFactory } from '../../lambdas/adapters/smtp/nodemailer-transport.js';
import { SmtpProbe } from '../../lambdas/adapters/smtp/smtp-probe.js';
import { Engine, InProcessDrainStarter } from '../../lambdas/app/engine.js';
import { loadSettings, settingsToEnv } from '../../lambdas/config/settings.js';
import { makeAcceptHandler } from '../../lambdas/handlers/accept.js';
import { makeProbeHandler } from '../../lambdas/handlers/probe.js';
import { LocalSecretsFile } from '../../local/runner/local-secrets.js';
import { PROJECT_ROOT } from '../../local/runner/runner-config.js';
import { startEmulatorEnv } from '../support/aws/emulator-env.js';
import { captureOutput } from '../support/logs/output-capture.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../support/smtp/scripted-primary-certificate.js';
import { sesNotification } from '../support/aws/ses-events.js';
import { cleanups, queueId, runnerEnv, sendMail, tempDir, waitFor } from '../support/runner/e2e-support.js';

const RUN = randomUUID().slice(0, 8);
const USER = 'backup-mx@primary.test';
const PASSWORD = `S3cret-PASSWORD-marker-${RUN}`;
const WRONG_PASSWORD = `S3cret-WRONG-PASSWORD-marker-${RUN}`;
const BODY_MARKER = `BODY-marker-${RUN}`;
const SUBJECT_MARKER = `SUBJECT-marker-${RUN}`;

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** Each secret as it may appear: as is, and as AUTH PLAIN / LOGIN encode it. */
const FORBIDDEN: [string, string][] = [
  ...[PASSWORD, WRONG_PASSWORD].flatMap((p): [string, string][] => [
    ['a password', p],
    ['a password in base64 (AUTH LOGIN)', b64(p)],
    ['an AUTH PLAIN response', b64(`\u0000${USER}\u0000${p}`)],
  ]),
  ['the body marker', BODY_MARKER],
];

/** Log lines carry no message content at all: not even the subject, which `show` and the DSN may carry. */
const FORBIDDEN_IN_LOGS: [string, string][] = [...FORBIDDEN, ['the subject marker', SUBJECT_MARKER]];

function expectNoSecret(where: string, text: string, forbidden = FORBIDDEN): void {
  for (const [what, secret] of forbidden) {
    if (text.includes(secret)) throw new Error(`${what} appears in ${where}: …${text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 100)}…`);
  }
}

function clientMessage(to: string): Buffer {
  return Buffer.from(
    [
      'From: Alice <alice@sender.test>',
      `To: ${to}`,
      `Subject: quarterly figures ${SUBJECT_MARKER}`,
      `Message-ID: <${randomUUID()}@sender.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      `The figures are attached. ${BODY_MARKER}`,
      `And once more: ${BODY_MARKER}`,
      '',
    ].join('\r\n'),
  );
}

/** A primary with a certificate the runner trusts through a test CA, STARTTLS required, AUTH required. */
async function authPrimary(cleanup: ReturnType<typeof cleanups>) {
  const certificate = makeTestCertificate(['localhost', '127.0.0.1']);
  const primary = await ScriptedPrimary.start({
    starttls: 'require',
    certificate,
    auth: { username: USER, password: PASSWORD },
    script: {
      rcpt: {
        'later@example.com': { code: 451, enhanced: '4.2.0', text: '<later@example.com>: mailbox busy, try later' },
        'nobody@example.com': { code: 550, enhanced: '5.1.1', text: '<nobody@example.com>: Recipient address rejected: User unknown' },
      },
    },
  });
  cleanup.add(() => primary.stop());
  return { primary, certificate };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin/backup-mx-cli.js'), ...args], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  const files: string[] = [];
  for (const entry of entries) if ((await stat(path.join(dir, entry))).isFile()) files.push(entry);
  return files;
}

describe('no secret and no body in a log line', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run(), 30_000);

  it('npm start, verbose: delivered, deferred, bounced and refused AUTH, then `show` and `mailq`', async () => {
    const { primary, certificate } = await authPrimary(cleanup);
    const dir = await tempDir(cleanup, 'no-secrets');
    const dataDir = path.join(dir, 'data');
    const caFile = path.join(dir, 'primary-ca.pem');
    await writeFile(caFile, certificate.cert);
    const secretsFile = path.join(dir, 'secrets.json');
    await writeFile(secretsFile, JSON.stringify({ 'backup-mx/main': { username: USER, password: PASSWORD }, 'backup-mx/other': { username: USER, password: WRONG_PASSWORD } }));
    const contextFile = path.join(dir, 'context.json');
    const primaryAt = (authSecretName: string) => ({ host: '127.0.0.1', port: primary.port, tls: 'verify', authSecretName });
    await writeFile(
      contextFile,
      JSON.stringify({
        backupMx: {
          region: 'us-east-1',
          hostname: 'backup-mx.e2e.test',
          routes: [
            { name: 'main', domains: ['example.com'], primary: primaryAt('backup-mx/main') },
            { name: 'other', domains: ['example.net'], primary: primaryAt('backup-mx/other') },
          ],
        },
      }),
    );
    // The test CA reaches the runner as it would a user's private CA: NODE_EXTRA_CA_CERTS.
    const env = {
      ...process.env,
      ...runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_LOCAL_SECRETS: secretsFile, BACKUPMX_VERBOSE: '1', NODE_EXTRA_CA_CERTS: caFile }),
    };

    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/run.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.add(() => child.exitCode === null && child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the ready line', () => /ready\. Send a test message/.test(stdout) || child.exitCode !== null, 30_000);
    const port = Number(/listening for mail on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
    expect(port).toBeGreaterThan(0);
    const triggerKey = (await readFile(path.join(dataDir, 'trigger.key'), 'utf8')).trim();
    expect(triggerKey.length).toBeGreaterThanOrEqual(16);

    const recipients = ['bob@example.com', 'later@example.com', 'nobody@example.com'];
    const id = queueId(await sendMail(port, 'alice@sender.test', recipients, clientMessage(recipients.join(', '))));
    const refusedId = queueId(await sendMail(port, 'alice@sender.test', ['carol@example.net'], clientMessage('carol@example.net')));

    await waitFor('the delivery over verified TLS with AUTH', () => primary.messagesFor('bob@example.com').length === 1, 30_000);
    await waitFor('the deferral and the bounce', () => stdout.includes(`deferred ${id} <later@example.com>`) && stdout.includes(`bounced ${id} <nobody@example.com>`), 30_000);
    await waitFor('the refused AUTH of the other route', () => primary.authAttempts.length >= 2 && /refuses our credentials|Invalid login|535/.test(stdout), 30_000);
    const delivered = primary.messagesFor('bob@example.com')[0]!;
    expect(delivered).toMatchObject({ secure: true, user: USER });
    expect(delivered.raw.toString()).toContain(BODY_MARKER); // the body did travel: the marker is one to look for

    const cliEnv = { ...process.env, BACKUPMX_DATA_DIR: dataDir };
    const show = await runCli(['--local', 'show', id], cliEnv);
    expect(show.code).toBe(0);
    // `show` prints the stored header block, never the body.
    expect(show.out).toContain(SUBJECT_MARKER);
    const shows = [show, await runCli(['--local', 'show', refusedId], cliEnv), await runCli(['--local', 'mailq'], cliEnv)];

    child.kill('SIGTERM');
    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000))])).toBe(0);

    // The run said what happened (so the search below looks at real lines), and none of it leaks.
    expect(stdout).toMatch(new RegExp(`delivered ${id} to <bob@example\\.com> via 127\\.0\\.0\\.1`));
    expectNoSecret('the runner’s stdout', stdout, FORBIDDEN_IN_LOGS);
    expectNoSecret('the runner’s stderr', stderr, FORBIDDEN_IN_LOGS);
    for (const [n, result] of shows.entries()) expectNoSecret(`CLI output ${n + 1}`, result.out);
    // Every other file the run wrote: DSNs (headers only), the emulated DynamoDB (index, ledger, replies).
    // The spool holds the message itself by design, and trigger.key is the trigger's own secret.
    const files = (await filesUnder(dataDir)).filter((f) => !f.startsWith(`spool${path.sep}`) && f !== 'trigger.key');
    expect(files.filter((f) => f.startsWith(`bounces${path.sep}`))).toHaveLength(1);
    expect(files.some((f) => f.startsWith(`dynamodb${path.sep}`))).toBe(true);
    for (const file of files) expectNoSecret(file, await readFile(path.join(dataDir, file), 'latin1'));
    // Nor does the trigger's key reach any output.
    for (const [where, text] of [['stdout', stdout], ['stderr', stderr], ...shows.map((r, n) => [`CLI output ${n + 1}`, r.out])] as const) {
      expect(text.includes(triggerKey), where).toBe(false);
    }
  }, 120_000);

  it('the Lambda wiring, Powertools at DEBUG: accept, a refused AUTH, the fixed secret, delivery, deferral and a dead letter', async () => {
    const { primary, certificate } = await authPrimary(cleanup);
    const env = await startEmulatorEnv({ routes: ['main'] });
    cleanup.add(() => env.stop());
    const dir = await tempDir(cleanup, 'no-secrets-lambda');
    const secretsFile = path.join(dir, 'secrets.json');
    const writeSecret = (password: string) => writeFile(secretsFile, JSON.stringify({ 'backup-mx/main': { username: USER, password } }));
    await writeSecret(WRONG_PASSWORD);
    const settings = loadSettings(
      settingsToEnv({
        routes: [{ name: 'main', domains: ['example.com'], primary: { host: '127.0.0.1', port: primary.port, tls: 'verify', authSecretName: 'backup-mx/main' }, queueUrl: env.resources.routes[0]!.queue.url, bouncePolicy: 'dead-letter' }],
        tableName: env.resources.tableName,
        bucketName: env.resources.bucketName,
        deadLetterQueueUrl: env.resources.deadLetterQueue.url,
        hostname: 'backup-mx.test',
        probeTimeoutMs: 5000,
      }),
    );

    const captured = captureOutput();
    cleanup.add(() => captured.restore());
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    cleanup.add(() => delete process.env.POWERTOOLS_LOG_LEVEL);
    // The Lambdas' own log (no override): Powertools JSON on stdout. Only the CA and the secret source are the test's.
    const auth = new LocalSecretsFile(secretsFile);
    const tls = { ca: certificate.cert };
    const engine = new Engine(settings, {
      clients: env.clients,
      metrics: new RecordingMetrics(),
      auth,
      transports: new NodemailerTransportFactory({ clientName: settings.hostname, socketTimeoutMs: 5000, auth, tls }),
      probe: new SmtpProbe({ clientName: settings.hostname, stepTimeoutMs: 5000, auth, tls }),
    });

    const route = env.resources.routes[0]!;
    const recipients = ['bob@example.com', 'later@example.com', 'nobody@example.com'];
    const messageId = `nosecrets${RUN}00000000000000000`.slice(0, 28);
    await env.clients.s3.send(new PutObjectCommand({ Bucket: env.resources.bucketName, Key: `mail/main/${messageId}`, Body: clientMessage(recipients.join(', ')) }));
    const notification = sesNotification({ messageId, timestamp: new Date(), recipients, subject: `quarterly figures ${SUBJECT_MARKER}`, bucketName: env.resources.bucketName, objectKeyPrefix: 'mail/main/', topicArn: route.topicArn });
    await env.clients.sns.send(new PublishCommand({ TopicArn: route.topicArn, Message: notification }));
    expect((await makeAcceptHandler(() => engine)({ Records: [{ Sns: { Message: notification } }] } as never)).results[0]).toMatchObject({ outcome: 'indexed' });

    const drains = new InProcessDrainStarter(engine, 30);
    const probe = makeProbeHandler(() => engine, drains);
    expect((await probe()).rounds[0]![0]).toMatchObject({ status: 'down' });
    await drains.idle();
    expect(primary.authAttempts).toEqual([USER]);
    await writeSecret(PASSWORD);
    expect((await probe()).rounds[0]![0]).toMatchObject({ status: 'up', started: 'deliver' });
    await drains.idle();
    expect(primary.messagesFor('bob@example.com')).toHaveLength(1);
    captured.restore();

    const output = captured.text();
    // Real lines were captured: the attempts, the refusal and the fix.
    expect(output).toMatch(/"message":"delivery attempt"[^\n]*"status":"delivered"/);
    expect(output).toMatch(/"message":"delivery attempt"[^\n]*"status":"deferred"/);
    expect(output).toMatch(/"message":"primary refuses our credentials"/);
    expect(output).toMatch(/"message":"AUTH secret changed since the refusal: trying AUTH now"/);
    expectNoSecret('the Powertools output', output, FORBIDDEN_IN_LOGS);
  }, 120_000);

  it('a secrets file the runner cannot parse is named, its text never echoed', async () => {
    const dir = await tempDir(cleanup, 'secrets-file');
    const file = path.join(dir, 'secrets.json');
    // A password written without quotes: JSON.parse's own message would quote it.
    await writeFile(file, `{"backup-mx/main": {"username": "${USER}", "password": ${PASSWORD}}}`);
    const error = await new LocalSecretsFile(file).credentials('backup-mx/main').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/BACKUPMX_LOCAL_SECRETS .*secrets\.json: not valid JSON/);
    expectNoSecret('the error', `${error?.message} ${error?.stack}`);
    expect(error?.message).not.toContain(PASSWORD.slice(0, 10));
  });
});
