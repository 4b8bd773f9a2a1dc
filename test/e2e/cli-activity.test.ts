// The console of `npm start` shows what `backup-mx --local` did: a hold, a
// release, and each delivery of a flush run by the command.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

describe('the runner console shows CLI actions', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  it('hold, release and a flush\'s deliveries appear as lines of the runner', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'activity');
    const dataDir = path.join(dir, 'data');
    const env = runnerEnv(await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]), {
      BACKUPMX_DATA_DIR: dataDir,
      BACKUPMX_PROBE_INTERVAL_SECONDS: '60', // the runner's own drain stays out of the way
    });
    const { mx, lines } = await startMx(env, cleanup, true);
    await waitFor('the first probe', () => lines.some((l) => /primary main up/.test(l)));
    const cli = async (...args: string[]) => {
      const io = new RecordingIo();
      const code = await main(['--local', '--data-dir', dataDir, ...args], { io });
      expect(code, io.stderr.join('\n')).toBe(0);
    };
    await cli('hold', 'main', '--reason', 'disk swap');
    await waitFor('the hold line', () => lines.some((l) => l.endsWith(`backup-mx command (pid ${process.pid}): held route main (disk swap)`)), 5_000);
    await cli('release', 'main');
    const id = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com')));
    await cli('flush', 'main');
    await waitFor('the flush line', () => lines.some((l) => l.includes(`): flush: delivered ${id} to <bob@example.com> via 127.0.0.1:${primary.port}`)), 5_000);
    expect(lines.some((l) => l.endsWith('released route main'))).toBe(true);
  });
});
