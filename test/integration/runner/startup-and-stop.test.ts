// The start-up failures a person can fix end in one line, not a stack trace;
// a stop of an in-memory runner says what it throws away.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoRouteState } from '../../../lambdas/adapters/aws/dynamo-route-state.js';
import { LocalBackupMx } from '../../../local/runner/local-backup-mx.js';
import { StartupError } from '../../../local/runner/startup-errors.js';
import { buildLocalAws, runnerNames } from '../../support/aws/local-aws-builder.js';
import { ScriptedPrimary } from '../../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../../support/runner/e2e-support.js';

describe('local runner start and stop', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  async function context(name: string) {
    const dir = await tempDir(cleanup, name);
    return { dir, file: await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: 9 }]) };
  }

  it('a data directory it cannot write is one clear error', async () => {
    const { dir, file } = await context('unwritable');
    const notADir = path.join(dir, 'plain-file');
    await writeFile(notADir, 'x');
    const start = LocalBackupMx.start({ env: runnerEnv(file, { BACKUPMX_DATA_DIR: path.join(notADir, 'data') }), write: () => undefined });
    await expect(start).rejects.toBeInstanceOf(StartupError);
    await expect(start).rejects.toThrow(/^BACKUPMX_DATA_DIR: cannot write to .*plain-file\/data \(ENOTDIR\); choose a directory this user can write/);
  });

  it('an AWS_ENDPOINT_URL that does not answer is one clear error', async () => {
    const { file } = await context('endpoint');
    const env = { ...runnerEnv(file), AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }; // after: a LocalStack run's own must not win
    const start = LocalBackupMx.start({ env, write: () => undefined, runtimeFile: false });
    await expect(start).rejects.toThrow(/^AWS_ENDPOINT_URL http:\/\/127\.0\.0\.1:9 does not answer \(ECONNREFUSED\): start LocalStack there, or unset AWS_ENDPOINT_URL/);
  }, 60_000);

  it('a delivery that outlasts the stop wait is left to the spool, said so, and its lease given back', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off', script: { data: 'stall' } }); // never answers the final dot
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'outlast');
    const env = runnerEnv(await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]), { BACKUPMX_DATA_DIR: path.join(dir, 'data') });
    const { mx, lines } = await startMx(env, cleanup);
    await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com'));
    await waitFor('the delivery in progress', () => mx.deliveries.inFlight === 1, 15_000);
    const started = Date.now();
    await mx.stop({ stopWaitMs: 1_000 });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(lines).toContainEqual(expect.stringMatching(/stopping: waiting for 1 delivery, at most 1 s$/));
    expect(lines).toContainEqual(expect.stringMatching(/warning: 1 delivery did not finish within 1 s; the spool delivers their messages again at the next start/));

    // The lease is free for another owner (a flush, the next run), not left to expire.
    const aws = await buildLocalAws({ routes: ['main'], names: runnerNames(), dataDir: path.join(dir, 'data') });
    try {
      expect(aws.resources.tableName).toBe(mx.settings.tableName); // the runner's own table, found again
      const now = new Date();
      const free = await new DynamoRouteState(aws.clients.doc, mx.settings.tableName).acquireLease('main', 'someone-else', now, new Date(now.getTime() + 1_000));
      expect(free).toBe(true);
      await new DynamoRouteState(aws.clients.doc, mx.settings.tableName).releaseLease('main', 'someone-else');
    } finally {
      await aws.stop();
    }
    // The next start on the same directory delivers it.
    primary.script = {};
    const again = await startMx(env, cleanup);
    await primary.waitForMessages(1, 15_000);
    // One summary line, not one per message (BACKUPMX_VERBOSE=1 adds those).
    expect(again.lines).toContainEqual(expect.stringMatching(/spool: 1 queued again \(route main 1\), 1 message put back in S3; BACKUPMX_VERBOSE=1 lists each$/));
    expect(again.lines.filter((l) => /requeued .* from the spool/.test(l))).toEqual([]);
  }, 60_000);

  it('stopping without a data dir says how many queued messages it discards', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    await primary.stop(); // down: mail stays queued
    const dir = await tempDir(cleanup, 'discard');
    const { mx, lines } = await startMx(runnerEnv(await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }])), cleanup);
    for (const n of [1, 2]) await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(n, 'bob@example.com'));
    await waitFor('both indexed', async () => (await mx.composed.deps.index.listQueued('main')).length === 2);
    await mx.stop();
    expect(lines).toContainEqual(expect.stringMatching(/warning: 2 queued messages discarded: without BACKUPMX_DATA_DIR this run keeps mail in memory only$/));
    expect(lines.at(-1)).toMatch(/stopped; every port is closed$/);
  });

  it('the count of discarded mail includes a route a reload removed: its mail is queued still, and goes too', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    await primary.stop(); // down: mail stays queued
    const dir = await tempDir(cleanup, 'discard-removed');
    const both = [
      { name: 'main', domains: ['example.com'], primaryPort: primary.port },
      { name: 'other', domains: ['example.org'], primaryPort: primary.port },
    ];
    const { mx, lines } = await startMx(runnerEnv(await writeContextFile(dir, both)), cleanup);
    await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com'));
    await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.org'], clientMessage(2, 'bob@example.org'));
    await waitFor('both indexed', async () => (await mx.composed.deps.index.listQueued()).length === 2);
    await writeContextFile(dir, both.slice(0, 1));
    expect(await mx.reload()).toMatch(/removed route "?other/);
    expect(mx.engine.settings.routes.map((r) => r.name)).toEqual(['main']);
    await mx.stop();
    expect(lines).toContainEqual(expect.stringMatching(/warning: 2 queued messages discarded: without BACKUPMX_DATA_DIR this run keeps mail in memory only$/));
  });
});
