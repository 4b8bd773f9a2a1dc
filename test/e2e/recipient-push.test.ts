// The primary pushes its list over HTTP to the local backup MX, with the
// command `backup-mx recipients push-command` prints, run by sh as cron would
// (openssl signs, curl posts): 450 addresses change what the SES stand-in
// accepts within seconds; an empty push is refused and changes nothing; the
// same request sent again is a replay (401); a wrong signature is 401, and so
// is one signed for another host (another stack sharing the key), and so is
// one signed with a route key derived from the trigger's key (which every
// primary calling the trigger holds): the push has a stack key of its own.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { bodyDigest, pushSignature, routePushKey } from '../../lambdas/core/recipients/push-signature.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { SYNCED_LIST_POLL_MS } from '../../local/ses-standin/synced-lists.js';
import { postfixSkipReason } from '../support/smtp/postfix-required.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, runnerEnv, sendMail, startMx, tempDir, waitFor, type SmtpOutcome } from '../support/runner/e2e-support.js';

const run = promisify(execFile);
/** postmap comes with Postfix (CI installs it, .ci/run); without it the cron-line test skips, or fails where Postfix is required. */
const postmapMissing = postfixSkipReason(spawnSync('postmap', ['-h']).error ? 'no postmap on this machine' : undefined, 'the postmap cron-line test') !== undefined;
const listed = Array.from({ length: 450 }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);

/** Runs `command` in sh with `stdin`: exit code and what it printed. */
function sh(command: string, stdin: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(stdin);
  });
}

describe('recipient push over HTTP to the local backup MX', () => {
  const cleanup = cleanups();
  let mx: LocalBackupMx;
  let lines: string[];
  let command: string;
  let dir: string;
  let dataDir: string;
  let primary: ScriptedPrimary;
  let contextFile: string;
  let routeConfig: Record<string, unknown>;

  const answer = async (address: string): Promise<string> => {
    const outcome: SmtpOutcome | Error = await sendMail(mx.smtpPort, 'alice@sender.test', [address], clientMessage(1, address)).catch((e: Error) => e);
    return outcome instanceof Error ? String((outcome as { response?: string }).response ?? outcome.message) : 'accepted';
  };

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    dir = await tempDir(cleanup, 'recipient-push');
    contextFile = path.join(dir, 'context.json');
    dataDir = path.join(dir, 'data');
    // The seed is what a first push is shrink-checked against while nothing is stored (a route with none needs force).
    routeConfig = { name: 'corp', domains: ['example.com'], recipients: ['user000@example.com'], recipientSync: { maxAddresses: 500 }, primary: { host: '127.0.0.1', port: primary.port, tls: 'none' } };
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', canary: false, routes: [routeConfig] } }));
    // The gate's minute shortened to 1 s: the tests push a second apart.
    ({ mx, lines } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir, BACKUPMX_PUSH_INTERVAL_SECONDS: '1' }), cleanup, true));
    const io = new RecordingIo();
    const keyFile = path.join(dir, 'corp.key');
    expect(await main(['--local', '--data-dir', dataDir, 'recipients', 'push-command', 'corp', '--key-file', keyFile], { io })).toBe(0);
    // The primary's setup: derive the route's key from the stack key, as the printed comment says.
    const keyCommand = /^# {3}(.+)$/m.exec(io.stderr.join('\n'))![1]!;
    await run('sh', ['-c', keyCommand]);
    command = io.text.trim();
    expect(command).toContain(`${mx.triggerPort}/corp/recipients`);
  });

  afterAll(() => cleanup.run());

  it('450 addresses pushed by the printed command decide what the stand-in accepts within seconds', async () => {
    expect(await answer('user001@example.com')).toMatch(/^550 5\.1\.1/);
    const pushedAt = Date.now();
    const pushed = await sh(command, listed.join('\n') + '\n');
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.out)).toMatchObject({ added: 450, removed: 0, total: 450, version: 1, rulesPending: false });
    await waitFor('the stand-in to read the pushed list', () => lines.some((l) => l.includes('recipient list version 1 (450 addresses)')), 5_000);
    expect(Date.now() - pushedAt).toBeLessThan(SYNCED_LIST_POLL_MS * 3 + 2_000);
    expect(await answer('user449@example.com')).toBe('accepted');
    expect(await answer('stranger@example.com')).toMatch(/^550 5\.1\.1/);
  });

  it('an empty push is refused (curl fails with the reason) and the list is unchanged', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new second: not taken for a replay
    const empty = await sh(command, '');
    expect(empty.code).toBe(22);
    expect(JSON.parse(empty.out)).toMatchObject({ reason: 'empty' });
    expect(await mx.recipients.status('corp')).toMatchObject({ version: 1, count: 450 });
  });

  it('a replayed request is refused, and a wrong signature is 401', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const body = 'one@example.com\n';
    // The key the primary holds (derived by the printed command), signing as the command does.
    const key = (await readFile(path.join(dir, 'corp.key'), 'utf8')).trim();
    const triggerKey = (await readFile(path.join(dir, 'data', 'trigger.key'), 'utf8')).trim();
    expect(key).toBe(routePushKey((await readFile(path.join(dir, 'data', 'recipient-push.key'), 'utf8')).trim(), 'corp'));
    expect(key).not.toBe(routePushKey(triggerKey, 'corp'));
    // The runner says where the push's own key is.
    expect(lines.some((l) => l.includes(`its own key in ${path.join(dir, 'data', 'recipient-push.key')}`))).toBe(true);
    const ts = String(Math.floor(Date.now() / 1000));
    const host = `127.0.0.1:${mx.triggerPort}`;
    const headers = { 'x-backupmx-timestamp': ts, 'x-backupmx-signature': pushSignature(key, host, 'corp', false, ts, bodyDigest(body)), 'content-type': 'text/plain' };
    const url = `http://${host}/corp/recipients`;
    const wrong = await fetch(url, { method: 'POST', body, headers: { ...headers, 'x-backupmx-signature': pushSignature('wrong-key-0123456789', host, 'corp', false, ts, bodyDigest(body)) } });
    expect(wrong.status).toBe(401);
    // A route key derived from the trigger's key, as any primary calling the trigger could make: 401.
    const fromTrigger = await fetch(url, { method: 'POST', body, headers: { ...headers, 'x-backupmx-signature': pushSignature(routePushKey(triggerKey, 'corp'), host, 'corp', false, ts, bodyDigest(body)) } });
    expect(fromTrigger.status).toBe(401);
    expect(await fromTrigger.text()).toMatch(/signature does not match/);
    // The right key, signed for another stack's host: 401, whatever Host header the caller sends.
    const otherHost = 'other-stack.lambda-url.eu-west-1.on.aws';
    const elsewhere = await fetch(url, { method: 'POST', body, headers: { ...headers, host: otherHost, 'x-backupmx-signature': pushSignature(key, otherHost, 'corp', false, ts, bodyDigest(body)) } });
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.text()).toMatch(/another host/);
    const first = await fetch(url, { method: 'POST', body, headers: { ...headers } });
    // One address of 450 is a shrink: refused by the guard, but the timestamp was taken.
    expect(first.status).toBe(409);
    const again = await fetch(url, { method: 'POST', body, headers });
    expect(again.status).toBe(401);
    expect(await again.text()).toMatch(/replay/);
    expect(await mx.recipients.status('corp')).toMatchObject({ version: 1, count: 450 });
  });

  it('the operator\'s push: --dry-run prints what changes and stores nothing; then it is stored, by cli', async () => {
    const file = path.join(dir, 'more.txt');
    const more = [...listed, ...Array.from({ length: 10 }, (_, i) => `new${i}@example.com`)];
    await writeFile(file, more.join('\n') + '\n');
    const dry = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'recipients', 'push', 'corp', '--file', file, '--dry-run'], { io: dry })).toBe(0);
    expect(dry.text).toContain('+ 10 added: new0@example.com, new1@example.com, new2@example.com, new3@example.com, new4@example.com, and 5 more');
    expect(dry.text).toContain('- 0 removed');
    expect(dry.text).toMatch(/dry run, 460 addresses; nothing stored \(stored version 1\)/);
    expect(await mx.recipients.status('corp')).toMatchObject({ version: 1 });
    const io = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'recipients', 'push', 'corp', '--file', file], { io })).toBe(0);
    expect(io.text).toMatch(/stored as version 2, 460 addresses; receipt rules in place/);
    expect(await mx.recipients.status('corp')).toMatchObject({ version: 2, count: 460, source: 'cli' });
    // An empty file is refused with the guard's words, exit 1, nothing stored.
    const empty = path.join(dir, 'empty.txt');
    await writeFile(empty, '');
    const refused = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'recipients', 'push', 'corp', '--file', empty, '--force'], { io: refused })).toBe(1);
    expect(refused.stderr.join('\n')).toMatch(/refused \(empty\)/);
    expect(await mx.recipients.status('corp')).toMatchObject({ version: 2 });
  });

  it('recipients verify --push stores what the primary accepted (source verify), leaving out what it refused', async () => {
    primary.script = { rcpt: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`new${i}@example.com`, { code: 550, enhanced: '5.1.1', text: 'User unknown' }])) };
    const io = new RecordingIo();
    const code = await main(['--local', '--data-dir', dataDir, 'recipients', 'verify', '--route', 'corp', '--rate', '100', '--file', path.join(dir, 'more.txt'), '--push'], { io });
    expect(code).toBe(1); // some were refused: verify's exit, after the push was stored
    expect(io.text).toContain('- 10 removed: new0@example.com');
    expect(await mx.recipients.status('corp')).toMatchObject({ version: 3, count: 450, source: 'verify' });
  }, 30_000);

  it.skipIf(postmapMissing)('the documented cron line: a Postfix virtual map through postmap -s | cut -f1 | grep', async () => {
    // A virtual map as Postfix sites keep it: addresses, a virtual domain line and a catch-all, which the grep leaves out.
    const map = path.join(dir, 'virtual');
    await writeFile(map, ['example.com anything', '@example.com catchall', ...listed.map((a) => `${a} local`), 'hired@example.com local'].join('\n') + '\n');
    await run('postmap', [`hash:${map}`]);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const pushed = await sh(`postmap -s hash:${map} | cut -f1 | grep '.@' | ${command}`, '');
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.out)).toMatchObject({ added: 1, removed: 0, total: 451 });
    await waitFor('the stand-in to read it', () => lines.some((l) => l.includes('(451 addresses)')), 5_000);
    expect(await answer('hired@example.com')).toBe('accepted');
  });

  it('after a reload (SIGHUP) the push checks against the reloaded limits', async () => {
    // maxShrinkPercent 100: the shrink that was refused before is now taken.
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', canary: false, routes: [{ ...routeConfig, recipientSync: { maxAddresses: 500, maxShrinkPercent: 100 } }] } }));
    await mx.reload();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const pushed = await sh(command, 'only@example.com\n');
    expect(pushed.code).toBe(0);
    expect(JSON.parse(pushed.out)).toMatchObject({ total: 1 });
  });
});
