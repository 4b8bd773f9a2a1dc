// The runner's small parts: the lines a person reads, the probe loop that
// stands in for the scheduler, and the runtime file used as a lock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineDeliveryLog, LineOutput, SummaryMetrics } from '../../../local/runner/line-output.js';
import { ProbeLoop, probePeriodMs } from '../../../local/runner/probe-loop.js';
import { RunnerAlreadyRunningError, RuntimeLock } from '../../../local/runner/runtime-lock.js';
import { readRuntimeInfo, writeRuntimeInfo, type RuntimeInfo } from '../../../local/runtime-file.js';

const at = new Date(2026, 2, 1, 9, 5, 7);

describe('LineDeliveryLog', () => {
  const lines: string[] = [];
  const out = new LineOutput((line) => lines.push(line), () => at);
  const attempts: string[] = [];
  const log = new LineDeliveryLog(out, (entry) => attempts.push(entry.status));
  const entry = { messageId: 'm1', recipient: 'bob@example.com', relay: 'mx:25', delaySeconds: 42, dsn: '2.0.0', reply: '250 2.0.0 Ok', route: 'main' };

  it('says deliveries, deferrals and bounces in words, with the time', () => {
    lines.length = 0;
    log.attempt({ ...entry, status: 'delivered' });
    log.attempt({ ...entry, status: 'deferred', dsn: '4.2.0', reply: '451 4.2.0 try later' });
    log.attempt({ ...entry, status: 'bounced', dsn: '5.1.1', reply: '550 5.1.1 no such user' });
    expect(lines).toEqual([
      '09:05:07 delivered m1 to <bob@example.com> via mx:25, 42 s after it arrived (250 2.0.0 Ok)',
      '09:05:07 deferred m1 <bob@example.com>: 451 4.2.0 try later',
      '09:05:07 bounced m1 <bob@example.com>: 550 5.1.1 no such user (dsn 5.1.1)',
    ]);
    expect(attempts).toEqual(['delivered', 'deferred', 'bounced']);
  });

  it('keeps quiet about idle drains and what the runner says itself; reports the rest', () => {
    lines.length = 0;
    log.info('drain finished', { route: 'main', delivered: 0, deferred: 0, stoppedBecause: 'queue-empty' });
    log.info('accepted', { messageId: 'm1' });
    log.info('primary down', { route: 'main' });
    log.info('drain finished', { route: 'main', delivered: 3, deferred: 1, stoppedBecause: 'queue-empty' });
    log.warn('dead-lettered', { messageId: 'm2', reason: 'loop-detected', detail: '51 Received headers' });
    log.error('queue receive failed', { route: 'main', error: 'ECONNRESET' });
    expect(lines).toEqual([
      '09:05:07 drain main: 3 delivered, 1 deferred (queue-empty)',
      '09:05:07 warning: dead-lettered m2 (loop-detected): 51 Received headers',
      '09:05:07 warning: error: queue receive failed route=main error=ECONNRESET',
    ]);
  });

  it('prints nothing once the output is closed', () => {
    lines.length = 0;
    out.close();
    log.attempt({ ...entry, status: 'delivered' });
    expect(lines).toEqual([]);
  });
});

describe('SummaryMetrics', () => {
  it('sums counts per name and remembers the longest hold', () => {
    const metrics = new SummaryMetrics();
    expect(metrics.describe()).toBeUndefined();
    metrics.count('Delivered', 2);
    metrics.count('Delivered', 1);
    metrics.count('PrimaryUp', 1);
    metrics.count('Deferred', 1);
    metrics.delay(12);
    metrics.delay(3);
    expect(metrics.describe()).toBe('delivered 3, deferred 1; longest hold 12 s');
  });
});

describe('ProbeLoop', () => {
  it('covers the same minute as the scheduled probe, below and above 60 s', () => {
    expect(probePeriodMs(1)).toBe(60_000);
    expect(probePeriodMs(7)).toBe(56_000);
    expect(probePeriodMs(60)).toBe(60_000);
  });

  it('starts invocations one period apart, survives a failing one, and stops a sleeping one at once', async () => {
    const starts: number[] = [];
    const errors: string[] = [];
    const loop = new ProbeLoop({
      periodMs: 100,
      retryDelayMs: 10,
      invoke: async () => {
        starts.push(Date.now());
        if (starts.length === 2) throw new Error('dynamo unreachable');
        // Like ProbePrimaries below 60 s: sleeps through the loop's sleep between rounds.
        await loop.sleep(20);
      },
      onError: (error) => errors.push(error.message),
    });
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 350));
    const begun = Date.now();
    await loop.stop();
    expect(Date.now() - begun).toBeLessThan(100);
    expect(errors).toEqual(['dynamo unreachable']);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts.length).toBeLessThanOrEqual(5);
    expect(starts[2]! - starts[1]!).toBeLessThan(60); // after a failure: the short retry delay
    const countAtStop = starts.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(starts.length).toBe(countAtStop);
    await expect(loop.sleep(10)).rejects.toThrow('probe loop stopped');
  });
});

describe('RuntimeLock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'backupmx-lock-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const info = (pid: number): RuntimeInfo =>
    ({ pid, startedAt: new Date().toISOString(), region: 'us-east-1', endpoints: { s3: '', sqs: '', sns: '', dynamodb: '' }, bucketName: 'b', tableName: 't', deadLetterQueueUrl: 'q', routes: [], smtpPort: 2525, settings: {} }) as unknown as RuntimeInfo;

  it('refuses to share a data dir with a live runner', async () => {
    const env = { BACKUPMX_DATA_DIR: path.join(dir, 'live') };
    await writeRuntimeInfo(info(process.ppid), env); // our parent: alive, and not us
    await expect(RuntimeLock.acquire(env)).rejects.toBeInstanceOf(RunnerAlreadyRunningError);
  });

  it('reports a dead runner as stale, writes its own file, and removes it on release', async () => {
    const env = { BACKUPMX_DATA_DIR: path.join(dir, 'stale') };
    await writeRuntimeInfo(info(2 ** 22 + 12_345), env); // above Linux's pid_max: never alive
    const lock = await RuntimeLock.acquire(env);
    expect(lock.stale?.pid).toBe(2 ** 22 + 12_345);
    await lock.write(info(process.pid));
    expect((await readRuntimeInfo(env))?.pid).toBe(process.pid);
    await lock.release();
    expect(await readRuntimeInfo(env)).toBeUndefined();
  });
});
