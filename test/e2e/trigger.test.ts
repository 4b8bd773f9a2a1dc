// "I'm back" against the local backup MX: the primary (a real SMTP server on
// loopback) comes back while the probe would not look again for a minute; the
// command `backup-mx trigger-url` prints is run as a shell would run it, and
// the mail arrives within the bound. Unsigned, stale and too-frequent calls
// start nothing (test/security/trigger-replay.test.ts: replays and the window).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { triggerSignature } from '../../lambdas/core/operator/trigger-signature.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, endsWith, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

const run = promisify(execFile);
/** The bound the issue sets for primary up → first delivery with the signal. */
const SIGNALLED_RECOVERY_MS = 2_000;

describe('"I\'m back" trigger on the local backup MX', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let lines: string[];
  let dataDir: string;

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    await primary.stop();
    const dir = await tempDir(cleanup, 'trigger');
    dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [
      { name: 'main', domains: ['example.com'], primaryPort: primary.port },
      { name: 'lab', domains: ['lab.example.com'], primaryPort: primary.port },
    ]);
    // A 60 s probe: only the trigger can bring the mail within the test's time.
    ({ mx, lines } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_PROBE_INTERVAL_SECONDS: '60' }), cleanup, true));
    await waitFor('the first probe to see the primary down', () => lines.some((l) => /primary main down/.test(l)));
  });
  afterAll(() => cleanup.run());

  const post = (route: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${mx.triggerPort}/${route}`, { method: 'POST', headers });

  it('refuses calls without a valid signature or with a stale timestamp, and starts no drain', async () => {
    const secret = (await readFile(path.join(dataDir, 'trigger.key'), 'utf8')).trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const ts = String(Math.floor(Date.now() / 1000));
    expect((await post('main')).status).toBe(401);
    expect((await post('main', { 'x-backupmx-timestamp': ts, 'x-backupmx-signature': triggerSignature('wrong-secret-0123456789', 'main', ts) })).status).toBe(401);
    // Signed for another route: the signature covers the route.
    expect((await post('main', { 'x-backupmx-timestamp': ts, 'x-backupmx-signature': triggerSignature(secret, 'other', ts) })).status).toBe(401);
    const stale = String(Math.floor(Date.now() / 1000) - 3_600);
    const old = await post('main', { 'x-backupmx-timestamp': stale, 'x-backupmx-signature': triggerSignature(secret, 'main', stale) });
    expect(old.status).toBe(401);
    expect(await old.text()).toMatch(/behind our clock/);
    expect((await fetch(`http://127.0.0.1:${mx.triggerPort}/main`)).status).toBe(405);
    expect(mx.drains.summaries.filter((s) => s.mode === 'deliver')).toHaveLength(0); // the probe's sweep of a down route may have run
  });

  it('the printed command brings queued mail within 2 s of the primary coming back; a second call at once is refused', async () => {
    const raw = clientMessage(1, 'bob@example.com');
    const id = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], raw));
    const io = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'trigger-url', 'main'], { io })).toBe(0);
    const command = io.stdout[0]!;
    expect(command).toContain(`http://127.0.0.1:${mx.triggerPort}/main`);
    expect(command).toContain(path.join(dataDir, 'trigger.key'));

    await primary.restart();
    const upAt = Date.now();
    const { stdout } = await run('sh', ['-c', command]);
    expect(JSON.parse(stdout)).toEqual({ message: 'primary of route main answers; drain started' });
    await primary.waitForMessages(1, SIGNALLED_RECOVERY_MS);
    expect(Date.now() - upAt).toBeLessThanOrEqual(SIGNALLED_RECOVERY_MS);
    const [got] = primary.messages;
    expect(got).toMatchObject({ from: 'alice@sender.test', to: ['bob@example.com'] });
    expect(endsWith(got!.raw, raw)).toBe(true);
    await waitFor('the runner to log the delivery', () => lines.some((l) => l.includes(`delivered ${id}`)));

    // Refused at once: curl -f exits 22 on the 429 (or the 401 of a second call within the same second).
    const again = await run('sh', ['-c', command]).then(() => 0, (error: { code?: number }) => error.code);
    expect(again).toBe(22);
    expect(lines.some((l) => /trigger for route main: (429|401)/.test(l))).toBe(true);
  });

  it('the hook script of docs/primary-setup.md works as written (URL and key path swapped for the local ones)', async () => {
    const doc = await readFile(path.join(import.meta.dirname, '../../docs/primary-setup.md'), 'utf8');
    const script = /```sh\n(#!\/bin\/sh\n# \/usr\/local\/sbin\/backup-mx-im-back[\s\S]*?)```/.exec(doc)?.[1];
    expect(script).toBeDefined();
    const local = script!
      .replaceAll("'https://abc123.lambda-url.eu-west-1.on.aws/main'", `'http://127.0.0.1:${mx.triggerPort}/lab'`)
      .replaceAll("printf '%s\\n%s' 'main'", "printf '%s\\n%s' 'lab'")
      .replaceAll('/etc/backup-mx/trigger.key', path.join(dataDir, 'trigger.key'));
    expect(local).toContain('/lab');
    const { stdout } = await run('sh', ['-c', local]);
    expect(JSON.parse(stdout)).toEqual({ message: 'primary of route lab answers; no mail is waiting for it' });
  });

  it('answers 404 for a route it does not know (after checking the signature)', async () => {
    const secret = (await readFile(path.join(dataDir, 'trigger.key'), 'utf8')).trim();
    const ts = String(Math.floor(Date.now() / 1000));
    const response = await post('nope', { 'x-backupmx-timestamp': ts, 'x-backupmx-signature': triggerSignature(secret, 'nope', ts) });
    expect(response.status).toBe(404);
  });
});
