// A maintenance window end to end: `npm start` with a real SMTP primary on
// loopback that answers all along. Mail sent inside the window stays queued
// (the probe finds the primary up and starts no drain; the console says why);
// the window ends by itself and the next probe round delivers it, within one
// probe interval. The runner's console also shows the window the command set.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../cli/cli-io.js';
import { main } from '../../cli/main.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, clientMessage, queueId, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

const PROBE_SECONDS = 2;
const WINDOW_SECONDS = 8;

describe('a maintenance window with the local backup MX', () => {
  const cleanup = cleanups();
  afterEach(() => cleanup.run());

  it('holds delivery while the primary answers, then releases by itself at the next probe', async () => {
    const primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup, 'window');
    const dataDir = path.join(dir, 'data');
    const env = runnerEnv(await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]), {
      BACKUPMX_DATA_DIR: dataDir,
      BACKUPMX_PROBE_INTERVAL_SECONDS: String(PROBE_SECONDS),
    });
    const { mx, lines } = await startMx(env, cleanup, true);
    await waitFor('the first probe', () => lines.some((l) => /primary main up/.test(l)));

    const io = new RecordingIo();
    expect(await main(['--local', '--data-dir', dataDir, 'hold', 'main', '--until', `+${WINDOW_SECONDS}s`, '--reason', 'e2e'], { io }), io.stderr.join('\n')).toBe(0);
    const until = new Date(/until (\S+Z)/.exec(io.text)![1]!);
    await waitFor('the window line', () => lines.some((l) => l.includes('maintenance windows of route main: w')), 5_000);

    const id = queueId(await sendMail(mx.smtpPort, 'alice@sender.test', ['bob@example.com'], clientMessage(1, 'bob@example.com')));
    await waitFor('the probe saying why it starts no drain', () => lines.some((l) => l.includes(`held: maintenance window until ${until.toISOString()}`)), 5_000);
    expect(Date.now()).toBeLessThan(until.getTime()); // still inside: nothing was delivered so far
    expect(primary.messagesFor('bob@example.com')).toHaveLength(0);

    await waitFor('the delivery after the window', () => primary.messagesFor('bob@example.com').length === 1, (WINDOW_SECONDS + 3 * PROBE_SECONDS) * 1000);
    const deliveredAt = Date.now();
    expect(deliveredAt).toBeGreaterThanOrEqual(until.getTime());
    // The first probe after the end starts the drain: one interval, plus the drain's own time and slack for
    // a busy machine (the exact bound is the fake-clock test's, test/unit/core/probe/probe-window.test.ts).
    expect(deliveredAt - until.getTime()).toBeLessThan(PROBE_SECONDS * 1000 + 5_000);
    // The console line follows the primary's 250 by a moment.
    await waitFor('the delivery line', () => lines.some((l) => l.includes(`delivered ${id} to <bob@example.com>`)), 3_000);
  });
});
