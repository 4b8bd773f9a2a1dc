// A restart in the middle with BACKUPMX_DATA_DIR: the local backup MX is
// stopped while mail is queued (the embedded S3/SQS forget everything), then
// started again on the same directory. Nothing is lost, everything is
// delivered once, and a further restart does not deliver it again.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeInfo } from '../../local/runtime-file.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, endsWith, queueId, runnerEnv, sendMail, sleep, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

describe('restart with BACKUPMX_DATA_DIR', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  it('stops with mail queued, starts again on the same directory, loses nothing and delivers once', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    await primary.stop();
    const dir = await tempDir(cleanup, 'restart');
    const dataDir = path.join(dir, 'data');
    const env = runnerEnv(await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]), {
      BACKUPMX_DATA_DIR: dataDir,
    });

    // First run: the primary is down, two messages are queued.
    const first = await startMx(env, cleanup, true);
    const runtimeFile = path.join(dataDir, 'runtime.json');
    const info = JSON.parse(await readFile(runtimeFile, 'utf8')) as RuntimeInfo;
    expect(info).toMatchObject({ pid: process.pid, smtpPort: first.mx.smtpPort, dataDir, settings: { probeIntervalSeconds: 1 } });
    const mails = [
      { from: 'alice@sender.test', to: ['bob@example.com', 'hidden@example.com'], raw: clientMessage(1, 'bob@example.com') },
      { from: '', to: ['bob@example.com'], raw: clientMessage(2, 'bob@example.com', '') },
    ];
    const ids: string[] = [];
    for (const mail of mails) ids.push(queueId(await sendMail(first.mx.smtpPort, mail.from, mail.to, mail.raw)));
    await first.mx.stop();
    expect(existsSync(runtimeFile)).toBe(false); // a clean stop removes it

    // Second run on the same directory: the mail is back in the queue and in mailq. The embedded
    // emulators forgot it, so the spool re-queues it; LocalStack (test:localstack) kept it.
    const second = await startMx(env, cleanup, true);
    const endpointKeptIt = Boolean(process.env.AWS_ENDPOINT_URL);
    expect(second.lines.some((l) => /spool: 2 queued again/.test(l))).toBe(!endpointKeptIt);
    expect((await second.mx.composed.deps.index.listQueued('main')).map((m) => m.messageId).sort()).toEqual([...ids].sort());
    expect(await second.mx.engine.queue(second.mx.engine.route('main')).depth()).toMatchObject({ visible: 2 });

    await primary.restart();
    await primary.waitForMessages(2, 15_000);
    await waitFor('mailq to empty', async () => (await second.mx.composed.deps.index.listQueued('main')).length === 0);
    for (const mail of mails) {
      const got = primary.messages.filter((m) => endsWith(m.raw, mail.raw));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ from: mail.from });
      expect([...got[0]!.to].sort()).toEqual([...mail.to].sort());
    }
    await second.mx.stop();

    // Third run: the ledger (DynamoDB on disk) says it is all delivered; nothing is queued or sent again.
    const third = await startMx(env, cleanup, true);
    expect(third.lines.some((l) => /queued again/.test(l))).toBe(false);
    await waitFor('the probe to see the primary up', () => third.lines.some((l) => /primary main up/.test(l)));
    await sleep(1_500);
    expect(primary.messages).toHaveLength(2);
    expect(await third.mx.composed.deps.index.listQueued('main')).toEqual([]);
  });
});
