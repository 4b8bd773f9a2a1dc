// `backup-mx --local` as an admin types it in a fresh shell (none of the
// BACKUPMX_* variables) from a subfolder of the checkout, against a real
// runner (LocalBackupMx.start) whose data dir is elsewhere and whose primary
// requires AUTH: the command finds the runner through its pointer and works
// with the runner's secrets file and configuration. The CLI is a real process.
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackupMx } from '../../../local/runner/local-backup-mx.js';
import { PROJECT_ROOT } from '../../../local/runner/runner-config.js';
import type { RuntimeInfo } from '../../../local/runtime-file.js';
import type { VerifyReport } from '../../../lambdas/core/operator/verify-recipients.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';
import { cleanups, clientMessage, runnerEnv, sendMail, tempDir } from '../../support/runner/e2e-support.js';

const USER = 'backup-mx@mx.example.com';
const PASSWORD = 'runner-only-password-4f1c';
const SECRET = 'backup-mx/main';

/** A shell with no BACKUPMX_* variable and no AWS settings: only what finds node. */
const freshEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra });

/** Async: the emulators answer from this process's event loop. */
function cli(args: string[], cwd: string, env = freshEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin/backup-mx-cli.js'), ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A pid that belonged to a process and no longer does. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A folder that is a backup-mx checkout as far as the CLI can tell, with a subfolder to run the command in. */
async function checkout(dir: string): Promise<{ root: string; sub: string }> {
  const root = path.join(dir, 'checkout');
  const sub = path.join(root, 'lib', 'deep');
  await mkdir(sub, { recursive: true });
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'backup-mx', private: true }));
  return { root, sub };
}

describe('backup-mx --local from a fresh shell finds the runner and works as it does', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let dir: string;
  let dataDir: string;
  let secretsFile: string;
  let contextFile: string;
  let sub: string;
  let pointerRoot: string;

  beforeAll(async () => {
    const certificate = makeTestCertificate(['localhost', '127.0.0.1']);
    primary = await ScriptedPrimary.start({
      starttls: 'require',
      certificate,
      auth: { username: USER, password: PASSWORD },
      script: { rcpt: { 'gone@example.com': { code: 550, enhanced: '5.1.1', text: 'User unknown' } } },
    });
    cleanup.add(() => primary.stop());
    dir = await tempDir(cleanup, 'cli-finds-runner');
    ({ root: pointerRoot, sub } = await checkout(dir));
    dataDir = path.join(dir, 'spool-elsewhere');
    secretsFile = path.join(dir, 'secrets.json');
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: { username: USER, password: PASSWORD } }), { mode: 0o600 });
    contextFile = path.join(dir, 'context.json');
    const route = {
      name: 'main',
      domains: ['example.com'],
      recipients: ['bob@example.com', 'gone@example.com'],
      primary: { host: '127.0.0.1', port: primary.port, tls: 'fingerprint', tlsFingerprints: [primary.certificateFingerprint], authSecretName: SECRET },
    };
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: [route] } }));
    // A 60 s probe: its first round (at start) finds the queue empty, so the mail sent below waits for the CLI's flush.
    const env = runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_LOCAL_SECRETS: secretsFile, BACKUPMX_PROBE_INTERVAL_SECONDS: '60' });
    mx = await LocalBackupMx.start({ env, write: () => undefined, pointerRoot });
    cleanup.add(() => mx.stop({ quiet: true }));
  }, 60_000);
  afterAll(() => cleanup.run(), 30_000);

  /** The runtime file as the CLI needs it (the reload test at the end checks it again). */
  const checkRuntimeFile = async () => {
    const file = path.join(dataDir, 'runtime.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(text) as RuntimeInfo).toMatchObject({ pid: process.pid, configFile: contextFile, configFromCdkJson: false, secretsFile, dataDir });
  };

  it('the runtime file names the configuration, the secrets file and the data dir (absolute, mode 0600, no secret value); the pointer names the data dir', async () => {
    await checkRuntimeFile();
    const pointer = path.join(pointerRoot, '.backup-mx', 'runners', `${process.pid}.json`);
    expect((await stat(pointer)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(pointer, 'utf8'))).toEqual({ pid: process.pid, runtimeDir: dataDir });
  });

  it('a secret this command cannot read is said plainly (flush, release --flush, recipients verify): nothing is sent, the primary stays up, the mail stays queued untried; BACKUPMX_LOCAL_SECRETS set here wins', async () => {
    // Held first: the runner's own probe (at start, then every 60 s) must not drain this mail; release --flush below releases it.
    const hold = await cli(['--local', 'hold', 'main', '--reason', 'the CLI flushes this one'], sub);
    expect(hold.code).toBe(0);
    await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com'));
    const emptySecrets = path.join(dir, 'other-secrets.json');
    await writeFile(emptySecrets, '{}');
    const logins = primary.authAttempts.length;

    const flush = await cli(['--local', 'flush', 'main'], sub, freshEnv({ BACKUPMX_LOCAL_SECRETS: emptySecrets }));
    expect(flush.code).toBe(1);
    expect(flush.stderr).toContain(`route main: its primary's SMTP AUTH needs secret ${SECRET}, which this command cannot read (secret ${SECRET} is not in BACKUPMX_LOCAL_SECRETS (${emptySecrets}))`);
    expect(flush.stderr).toContain(`Nothing was sent: the primary 127.0.0.1:${primary.port} is not marked down and no mail was deferred`);
    expect(flush.stderr).not.toContain('ECONNREFUSED');
    const verify = await cli(['--local', 'recipients', 'verify', '--route', 'main', 'bob@example.com'], sub, freshEnv({ BACKUPMX_LOCAL_SECRETS: emptySecrets }));
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(`route main: its primary's SMTP AUTH needs secret ${SECRET}, which this command cannot read`);
    expect(verify.stderr).not.toContain('not up');
    const release = await cli(['--local', 'release', 'main', '--flush'], sub, freshEnv({ BACKUPMX_LOCAL_SECRETS: emptySecrets }));
    expect(release.code).toBe(1);
    expect(release.stdout).toContain('route main released');
    expect(release.stderr).toContain(`route main: its primary's SMTP AUTH needs secret ${SECRET}, which this command cannot read`);
    expect(primary.authAttempts.length).toBe(logins);
    expect(primary.messages).toHaveLength(0);
    expect((await mx.composed.deps.routeState.health('main'))?.status).toBe('up');
    const mailq = await cli(['--local', 'mailq', '--json'], sub);
    expect(mailq.code).toBe(0);
    expect(JSON.parse(mailq.stdout)).toEqual([expect.objectContaining({ recipients: [expect.objectContaining({ address: 'bob@example.com', state: 'queued', attempts: 0 })] })]);
  }, 60_000);

  it('flush delivers with the runner\'s secrets file, the runner found through its pointer (data dir elsewhere, no variable set)', async () => {
    expect(primary.messages).toHaveLength(0); // left by the test above
    const flush = await cli(['--local', 'flush', 'main'], sub);
    expect(flush.stderr).toBe('');
    expect(flush.code).toBe(0);
    expect(flush.stdout).toMatch(/flush main: 1 message, 1 delivered, 0 deferred/);
    expect(primary.messagesFor('bob@example.com')).toEqual([expect.objectContaining({ user: USER, secure: true })]);
  }, 60_000);

  it("recipients verify takes the running configuration's recipients (not cdk.json's) and logs in with the runner's secret", async () => {
    const logins = primary.authAttempts.length;
    const verify = await cli(['--local', 'recipients', 'verify', '--route', 'main', '--rate', '50', '--json'], sub);
    expect(verify.code).toBe(1);
    const report = JSON.parse(verify.stdout) as VerifyReport;
    expect(report).toMatchObject({ route: 'main', checked: 2, accepted: 1 });
    expect(report.problems.map((p) => p.address)).toEqual(['gone@example.com']);
    expect(primary.authAttempts.slice(logins)).toContain(USER);
    expect(verify.stderr).not.toContain('changed since');

    // Edited but not reloaded: said so, and the file is read as it is now.
    const original = await readFile(contextFile, 'utf8');
    const edited = JSON.parse(original) as { backupMx: { routes: { recipients: string[] }[] } };
    edited.backupMx.routes[0]!.recipients.push('carol@example.com');
    await writeFile(contextFile, JSON.stringify(edited));
    try {
      const stale = await cli(['--local', 'recipients', 'verify', '--route', 'main', '--rate', '50', '--json'], sub);
      expect(stale.stderr).toContain(`backup-mx: note: ${contextFile} changed since the runner loaded it (send it SIGHUP to reload)`);
      expect(JSON.parse(stale.stdout)).toMatchObject({ checked: 3, accepted: 2 });
    } finally {
      await writeFile(contextFile, original);
    }

    // BACKUPMX_CONTEXT_FILE set in the command's shell wins over the runner's file.
    const mine = path.join(dir, 'my-context.json');
    const context = JSON.parse(await readFile(contextFile, 'utf8')) as { backupMx: { routes: { recipients: string[] }[] } };
    context.backupMx.routes[0]!.recipients = ['bob@example.com'];
    await writeFile(mine, JSON.stringify(context));
    const own = await cli(['--local', 'recipients', 'verify', '--route', 'main', '--rate', '50', '--json'], sub, freshEnv({ BACKUPMX_CONTEXT_FILE: mine }));
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout)).toMatchObject({ checked: 1, accepted: 1, problems: [] });
  }, 60_000);

  it('an explicit --data-dir wins over the pointer', async () => {
    const empty = path.join(dir, 'no-runner-here');
    await mkdir(empty, { recursive: true });
    const mailq = await cli(['--local', '--data-dir', empty, 'mailq'], sub);
    expect(mailq.code).toBe(4);
    expect(mailq.stderr).toContain(`no local backup MX is running: ${path.join(empty, 'runtime.json')} does not exist`);
  }, 60_000);

  // Last: a reload probes at once, and its drain would take mail the tests above leave to the CLI.
  it('a reload writes the runtime file again with the same fields, still mode 0600', async () => {
    const file = path.join(dataDir, 'runtime.json');
    await chmod(file, 0o644);
    await mx.reload();
    await checkRuntimeFile();
  });
});

describe('backup-mx --local: what it refuses to follow', () => {
  const cleanup = cleanups();
  afterAll(() => cleanup.run());

  it('a pointer whose runner has exited is ignored with a note naming it, and the command says none is running', async () => {
    const dir = await tempDir(cleanup, 'cli-stale-pointer');
    const { root, sub } = await checkout(dir);
    const pid = await deadPid();
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'runtime.json'), JSON.stringify({ pid }));
    const pointer = path.join(root, '.backup-mx', 'runners', `${pid}.json`);
    await mkdir(path.dirname(pointer), { recursive: true });
    await writeFile(pointer, JSON.stringify({ pid, runtimeDir: dataDir }));

    const mailq = await cli(['--local', 'mailq'], sub);
    expect(mailq.code).toBe(4);
    expect(mailq.stderr).toContain(`backup-mx: note: ignoring the pointer ${pointer}: its runner (pid ${pid}, data in ${dataDir}) has exited`);
    expect(mailq.stderr).toContain('no local backup MX is running');
  }, 60_000);

  it('a runtime file others can write is not used: it could name their primary and this user\'s secrets file', async () => {
    const dir = await tempDir(cleanup, 'cli-untrusted');
    const { root, sub } = await checkout(dir);
    const file = path.join(root, '.backup-mx', 'runtime.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ pid: process.pid }));
    await chmod(file, 0o666);

    const mailq = await cli(['--local', 'mailq'], sub);
    expect(mailq.code).toBe(1);
    expect(mailq.stderr).toContain(`${file} can be written by other users (mode 666): not used`);
  }, 60_000);
});
