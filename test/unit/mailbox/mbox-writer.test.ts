// mboxrd writing: the ">From " quoting is reversible whatever the chunking of
// the stored object, and the reader gets the stored bytes back exactly.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { asctime, MboxWriter } from '../../../lambdas/adapters/mailbox/mbox-writer.js';
import { FromQuoting } from '../../../lambdas/adapters/mailbox/from-quoting.js';
import { MailboxExistsError } from '../../../lambdas/core/operator/ports.js';
import { readMbox } from '../../support/smtp/mbox-reader.js';

async function quote(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const q = new FromQuoting();
  q.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => q.on('end', resolve));
  for (const c of chunks) q.write(c);
  q.end();
  await done;
  return Buffer.concat(out);
}

/** Splits `bytes` into chunks of 1..max bytes, the same way for one seed. */
function chop(bytes: Buffer, seed: number, max = 7): Buffer[] {
  const chunks: Buffer[] = [];
  let x = seed;
  for (let at = 0; at < bytes.length; ) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % max);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

const TRICKY = Buffer.from('From: a@b\r\nSubject: x\r\n\r\nFrom here\r\n>From there\r\n>>From deep\r\nFromage\r\n> From spaced\r\nFrom', 'latin1');
const QUOTED = Buffer.from('From: a@b\r\nSubject: x\r\n\r\n>From here\r\n>>From there\r\n>>>From deep\r\nFromage\r\n> From spaced\r\nFrom', 'latin1');

describe('mboxrd From quoting', () => {
  it('quotes lines starting with >*"From " and nothing else (not "From:", "Fromage", "> From", or a last line "From")', async () => {
    expect((await quote([TRICKY])).toString('latin1')).toBe(QUOTED.toString('latin1'));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives the same bytes whatever the chunking (seed %i)', async (seed) => {
    expect((await quote(chop(TRICKY, seed, seed))).equals(QUOTED)).toBe(true);
  });
});

describe('MboxWriter', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('writes From lines with sender and asctime, and reads back byte for byte (with and without a final newline)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'backupmx-mbox-'));
    dirs.push(dir);
    const file = path.join(dir, 'out.mbox');
    const writer = await MboxWriter.create(file);
    const messages = [TRICKY, Buffer.from('Subject: two\r\n\r\nbody\r\n'), Buffer.from('Subject: 8bit\r\n\r\nCaf\u00e9\n', 'utf8')];
    const at = new Date('2026-01-05T09:04:05Z');
    await writer.add({ messageId: 'a', sender: 'alice@example.com', receivedAt: at }, Readable.from(chop(messages[0]!, 3)));
    await writer.add({ messageId: 'b', sender: '', receivedAt: at }, Readable.from([messages[1]!]));
    await writer.add({ messageId: 'c', sender: 'c@example.com', receivedAt: at }, Readable.from([messages[2]!]));
    await writer.close();
    const entries = readMbox(await readFile(file));
    expect(entries.map((e) => e.fromLine)).toEqual(['From alice@example.com Mon Jan  5 09:04:05 2026', 'From MAILER-DAEMON Mon Jan  5 09:04:05 2026', 'From c@example.com Mon Jan  5 09:04:05 2026']);
    // The first had no final newline: the writer added one (the only change besides quoting).
    expect(entries[0]!.raw.equals(Buffer.concat([TRICKY, Buffer.from('\n')]))).toBe(true);
    expect(entries[1]!.raw.equals(messages[1]!)).toBe(true);
    expect(entries[2]!.raw.equals(messages[2]!)).toBe(true);
    // A second export to the same name is refused with the typed error the CLI words (never EEXIST for it to decode).
    const refused = await MboxWriter.create(file).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(MailboxExistsError);
    expect(refused).toMatchObject({ path: file });
    expect(readMbox(await readFile(file))).toHaveLength(3);
    expect(asctime(new Date('2026-12-25T23:59:59Z'))).toBe('Fri Dec 25 23:59:59 2026');
  });

  it('writes many messages to one file without piling listeners on it (no MaxListenersExceededWarning)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'backupmx-mbox-'));
    dirs.push(dir);
    const file = path.join(dir, 'many.mbox');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const writer = await MboxWriter.create(file);
      for (let i = 0; i < 30; i += 1) {
        await writer.add({ messageId: `m${i}`, sender: 's@example.com', receivedAt: new Date('2026-01-05T09:04:05Z') }, Readable.from([Buffer.from(`Subject: ${i}\r\n\r\nFrom body ${i}\r\n`)]));
      }
      await writer.close();
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
    const entries = readMbox(await readFile(file));
    expect(entries).toHaveLength(30);
    expect(entries[29]!.raw.toString()).toBe('Subject: 29\r\n\r\nFrom body 29\r\n');
  });

  it('a source that fails rejects add, and the file stays usable for the next message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'backupmx-mbox-'));
    dirs.push(dir);
    const writer = await MboxWriter.create(path.join(dir, 'fail.mbox'));
    const broken = new Readable({ read() { this.destroy(new Error('object read failed')); } });
    await expect(writer.add({ messageId: 'x', sender: 's@example.com', receivedAt: new Date() }, broken)).rejects.toThrow('object read failed');
    await writer.add({ messageId: 'y', sender: 's@example.com', receivedAt: new Date() }, Readable.from([Buffer.from('Subject: y\r\n\r\n')]));
    await writer.close();
  });

  it('to a stream (the console\'s download): the same bytes as the file, the stream ended by close', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const writer = MboxWriter.to(out);
    const at = new Date('2026-01-05T09:04:05Z');
    await writer.add({ messageId: 'a', sender: 'alice@example.com', receivedAt: at }, Readable.from(chop(TRICKY, 5)));
    await writer.close();
    expect(out.writableEnded).toBe(true);
    expect(Buffer.concat(chunks).equals(Buffer.concat([Buffer.from('From alice@example.com Mon Jan  5 09:04:05 2026\n'), QUOTED, Buffer.from('\n\n')]))).toBe(true);
  });

  it('to a stream the reader drops midway (a download cancelled): add rejects instead of waiting for a drain that never comes', async () => {
    // A tiny buffer and no reader: the first writes fill it, then the stream is destroyed.
    const out = new Writable({ highWaterMark: 16, write: (_chunk, _encoding, done) => setTimeout(done, 1_000) });
    const writer = MboxWriter.to(out);
    const big = Buffer.alloc(64 * 1024, 'x');
    const adding = writer.add({ messageId: 'a', sender: 's@example.com', receivedAt: new Date() }, Readable.from([big, big]));
    setTimeout(() => out.destroy(), 20);
    await expect(adding).rejects.toThrow(/closed before everything was written/);
  });
});
