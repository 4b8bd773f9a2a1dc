// Ctrl-C during `backup-mx --local flush` (the installed command in a child
// process): the deliveries in progress finish, the messages the flush had
// received go back to the queue at once and it says how many, it exits 130,
// and the next flush delivers the rest instead of finding the queue empty.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/backup-mx-cli.js', import.meta.url));
/** More than the drain takes at once (40 in delivery), so some are received but not started. */
const MESSAGES = 70;

describe('an interrupted local flush', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('gives its received messages back and says so; the next flush delivers them', async () => {
    const ids: string[] = [];
    for (let n = 0; n < MESSAGES; n++) ids.push(await fx.queue({ recipients: [`int${n}@example.com`] }));
    fx.primary.script = { replyDelayMs: 1_000 };
    const child = spawn(process.execPath, [BIN, '--local', '--data-dir', fx.dataDir, 'flush', 'main'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (fx.primary.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fx.primary.messages.length).toBeGreaterThan(0);

    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/flush main: interrupted; finishing the deliveries in progress \(at most 10 s\)/);
    const given = /flush main: interrupted after (\d+) delivered; (\d+) messages? given back to the queue/.exec(stderr);
    expect(given, stderr).not.toBeNull();
    const delivered = Number(given![1]);
    expect(delivered).toBeLessThan(MESSAGES);

    fx.primary.script = {};
    const io = new RecordingIo();
    expect(await main(['--local', '--data-dir', fx.dataDir, 'flush', 'main'], { io })).toBe(0);
    expect(io.text).toMatch(new RegExp(`flush main: ${MESSAGES - delivered} messages?, ${MESSAGES - delivered} delivered`));
    const got = new Set(fx.primary.messages.flatMap((m) => m.to));
    for (let n = 0; n < MESSAGES; n++) expect(got.has(`int${n}@example.com`), `int${n}`).toBe(true);
  }, 60_000);
});
