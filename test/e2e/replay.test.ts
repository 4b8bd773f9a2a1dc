// Replay against the local backup MX: mail is delivered to a real SMTP
// primary on loopback, then the operator replays a time window. Exactly the
// messages received in the window arrive again, with their original envelopes
// (BCC recipient, null sender) and bytes, through the normal drain.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, endsWith, queueId, runnerEnv, sendMail, sleep, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

describe('replay on the local backup MX', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let dataDir: string;
  const cli = async (...args: string[]) => {
    const io = new RecordingIo();
    const code = await main(['--local', '--data-dir', dataDir, ...args], { io });
    return { code, io };
  };
  const mails = [
    { from: 'alice@sender.test', to: ['bob@example.com', 'carol@example.com'], raw: clientMessage(1, 'bob@example.com') }, // carol: BCC
    { from: '', to: ['bob@example.com'], raw: clientMessage(2, 'bob@example.com', '') },
    { from: 'dave@sender.test', to: ['bob@example.com'], raw: clientMessage(3, 'bob@example.com', 'dave@sender.test') },
    { from: 'erin@sender.test', to: ['carol@example.com'], raw: clientMessage(4, 'carol@example.com', 'erin@sender.test') },
  ];
  const ids: string[] = [];
  let start: Date;
  let middle: Date;

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'replay');
    dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    ({ mx } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), cleanup, true));
    start = new Date();
    for (const [i, mail] of mails.entries()) {
      if (i === 2) {
        await sleep(20);
        middle = new Date();
        await sleep(20);
      }
      ids.push(queueId(await sendMail(mx.smtpPort, mail.from, mail.to, mail.raw)));
    }
    await primary.waitForMessages(4, 15_000);
    await waitFor('every message done', async () => (await mx.composed.deps.index.listQueued('main')).length === 0);
  });
  afterAll(() => cleanup.run());

  it('--dry-run lists the window and queues nothing', async () => {
    const { code, io } = await cli('replay', '--route', 'main', '--since', middle.toISOString(), '--dry-run', '--json');
    expect(code).toBe(0);
    const plan = io.json<{ messages: { id: string; sender: string; recipients: string[] }[]; queued: string[] }>();
    expect(plan.messages.map((m) => m.id)).toEqual([ids[2], ids[3]]);
    expect(plan.messages.map((m) => m.recipients)).toEqual([['bob@example.com'], ['carol@example.com']]);
    expect(plan.queued).toEqual([]);
    await sleep(1_500); // a probe round: nothing comes
    expect(primary.messages).toHaveLength(4);
  });

  it('without --yes and no terminal it refuses (exit 2)', async () => {
    const { code, io } = await cli('replay', '--route', 'main', '--since', middle.toISOString());
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/pass --yes/);
  });

  it('re-delivers exactly the messages received in the window, delivered ones included, with their envelopes and bytes', async () => {
    const { code, io } = await cli('replay', '--route', 'main', '--since', middle.toISOString(), '--yes');
    expect(code).toBe(0);
    expect(io.text).toMatch(/queued 2 replays on route main/);
    // The runner's own interval (BACKUPMX_PROBE_INTERVAL_SECONDS=1), as the CLI finds it in the runtime file.
    expect(io.text).toMatch(/the drain delivers them at the next probe, within 1 s, or now with `backup-mx flush main`/);
    expect(io.stderr.join('\n')).toMatch(/replay: 2\/2 queued/);
    await primary.waitForMessages(6, 15_000);
    await sleep(1_500); // and nothing more
    const again = primary.messages.slice(4);
    expect(again).toHaveLength(2);
    const byFrom = new Map(again.map((m) => [m.from, m]));
    expect(byFrom.get('dave@sender.test')?.to).toEqual(['bob@example.com']);
    expect(endsWith(byFrom.get('dave@sender.test')!.raw, mails[2]!.raw)).toBe(true);
    expect(byFrom.get('erin@sender.test')?.to).toEqual(['carol@example.com']);
    expect(endsWith(byFrom.get('erin@sender.test')!.raw, mails[3]!.raw)).toBe(true);
    // Replays are not archived again: a later replay of the window sends the originals, not copies of copies.
    expect((await mx.composed.archive.list('main', start, new Date())).map((e) => e.messageId)).toEqual(ids);
    const shown = await cli('show', `${ids[2]}.replay-nonexistent`);
    expect(shown.code).toBe(3);
  });

  it('--recipient and --until narrow the window: the BCC recipient of the first message, with the null sender kept for the bounce', async () => {
    const before = primary.messages.length;
    const one = await cli('replay', '--route', 'main', '--since', start.toISOString(), '--until', middle.toISOString(), '--recipient', 'carol@example.com', '--yes', '--json');
    expect(one.code).toBe(0);
    const result = one.io.json<{ queued: string[] }>();
    expect(result.queued).toHaveLength(1);
    expect(result.queued[0]).toMatch(new RegExp(`^${ids[0]}\\.replay-[0-9a-z]+$`));
    await primary.waitForMessages(before + 1, 15_000);
    const got = primary.messages[before]!;
    expect(got).toMatchObject({ from: 'alice@sender.test', to: ['carol@example.com'] });
    expect(endsWith(got.raw, mails[0]!.raw)).toBe(true);

    const bounce = await cli('replay', '--route', 'main', '--since', start.toISOString(), '--until', middle.toISOString(), '--recipient', 'bob@example.com', '--yes', '--json');
    const queued = bounce.io.json<{ queued: string[] }>().queued;
    expect(queued).toHaveLength(2);
    await primary.waitForMessages(before + 3, 15_000);
    expect(primary.messages.slice(before + 1).map((m) => m.from).sort()).toEqual(['', 'alice@sender.test']);
    const shown = await cli('show', queued[0]!, '--json');
    const [detail] = shown.io.json<{ stored: boolean; recipients: { state: string }[] }[]>();
    expect(detail!.stored).toBe(true); // the replay reads the original's raw object
    expect(detail!.recipients.map((r) => r.state)).toEqual(['delivered']);
  });
});
