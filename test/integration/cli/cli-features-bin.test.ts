// The new verbs through the installed command (`node bin/backup-mx-cli.js`):
// help, and `show --raw` writing the stored bytes to a real stdout.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routePrefix } from '../../../lambdas/config/mail-layout.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/backup-mx-cli.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, encoding: 'buffer' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

describe('bin/backup-mx-cli.js: trigger-url, replay, export, show --raw', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('lists the new verbs in the help, each with its own help', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const verb of ['trigger-url', 'replay', 'export']) expect(help.stdout.toString()).toMatch(new RegExp(`^  ${verb} `, 'm'));
    expect((await run(['replay', '--help'])).stdout.toString()).toContain('--dry-run');
    expect((await run(['export', '--help'])).stdout.toString()).toContain('--maildir <dir>');
    expect((await run(['show', '--help'])).stdout.toString()).toContain('--raw');
    expect((await run(['replay', '--route', 'main'])).code).toBe(2); // --since is required
  });

  it('show --raw writes the stored object to stdout byte for byte', async () => {
    const id = await fx.queue({ recipients: ['kim@example.com'], subject: 'Caf\u00e9 \u2615' });
    const { code, stdout } = await run(['--local', '--data-dir', fx.dataDir, 'show', id, '--raw']);
    expect(code).toBe(0);
    const object = await fx.clients.s3.send(new GetObjectCommand({ Bucket: fx.resources.bucketName, Key: `${routePrefix('main')}${id}` }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(stdout.equals(stored)).toBe(true);
  });
});
