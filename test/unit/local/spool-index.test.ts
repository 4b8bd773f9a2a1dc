// The spool's index lets a restart skip messages an earlier start found
// finished, without opening them; the directory listing stays the truth, so a
// record the index misses (or a line a crash cut) is still looked at.
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedByLedger, MailSpool, restoreSpool, type SpoolRecord } from '../../../local/snapshot.js';
import { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import { setOutcome } from '../../support/world/ledger-rows.js';

const record = (messageId: string, receivedAt: string): SpoolRecord => ({
  version: 1,
  messageId,
  receivedAt,
  sender: 'alice@sender.test',
  size: 1,
  deliveries: [{ route: 'main', topicArn: 'arn:main', bucketName: 'mail', objectKey: `main/${messageId}`, recipients: ['a@x.test'], notification: messageId }],
});

describe('spool index', () => {
  let dir: string;
  let spool: MailSpool;
  let ledger: InMemoryLedger;
  const puts: string[] = [];
  const published: string[] = [];
  const restore = (extra: { recheck?: Set<string>; keepRaw?: Set<string> } = { recheck: new Set(), keepRaw: new Set() }) =>
    restoreSpool(spool, {
      store: { put: async (key) => void puts.push(key) },
      publish: async (_topic, message) => void published.push(message),
      isFinished: finishedByLedger(ledger),
      now: () => new Date('2024-01-02T00:00:00Z'),
      ...extra,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-index-'));
    spool = MailSpool.inDataDir(dir);
    ledger = new InMemoryLedger();
    puts.length = 0;
    published.length = 0;
    for (const id of ['a', 'b', 'c']) await spool.save(record(id, `2024-01-01T00:00:0${id.charCodeAt(0) - 97}.000Z`), Buffer.from(id));
    await setOutcome(ledger, 'a', 'a@x.test', 'delivered');
    await setOutcome(ledger, 'b', 'a@x.test', 'bounced');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a second start opens only what is not known finished; raw bytes only for the pending and the kept', async () => {
    const first = await restore({ recheck: new Set(), keepRaw: new Set(['b']) });
    expect(first).toEqual({ restored: 2, republished: 1, pruned: 0, skipped: 0, byRoute: { main: 1 } });
    expect(puts.sort()).toEqual(['main/b', 'main/c']); // a is delivered: its bytes stay on disk only
    expect(published).toEqual(['c']);

    // Make the records unreadable: a start that opened a finished one would fail.
    await appendFile(join(spool.dir, 'a.json'), 'garbage');
    await appendFile(join(spool.dir, 'b.json'), 'garbage');
    puts.length = 0;
    published.length = 0;
    const second = await restore();
    expect(second).toEqual({ restored: 1, republished: 1, pruned: 0, skipped: 2, byRoute: { main: 1 } });
    expect(published).toEqual(['c']);
  });

  it('looks at a finished message again when asked (requeued, or a dead letter)', async () => {
    await restore();
    await setOutcome(ledger, 'a', 'a@x.test', 'queued'); // requeue reset the ledger
    published.length = 0;
    const report = await restore({ recheck: new Set(['a']), keepRaw: new Set() });
    expect(report.skipped).toBe(1);
    expect(published.sort()).toEqual(['a', 'c']);
  });

  it('a record the index misses, or a line cut by a crash, is still restored', async () => {
    await restore();
    await spool.save(record('d', '2024-01-01T00:00:09.000Z'), Buffer.from('d'));
    const text = await readFile(spool.index.file, 'utf8');
    await rm(spool.index.file);
    await appendFile(spool.index.file, text.split('\n').filter((l) => !l.includes('"d"')).join('\n') + '\n{"id":"e","at":"20');
    published.length = 0;
    const report = await restore();
    expect(published.sort()).toEqual(['c', 'd']);
    expect(report.skipped).toBe(2);
  });

  it('prunes finished messages past the retention without opening them', async () => {
    await restore();
    const report = await restoreSpool(spool, {
      store: { put: async () => undefined },
      publish: async () => undefined,
      isFinished: finishedByLedger(ledger),
      recheck: new Set(),
      now: () => new Date('2024-03-01T00:00:00Z'),
    });
    expect(report.pruned).toBe(2);
    expect((await spool.entries()).map((e) => e.id)).toEqual(['c']);
  });
});
