// Restart durability: mail that got a 250 survives a clean stop and a kill -9
// of the whole local backup MX, although fauxqs forgets every object and
// queue message. dynalite keeps the ledger on disk, so finished mail is not
// queued again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import { parseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { finishedByLedger, MailSpool, restoreSpool } from '../../../local/snapshot.js';
import { SesStandIn } from '../../../local/ses-standin/ses-standin.js';
import { startLocalAws, type LocalAws } from '../../support/aws/runner-local-aws.js';
import { drainQueue, readObject, RecordingLineLogger, sendRaw } from '../../support/aws/standin-helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups.length = 0;
});

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'backupmx-data-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function aws(dataDir: string): Promise<LocalAws> {
  const started = await startLocalAws(dataDir);
  cleanups.push(() => started.stop());
  return started;
}

const raw = (n: number) => Buffer.from(`From: a@sender.test\r\nSubject: restart ${n}\r\n\r\nbody ${n}\r\n`);

async function restore(local: LocalAws, dataDir: string) {
  const logger = new RecordingLineLogger();
  const report = await restoreSpool(MailSpool.inDataDir(dataDir), {
    store: local.store,
    publish: local.publish,
    isFinished: finishedByLedger(new DynamoLedger(local.clients.doc, local.resources.tableName)),
    topicArnFor: (route) => local.routes.find((r) => r.name === route)?.topicArn,
    logger,
    verbose: true,
  });
  return { report, logger };
}

describe('restart with BACKUPMX_DATA_DIR', () => {
  it('restores queued mail after a clean stop and skips mail the ledger says is finished', async () => {
    const dataDir = await tempDataDir();
    const first = await startLocalAws(dataDir);
    const standIn = new SesStandIn({
      routes: first.routes,
      region: first.clients.region,
      bucketName: first.resources.bucketName,
      store: first.store,
      publish: first.publish,
      spool: MailSpool.inDataDir(dataDir),
      logger: new RecordingLineLogger(),
      port: 0,
    });
    const port = await standIn.start();
    const done = (await sendRaw(port, 'a@sender.test', ['bob@example.com'], raw(1))).response.split(' ')[2];
    const queued = (await sendRaw(port, '', ['bob@example.com', 'boss@vip.test'], raw(2))).response.split(' ')[2];
    // The drain delivered the first one before the stop.
    await new DynamoLedger(first.clients.doc, first.resources.tableName).record(done, {
      recipient: 'bob@example.com',
      state: 'delivered',
      attempts: 1,
      updatedAt: new Date(),
    });
    await standIn.stop();
    await first.stop();

    const second = await aws(dataDir);
    expect(await drainQueue(second.clients.sqs, second.queueUrl('main'), 0)).toEqual([]); // fauxqs forgot everything
    const { report, logger } = await restore(second, dataDir);

    expect(report).toEqual({ restored: 2, republished: 2, pruned: 0, skipped: 0, byRoute: { main: 1, vip: 1 } });
    const [mainBody, ...moreMain] = await drainQueue(second.clients.sqs, second.queueUrl('main'));
    const [vipBody] = await drainQueue(second.clients.sqs, second.queueUrl('vip'));
    expect(moreMain).toEqual([]);
    expect(parseSesNotification(mainBody)).toMatchObject({ messageId: queued, sender: '', recipients: ['bob@example.com'] });
    expect(parseSesNotification(vipBody)).toMatchObject({ messageId: queued, recipients: ['boss@vip.test'] });
    // Objects come back byte for byte, the finished one included.
    for (const key of [`mail/main/${done}`, `mail/main/${queued}`, `mail/vip/${queued}`]) {
      const stored = await readObject(second.clients.s3, second.resources.bucketName, key);
      expect(stored.toString()).toMatch(/^Return-Path: /);
    }
    const restored = await readObject(second.clients.s3, second.resources.bucketName, `mail/main/${queued}`);
    expect(restored.subarray(restored.length - raw(2).length).equals(raw(2))).toBe(true);
    expect(logger.lines).toContain(`requeued ${queued} for route vip (1 recipient) from the spool`);
  });

  it('loses nothing that got a 250 when the process is killed with SIGKILL', async () => {
    const dataDir = await tempDataDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../support/runner/spooling-standin.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => child.kill('SIGKILL'));
    const port = await readyPort(child);

    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push((await sendRaw(port, `s${n}@sender.test`, [`user${n}@example.com`], raw(n))).response.split(' ')[2]);
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const after = await aws(dataDir);
    const { report } = await restore(after, dataDir);
    expect(report.republished).toBe(3);
    const bodies = await drainQueue(after.clients.sqs, after.queueUrl('main'));
    const parsed = bodies.map((body) => parseSesNotification(body));
    expect(parsed.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    for (const message of parsed) {
      const n = Number(message.recipients[0].slice(4, 5));
      expect(message.sender).toBe(`s${n}@sender.test`);
      const stored = await readObject(after.clients.s3, after.resources.bucketName, message.objectKey);
      expect(stored.subarray(stored.length - raw(n).length).equals(raw(n))).toBe(true);
    }
  });
});

async function readyPort(child: ChildProcess): Promise<number> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /READY (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`stand-in child exited (${code}) before READY:\n${stderr}`)));
  });
}
