// A route whose recipient list the primary pushes, through the local backup
// MX: before any push the stand-in takes the seed; a push of 450 addresses
// through the use case changes what it accepts within seconds (a listed
// address taken, an unlisted one of the same domain refused 550 5.1.1, as SES
// refuses a recipient no rule matches); an empty push changes nothing.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { RecipientPushRefused } from '../../lambdas/core/recipients/push-refused.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { SYNCED_LIST_POLL_MS } from '../../local/ses-standin/synced-lists.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, runnerEnv, sendMail, startMx, tempDir, waitFor, type SmtpOutcome } from '../support/runner/e2e-support.js';

const listed = Array.from({ length: 450 }, (_, i) => `user${String(i).padStart(3, '0')}@example.com`);

describe('a synced recipient list in the local SES stand-in', () => {
  const cleanup = cleanups();
  let mx: LocalBackupMx;
  let lines: string[];
  let dataDir: string;

  /** Sends to each address in its own transaction: what the stand-in answered to each RCPT. */
  const answers = async (...to: string[]): Promise<Record<string, string>> => {
    const result: Record<string, string> = {};
    for (const address of to) {
      const outcome: SmtpOutcome | Error = await sendMail(mx.smtpPort, 'alice@sender.test', [address], clientMessage(1, address)).catch((e: Error) => e);
      result[address] = outcome instanceof Error ? String((outcome as { response?: string }).response ?? outcome.message) : 'accepted';
    }
    return result;
  };

  beforeAll(async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'recipient-sync');
    const contextFile = path.join(dir, 'context.json');
    dataDir = path.join(dir, 'data');
    const route = { name: 'corp', domains: ['example.com'], recipients: ['seed@example.com'], recipientSync: { maxAddresses: 500 }, primary: { host: '127.0.0.1', port: primary.port, tls: 'none' } };
    await writeFile(contextFile, JSON.stringify({ backupMx: { region: 'us-east-1', hostname: 'backup-mx.e2e.test', canary: false, routes: [route] } }));
    ({ mx, lines } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), cleanup, true));
  });

  afterAll(() => cleanup.run());

  it('takes the seed before the first push', async () => {
    expect(await answers('seed@example.com', 'user001@example.com')).toEqual({
      'seed@example.com': 'accepted',
      'user001@example.com': expect.stringMatching(/^550 5\.1\.1/),
    });
  });

  it('a push of 450 addresses decides what is accepted within seconds', async () => {
    const pushedAt = Date.now();
    // The list leaves out the seed's only address (100 % of the seed, which a push is compared with while nothing is stored): forced.
    const result = await mx.recipients.push('corp', listed, { source: 'test', force: true });
    expect(result).toMatchObject({ version: 1, added: 450, total: 450, rules: { rules: 5 } });
    await waitFor('the stand-in to read the pushed list', () => lines.some((l) => l.includes('recipient list version 1 (450 addresses)')), 5_000);
    expect(Date.now() - pushedAt).toBeLessThan(SYNCED_LIST_POLL_MS * 3);
    expect(await answers('user001@example.com', 'user449@example.com', 'stranger@example.com', 'seed@example.com')).toEqual({
      'user001@example.com': 'accepted',
      'user449@example.com': 'accepted',
      'stranger@example.com': expect.stringMatching(/^550 5\.1\.1/),
      'seed@example.com': expect.stringMatching(/^550 5\.1\.1/),
    });
    expect(await mx.recipients.status('corp')).toMatchObject({ count: 450, version: 1, source: 'test' });
    const io = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'status'], { io })).toBe(0);
    expect(io.text).toMatch(/^corp recipients: 450 addresses synced \(version 1, \d+s ago, by test, forced\)$/m);
  });

  it('an empty push is refused and the stand-in keeps the list', async () => {
    await expect(mx.recipients.push('corp', [], { source: 'test', force: true })).rejects.toBeInstanceOf(RecipientPushRefused);
    await new Promise((resolve) => setTimeout(resolve, SYNCED_LIST_POLL_MS * 1.5));
    expect(await answers('user002@example.com')).toEqual({ 'user002@example.com': 'accepted' });
  });
});
