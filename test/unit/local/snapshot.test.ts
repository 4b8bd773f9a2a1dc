import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import { setOutcome } from '../../support/world/ledger-rows.js';
import { finishedByLedger, MailSpool, restoreSpool, type SpoolRecord } from '../../../local/snapshot.js';

function record(messageId: string, receivedAt: string, routes: { route: string; recipients: string[] }[]): SpoolRecord {
  return {
    version: 1,
    messageId,
    receivedAt,
    sender: 'alice@sender.test',
    size: 5,
    deliveries: routes.map(({ route, recipients }) => ({
      route,
      topicArn: `arn:aws:sns:us-east-1:000000000000:${route}`,
      bucketName: 'mail',
      objectKey: `${route}/${messageId}`,
      recipients,
      notification: JSON.stringify({ route, messageId }),
    })),
  };
}

describe('MailSpool and restoreSpool', () => {
  let dir: string;
  let spool: MailSpool;
  const puts: { key: string; body: string }[] = [];
  const published: { topicArn: string; message: string }[] = [];
  const store = { put: async (key: string, body: Buffer) => void puts.push({ key, body: body.toString() }) };
  const publish = async (topicArn: string, message: string) => void published.push({ topicArn, message });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-'));
    spool = MailSpool.inDataDir(dir);
    puts.length = 0;
    published.length = 0;
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('lists committed records oldest first and drops half-written files', async () => {
    await spool.save(record('m2', '2024-01-02T00:00:00.000Z', [{ route: 'main', recipients: ['a@x.test'] }]), Buffer.from('two'));
    await spool.save(record('m1', '2024-01-01T00:00:00.000Z', [{ route: 'main', recipients: ['a@x.test'] }]), Buffer.from('one'));
    await writeFile(join(spool.dir, 'm3.eml'), 'no commit marker'); // crash before the .json
    await writeFile(join(spool.dir, 'm4.json.1234.tmp'), '{');
    expect((await spool.list()).map((r) => r.messageId)).toEqual(['m1', 'm2']);
    expect((await readdir(spool.dir)).sort()).toEqual(['index.jsonl', 'm1.eml', 'm1.json', 'm2.eml', 'm2.json']);
    expect((await spool.readRaw('m1')).toString()).toBe('one');
  });

  it('is empty when the data dir has no spool yet', async () => {
    expect(await new MailSpool(join(dir, 'missing')).list()).toEqual([]);
  });

  it('refuses ids that could escape the spool directory', async () => {
    await expect(spool.save(record('../evil', '2024-01-01T00:00:00.000Z', []), Buffer.from('x'))).rejects.toThrow(/unsafe/);
  });

  it('restores every object and re-publishes only unfinished shares', async () => {
    const ledger = new InMemoryLedger();
    await spool.save(
      record('m1', '2024-01-01T00:00:00.000Z', [
        { route: 'main', recipients: ['a@x.test', 'b@x.test'] },
        { route: 'vip', recipients: ['boss@x.test'] },
      ]),
      Buffer.from('raw-1'),
    );
    await setOutcome(ledger, 'm1', 'a@x.test', 'delivered');
    await setOutcome(ledger, 'm1', 'b@x.test', 'deferred'); // not final: main must be re-published
    await setOutcome(ledger, 'm1', 'boss@x.test', 'bounced'); // final: vip is finished

    const report = await restoreSpool(spool, { store, publish, isFinished: finishedByLedger(ledger), now: () => new Date('2024-01-01T01:00:00Z') });

    expect(report).toEqual({ restored: 1, republished: 1, pruned: 0, skipped: 0, byRoute: { main: 1 } });
    expect(puts).toEqual([
      { key: 'main/m1', body: 'raw-1' },
      { key: 'vip/m1', body: 'raw-1' },
    ]);
    expect(published).toEqual([
      { topicArn: 'arn:aws:sns:us-east-1:000000000000:main', message: JSON.stringify({ route: 'main', messageId: 'm1' }) },
    ]);
  });

  it('re-publishes everything when no ledger is given, to the current topic', async () => {
    await spool.save(record('m1', '2024-01-01T00:00:00.000Z', [{ route: 'main', recipients: ['a@x.test'] }]), Buffer.from('r'));
    await spool.save(record('m2', '2024-01-01T00:00:01.000Z', [{ route: 'gone', recipients: ['a@y.test'] }]), Buffer.from('r'));
    const report = await restoreSpool(spool, {
      store,
      publish,
      topicArnFor: (route) => (route === 'main' ? 'arn:new:main' : undefined),
    });
    expect(report).toEqual({ restored: 2, republished: 1, pruned: 0, skipped: 0, byRoute: { main: 1 } });
    expect(published.map((p) => p.topicArn)).toEqual(['arn:new:main']);
    expect((await spool.list()).length).toBe(2); // the unknown route's mail stays spooled
  });

  it('prunes finished mail past the retention, keeps recent finished mail', async () => {
    const ledger = new InMemoryLedger();
    await spool.save(record('old', '2024-01-01T00:00:00.000Z', [{ route: 'main', recipients: ['a@x.test'] }]), Buffer.from('r'));
    await spool.save(record('new', '2024-03-01T00:00:00.000Z', [{ route: 'main', recipients: ['a@x.test'] }]), Buffer.from('r'));
    await setOutcome(ledger, 'old', 'a@x.test', 'delivered');
    await setOutcome(ledger, 'new', 'a@x.test', 'delivered');
    const report = await restoreSpool(spool, {
      store,
      publish,
      isFinished: finishedByLedger(ledger),
      now: () => new Date('2024-03-02T00:00:00Z'),
      retainFinishedSeconds: 30 * 86_400,
    });
    expect(report).toEqual({ restored: 1, republished: 0, pruned: 1, skipped: 0, byRoute: {} });
    expect((await spool.list()).map((r) => r.messageId)).toEqual(['new']);
    expect(published).toEqual([]);
  });

  it('160 spooled messages: no line per message unless verbose; a gone route is one warning with its count', async () => {
    for (let n = 0; n < 160; n += 1) {
      const route = n < 150 ? 'main' : 'gone';
      await spool.save(record(`m${String(n).padStart(3, '0')}`, '2024-01-01T00:00:00.000Z', [{ route, recipients: ['a@x.test'] }]), Buffer.from('r'));
    }
    const lines: string[] = [];
    const logger = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(`warning: ${line}`) };
    const topicArnFor = (route: string) => (route === 'main' ? 'arn:main' : undefined);
    const report = await restoreSpool(spool, { store, publish, topicArnFor, logger });
    expect(report).toMatchObject({ restored: 160, republished: 150, byRoute: { main: 150 } });
    expect(lines).toEqual(['warning: spool: 10 messages name route gone, which is no longer configured; kept in the spool until the route is back']);

    lines.length = 0;
    await restoreSpool(spool, { store, publish, topicArnFor, logger, verbose: true });
    expect(lines.filter((l) => /^requeued m\d{3} for route main \(1 recipient\) from the spool$/.test(l))).toHaveLength(150);
    expect(lines.filter((l) => /^warning: spool: m\d{3} names route gone/.test(l))).toHaveLength(10);
  });
});
