// Delay warnings against the local backup MX: the primary (a real SMTP server
// on loopback) keeps answering 451 for one recipient; after the configured
// time the sender gets exactly one RFC 3464 "delayed" notice, written to
// bounces/ as local runs do, while retries go on. A bounce (null sender)
// never gets one. `show` lists the notice.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, sleep, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

const WARN_AFTER_SECONDS = 2;

describe('delay warnings on the local backup MX', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let dataDir: string;
  const bounceFiles = async () => (await readdir(path.join(dataDir, 'bounces')).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'off', script: { rcpt: { 'slow@example.com': { code: 451, enhanced: '4.2.0', text: 'mailbox busy' } } } });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'delay');
    dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    ({ mx } = await startMx(
      runnerEnv(contextFile, {
        BACKUPMX_DATA_DIR: dataDir,
        BACKUPMX_DELAY_WARNING_SECONDS: String(WARN_AFTER_SECONDS),
        BACKUPMX_MIN_BACKOFF_SECONDS: '1',
        BACKUPMX_MAX_BACKOFF_SECONDS: '1',
      }),
      cleanup,
      true,
    ));
  });
  afterAll(() => cleanup.run());

  it('sends one "delayed" notice to the sender after the configured time, none to <>, and keeps retrying', async () => {
    const started = Date.now();
    const id = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', ['slow@example.com', 'fast@example.com'], clientMessage(1, 'slow@example.com')));
    const bounceId = queueId(await sendMail(mx.smtpPort, '', ['slow@example.com'], clientMessage(2, 'slow@example.com', '')));
    await primary.waitForMessages(1, 5_000); // fast@ delivered at the first attempt
    expect(await bounceFiles()).toEqual([]);

    await waitFor('the delay warning', async () => (await bounceFiles()).length > 0, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WARN_AFTER_SECONDS * 1000);
    // Several more retries, each past the warning time: still one notice.
    const attemptsBefore = (await mx.composed.deps.ledger.attempts(id)).length;
    await waitFor('more retries', async () => (await mx.composed.deps.ledger.attempts(id)).length >= attemptsBefore + 2, 10_000);
    await sleep(500);
    const files = await bounceFiles();
    expect(files).toHaveLength(1);
    const notice = await readFile(path.join(dataDir, 'bounces', files[0]!), 'utf8');
    expect(notice).toMatch(/^X-Envelope-From: <>\r\nX-Envelope-To: <alice@sender\.test>\r\n/);
    expect(notice).toContain('Content-Type: multipart/report; report-type=delivery-status');
    expect(notice).toContain('Final-Recipient: rfc822; slow@example.com\r\nAction: delayed\r\nStatus: 4.2.0');
    expect(notice).toContain('Will-Retry-Until: ');
    expect(notice).not.toContain('fast@example.com\r\nAction'); // delivered: not in the notice
    expect(notice).toContain('Subject: e2e message 1'); // the original headers travel along

    // The bounce with <> stays queued and unwarned.
    expect((await mx.composed.deps.ledger.attempts(bounceId)).length).toBeGreaterThan(1);
    expect(await mx.composed.deps.delayNotices!.get(bounceId, 'main')).toBeUndefined();

    const io = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'show', id, '--json'], { io })).toBe(0);
    const [detail] = io.json<{ delayWarning?: { at: string; recipients: string[] } }[]>();
    expect(detail!.delayWarning?.recipients).toEqual(['slow@example.com']);
    const text = new RecordingIo();
    await main(['--local', '--data-dir', dataDir, 'show', id], { io: text });
    expect(text.text).toMatch(/delay notice\s+sent .* for <slow@example\.com>/);
  });
});
