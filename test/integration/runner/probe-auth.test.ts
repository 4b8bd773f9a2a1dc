// The local runner's probe logs in as the probe Lambda's does (the engine's
// own SMTP probe, AUTH from BACKUPMX_LOCAL_SECRETS), so a wrong password is
// said from the first probe as a refusal of our credentials, on the console
// and in `status`, never as "up … delivering its mail". With BACKUPMX_VERBOSE=1
// each probe round prints one line per route. A real SMTP primary requiring
// AUTH over STARTTLS with a pinned certificate.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeStatuses } from '../../../cli/commands/status.js';
import type { Target } from '../../../cli/target.js';
import { LocalBackupMx } from '../../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { makeTestCertificate } from '../../support/smtp/scripted-primary-certificate.js';
import { cleanups, runnerEnv, tempDir, waitFor } from '../../support/runner/e2e-support.js';

const SECRET = 'backup-mx/corp';
const CREDENTIALS = { username: 'backup-mx', password: 'the right one' };

describe('local runner: the probe logs in as the Lambda\'s does', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let dir: string;
  let contextFile: string;
  let secretsFile: string;

  const start = async (verbose: boolean) => {
    const lines: string[] = [];
    const env = runnerEnv(contextFile, { BACKUPMX_LOCAL_SECRETS: secretsFile, BACKUPMX_PROBE_TIMEOUT_MS: '3000' });
    const mx = await LocalBackupMx.start({ env, write: (line) => lines.push(line), runtimeFile: false, verbose });
    cleanup.add(() => mx.stop({ quiet: true }));
    return { mx, lines };
  };

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'offer', certificate: makeTestCertificate(['localhost', '127.0.0.1']), auth: CREDENTIALS });
    cleanup.add(() => primary.stop());
    dir = await tempDir(cleanup, 'probe-auth');
    secretsFile = path.join(dir, 'secrets.json');
    contextFile = path.join(dir, 'context.json');
    const route = { name: 'corp', domains: ['example.com'], primary: { ...primary.asPinnedPrimary(), host: '127.0.0.1', authSecretName: SECRET } };
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', routes: [route] } }));
  }, 30_000);
  afterAll(() => cleanup.run(), 30_000);

  it('a wrong password: the first probe line says the primary refuses our credentials, and status says so too', async () => {
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: { ...CREDENTIALS, password: 'wrong' } }));
    const { mx, lines } = await start(false);
    await waitFor('the first probe\'s line', () => lines.some((l) => /primary corp /.test(l)), 10_000);
    const first = lines.find((l) => /primary corp /.test(l))!;
    expect(first).toMatch(/primary corp \(127\.0\.0\.1:\d+\) primary refuses our credentials \(AUTH: 535 .*\): holding its mail; fix secret "backup-mx\/corp" in the BACKUPMX_LOCAL_SECRETS file/);
    expect(lines.join('\n')).not.toMatch(/primary corp up/);

    const target = { engine: mx.engine, operator: mx.composed.operator, settings: mx.settings } as unknown as Target;
    const [status] = await routeStatuses(target, 'corp');
    expect(status).toMatchObject({ route: 'corp', status: 'down', authRefused: true });
    expect(status!.lastError).toMatch(/^primary refuses our credentials: AUTH: 535/);

    // The password fixed in the file: the next probe sees the new secret and logs in at once.
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: CREDENTIALS }));
    await waitFor('the primary up after the fix', () => lines.some((l) => /primary corp up .*delivering its mail/.test(l)), 10_000);
    await mx.stop({ quiet: true });
  }, 30_000);

  it('BACKUPMX_VERBOSE=1: one line per probe round per route, with the result and the latency', async () => {
    await writeFile(secretsFile, JSON.stringify({ [SECRET]: CREDENTIALS }));
    const { mx, lines } = await start(true);
    await waitFor('three probe rounds', () => lines.filter((l) => / probe corp: /.test(l)).length >= 3, 10_000);
    const rounds = lines.filter((l) => / probe corp: /.test(l));
    for (const line of rounds.slice(0, 3)) expect(line).toMatch(/^\d\d:\d\d:\d\d probe corp: up, \d+ ms$/);
    await mx.stop({ quiet: true });
  }, 30_000);
});
