// Emergency read against the local backup MX: while the primary (a real SMTP
// server on loopback) is down, `export` writes the route's mail to an mbox and
// a Maildir; mailparser reads every message back, and the bytes equal the
// stored objects (including a body line starting with "From ", which mbox
// must quote). `show --raw` prints one stored object unchanged.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { routePrefix } from '../../lambdas/config/mail-layout.js';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { readMbox } from '../support/smtp/mbox-reader.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('export (emergency read) on the local backup MX', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let dir: string;
  let dataDir: string;
  const delivered: string[] = [];
  const queued: string[] = [];
  const cli = async (...args: string[]) => {
    const io = new RecordingIo();
    const code = await main(['--local', '--data-dir', dataDir, ...args], { io });
    return { code, io };
  };
  const stored = async (id: string) => bytesOf((await mx.composed.deps.store.open(`${routePrefix('main')}${id}`)).body);

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    dir = await tempDir(cleanup, 'export');
    dataDir = path.join(dir, 'data');
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    ({ mx } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: dataDir }), cleanup, true));
    delivered.push(queueId(await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com'))));
    await primary.waitForMessages(1, 10_000);
    await waitFor('the first message done', async () => (await mx.composed.deps.index.listQueued('main')).length === 0);
    await primary.stop();
    await waitFor('the probe to see the primary down', async () => (await mx.composed.deps.routeState.health('main'))?.status === 'down');
    const tricky = Buffer.from(
      ['From: carol@sender.test', 'To: bob@example.com', 'Subject: urgent: the contract', '', 'From the desk of Carol:', '>From quoted already', 'sign today.', ''].join('\r\n'),
    );
    queued.push(queueId(await sendMail(mx.smtpPort, 'carol@sender.test', ['bob@example.com'], tricky)));
    queued.push(queueId(await sendMail(mx.smtpPort, '', ['bob@example.com'], clientMessage(2, 'bob@example.com', ''))));
    queued.push(queueId(await sendMail(mx.smtpPort, 'dave@sender.test', ['bob@example.com', 'eve@example.com'], clientMessage(3, 'bob@example.com', 'dave@sender.test'))));
  });
  afterAll(() => cleanup.run());

  it('--mbox (queued): every queued message, read back by mailparser, bytes equal to the stored objects', async () => {
    const file = path.join(dir, 'urgent.mbox');
    const { code, io } = await cli('export', '--route', 'main', '--mbox', file, '--json');
    expect(code).toBe(0);
    expect(io.json()).toMatchObject({ written: 3, ids: queued, missing: [] });
    expect(io.stderr.join('\n')).toMatch(/export: 3\/3 \(/);
    const entries = readMbox(await readFile(file));
    expect(entries).toHaveLength(3);
    expect(entries.map((e) => e.fromLine.split(' ')[1])).toEqual(['carol@sender.test', 'MAILER-DAEMON', 'dave@sender.test']);
    for (const [i, id] of queued.entries()) expect(entries[i]!.raw.equals(await stored(id))).toBe(true);
    const raw = (await readFile(file)).toString('latin1');
    expect(raw).toContain('\r\n>From the desk of Carol:\r\n>>From quoted already\r\n'); // quoted, reversibly
    const parsed = await Promise.all(entries.map((e) => simpleParser(e.raw)));
    expect(parsed.map((p) => p.subject)).toEqual(['urgent: the contract', 'e2e message 2', 'e2e message 3']);
    expect(parsed[0]!.text).toContain('From the desk of Carol:');

    const written = await readFile(file);
    const again = await cli('export', '--route', 'main', '--mbox', file);
    expect(again.code).toBe(2); // never overwrites
    expect(again.io.stderr.join('\n')).toContain(`${file} exists: export writes a new mbox file; choose another name`);
    expect((await readFile(file)).equals(written)).toBe(true);
  });

  it('--maildir --state all: delivered mail too, one file per message in new/, bytes as stored', async () => {
    const maildir = path.join(dir, 'Maildir');
    const { code, io } = await cli('export', '--route', 'main', '--state', 'all', '--maildir', maildir);
    expect(code).toBe(0);
    expect(io.text).toMatch(/wrote 4 messages/);
    const files = (await readdir(path.join(maildir, 'new'))).sort();
    expect(files).toHaveLength(4);
    expect(await readdir(path.join(maildir, 'tmp'))).toEqual([]);
    for (const id of [...delivered, ...queued]) {
      const name = files.find((f) => f.includes(`.${id}.`));
      expect(name, id).toBeDefined();
      const bytes = await readFile(path.join(maildir, 'new', name!));
      expect(bytes.equals(await stored(id))).toBe(true);
      expect((await simpleParser(bytes)).headers.get('subject')).toBeTruthy();
    }
  });

  it('--since limits the export; show --raw prints one stored object byte for byte', async () => {
    const later = await cli('export', '--route', 'main', '--state', 'all', '--since', '1h', '--mbox', path.join(dir, 'recent.mbox'), '--json');
    expect(later.io.json<{ written: number }>().written).toBe(4);
    const none = await cli('export', '--route', 'main', '--state', 'all', '--since', new Date(Date.now() + 60_000).toISOString(), '--mbox', path.join(dir, 'none.mbox'), '--json');
    expect(none.io.json<{ written: number }>().written).toBe(0);

    const { code, io } = await cli('show', queued[0]!, '--raw');
    expect(code).toBe(0);
    expect(Buffer.concat(io.bytes).equals(await stored(queued[0]!))).toBe(true);
    expect((await cli('export', '--route', 'main')).code).toBe(2); // neither --mbox nor --maildir
  });
});
