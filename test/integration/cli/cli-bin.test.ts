// The installed command as an operator runs it: `node bin/backup-mx-cli.js`
// in a child process (tsx shim), for help text and exit codes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/backup-mx-cli.js', import.meta.url));

/** Async on purpose: the emulators answer from this process's event loop. */
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('bin/backup-mx-cli.js', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('prints help for the command and each verb, exit 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const verb of ['status', 'mailq', 'flush', 'hold', 'release', 'requeue', 'show', 'delete', 'doctor']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
    }
    const requeue = await run(['requeue', '--help']);
    expect(requeue.stdout).toContain('--all-dead');
    expect((await run(['no-such-verb'])).code).toBe(2);
  });

  it('lists the local queue as JSON and exits 3 for an unknown id', async () => {
    const id = await fx.queue({ recipients: ['kim@example.com'] });
    const mailq = await run(['--local', '--data-dir', fx.dataDir, 'mailq', '--json']);
    expect(mailq.code).toBe(0);
    expect(JSON.parse(mailq.stdout)).toEqual([expect.objectContaining({ id, recipients: [expect.objectContaining({ address: 'kim@example.com', state: 'queued' })] })]);
    expect(mailq.stderr).toBe('');

    const unknown = await run(['--local', '--data-dir', fx.dataDir, 'show', 'nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('backup-mx: no message with id nope');
  });
});
