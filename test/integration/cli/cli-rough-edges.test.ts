// What a new user trips over first, through the installed command in a child
// process: --version, `| head` closing stdout early, the start of an id, the
// runtime file found from a subdirectory, and the hint that --local exists.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/backup-mx-cli.js', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));

/** No AWS region, profile or data dir from the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', ...extra };
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'BACKUPMX_DATA_DIR']) delete env[name];
  return env;
}

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, cwd: options.cwd, env: options.env ?? cleanEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('CLI rough edges', () => {
  let fx: LocalFixture;
  let home: string;
  beforeAll(async () => {
    fx = await startLocalFixture();
    // A checkout-like tree whose .backup-mx holds the fixture's runtime file.
    home = await mkdtemp(path.join(tmpdir(), 'backupmx-lookup-'));
    await mkdir(path.join(home, '.backup-mx'));
    await mkdir(path.join(home, 'lib', 'config'), { recursive: true });
    await copyFile(path.join(fx.dataDir, 'runtime.json'), path.join(home, '.backup-mx', 'runtime.json'));
  });
  afterAll(async () => {
    await fx?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('--version prints package.json\'s version, exit 0', async () => {
    const { version } = (await import(PACKAGE, { with: { type: 'json' } })).default as { version: string };
    const result = await run(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('a reader that closes stdout early (| head) gets no EPIPE stack trace', async () => {
    for (let n = 0; n < 3; n++) await fx.queue({ recipients: [`pipe${n}@example.com`] });
    const child = spawn(process.execPath, [BIN, '--local', '--data-dir', fx.dataDir, 'mailq'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it('takes the start of a message id when it names one message, refuses an ambiguous one', async () => {
    const id = await fx.queue({ recipients: ['prefix@example.com'], messageId: `zzpre${'a'.repeat(35)}` });
    await fx.queue({ recipients: ['prefix2@example.com'], messageId: `zzpre${'b'.repeat(35)}` });
    const shown = await run(['--local', '--data-dir', fx.dataDir, 'show', id.slice(0, 7)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(id);
    const ambiguous = await run(['--local', '--data-dir', fx.dataDir, 'show', 'zzpre']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/zzpre is the start of 2 message ids: zzprea+, zzpreb+; give more of it/);
  });

  it('delete\'s confirmation names three recipients and counts the rest', async () => {
    const recipients = Array.from({ length: 10 }, (_, n) => `many${n}@example.com`);
    const id = await fx.queue({ recipients });
    const { code, io } = await fx.cli('delete', id);
    expect(code).toBe(2); // no terminal to ask: refused, nothing deleted
    expect(io.stdout[0]).toMatch(/to many0@example\.com, many1@example\.com, many2@example\.com and 7 more/);
  });

  it('requeue --all-dead with nothing to requeue exits 2, as docs/cli.md says', async () => {
    const { code, io } = await fx.cli('requeue', '--all-dead');
    expect(io.text).toContain('No dead letters to requeue');
    expect(code).toBe(2);
  });

  it('doctor --local offline (no DNS answer) warns about MX instead of failing', async () => {
    const { code, io } = await fx.cli('doctor', '--dns-server', '127.0.0.1:9');
    expect(io.text).toMatch(/WARN\s+MX example\.com\s+lookup failed: \S+: no DNS answer from here \(offline\?\)/);
    expect(io.text).toMatch(/OK\s+primary main/);
    expect(code).toBe(0);
  });

  it('--local finds .backup-mx in a parent directory (run from lib/config)', async () => {
    const result = await run(['--local', 'status'], { cwd: path.join(home, 'lib', 'config') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/main/);
  });

  it('without --local, a failing AWS lookup says that a local backup MX is running', async () => {
    const result = await run(['status'], { cwd: path.join(home, 'lib') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no AWS region: .*\(a local backup MX is running, pid \d+: add --local to work on it\)/);
  });
});
