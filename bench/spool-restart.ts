// `npx tsx bench/spool-restart.ts`: what a restart of `npm start` costs with a
// full 30-day spool, before and after the spool index. Builds a spool of
// BENCH_SPOOL_MESSAGES (default 5,000) × BENCH_SPOOL_KB (default 50 KB) =
// 250 MB where 5 % of the messages still wait and 1 % are dead letters, then
// restores it three ways into an in-memory S3 (as fauxqs keeps objects):
//   every   the behaviour before the index: every record opened, every object put back
//   first   the first start with the index: every record opened, objects only for waiting + dead
//   next    a later start: finished messages skipped unopened
// and prints time, bytes put back and RSS growth for each, as JSON.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedByLedger, MailSpool, restoreSpool, type SpoolRecord } from '../local/snapshot.js';
import type { RecipientOutcome } from '../lambdas/core/model.js';
import type { Ledger } from '../lambdas/core/outcome/ports.js';
import { BENCH } from './bench-variables.js';

const count = BENCH.spoolMessages;
const size = BENCH.spoolKb * 1024;
const dir = await mkdtemp(join(tmpdir(), 'bench-spool-'));
const spool = MailSpool.inDataDir(dir);
await mkdir(spool.dir, { recursive: true });

const pending = new Set<string>();
const dead = new Set<string>();
const body = Buffer.alloc(size, 'x');
const index: string[] = [];
for (let n = 0; n < count; n++) {
  const id = `m${String(n).padStart(7, '0')}`;
  if (n % 20 === 0) pending.add(id);
  else if (n % 100 === 1) dead.add(id);
  const receivedAt = new Date(Date.now() - (count - n) * 60_000).toISOString();
  const record: SpoolRecord = {
    version: 1, messageId: id, receivedAt, sender: 'a@sender.test', size,
    deliveries: [{ route: 'main', topicArn: 'arn:main', bucketName: 'mail', objectKey: `mail/main/${id}`, recipients: ['bob@example.com'], notification: JSON.stringify({ id, pad: 'n'.repeat(3000) }) }],
  };
  // Written plainly (no fsync): building the spool is not what is measured.
  await writeFile(join(spool.dir, `${id}.eml`), body);
  await writeFile(join(spool.dir, `${id}.json`), JSON.stringify(record));
  index.push(JSON.stringify({ id, at: receivedAt }));
}
await writeFile(spool.index.file, index.join('\n') + '\n');

const ledger: Ledger = {
  async outcomes(messageId: string) {
    const state = pending.has(messageId) ? 'deferred' : dead.has(messageId) ? 'bounced' : 'delivered';
    return new Map<string, RecipientOutcome>([['bob@example.com', { recipient: 'bob@example.com', state, attempts: 1, updatedAt: new Date() }]]);
  },
  async outcomesFor(messageId: string) {
    return this.outcomes(messageId);
  },
  async record() {},
  async recordAttempts() {},
  async addAttempt() {},
  async attempts() {
    return [];
  },
};

async function measure(name: string, extra: { recheck?: Set<string>; keepRaw?: Set<string> }) {
  const objects = new Map<string, Buffer>();
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const report = await restoreSpool(spool, {
    store: { put: async (key, raw) => void objects.set(key, Buffer.from(raw)) },
    publish: async () => undefined,
    isFinished: finishedByLedger(ledger),
    ...extra,
  });
  const seconds = (performance.now() - started) / 1000;
  const bytes = [...objects.values()].reduce((sum, b) => sum + b.length, 0);
  const figure = { name, seconds: Number(seconds.toFixed(2)), objectsMb: Number((bytes / 2 ** 20).toFixed(1)), rssGrowthMb: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20), ...report };
  objects.clear();
  return figure;
}

try {
  const spoolMb = Math.round((count * size) / 2 ** 20);
  const recheck = new Set([...pending, ...dead]);
  const freshIndex = () => writeFile(spool.index.file, index.join('\n') + '\n'); // as no start had run
  const figures = [await measure('every', {})];
  await freshIndex();
  figures.push(
    await measure('first', { recheck, keepRaw: dead }),
    await measure('next', { recheck, keepRaw: dead }),
  );
  console.log(JSON.stringify({ messages: count, spoolMb, waiting: pending.size, deadLetters: dead.size, figures }, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
