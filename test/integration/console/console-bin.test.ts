// `backup-mx console` as an operator runs it: the installed command in a child
// process prints the URL, serves the pages, and Ctrl-C (SIGINT) stops it with exit 0.
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';
import { httpGet, PRINTED_URL } from '../../support/console/console-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/backup-mx-cli.js', import.meta.url));

/** Every file under dir with its size and modification time: what a run that writes nothing leaves unchanged. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(entries.sort().map(async (e) => {
    const s = await stat(join(dir, e));
    return `${e} ${s.size} ${s.mtimeMs}`;
  }));
}

describe('backup-mx console (the installed command)', () => {
  let fx: LocalFixture;
  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('prints a token URL on 127.0.0.1, serves the overview through it, and stops on Ctrl-C with exit 0, writing nothing to the data dir', async () => {
    await fx.queue({ recipients: ['bob@example.com'], subject: 'Held for the console' });
    const before = await snapshot(fx.dataDir);
    expect(before.length).toBeGreaterThan(0);
    const child = spawn(process.execPath, [BIN, '--local', '--data-dir', fx.dataDir, 'console', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stdout, { timeout: 20_000, interval: 100 }).toMatch(PRINTED_URL);
      const url = new URL(/http:\/\/\S+/.exec(stdout)![0]);
      const port = Number(url.port);
      const redirect = await httpGet(port, url.pathname + url.search, { host: url.host });
      expect(redirect.status).toBe(303);
      const cookie = String(redirect.headers['set-cookie']).split(';')[0]!;
      const overview = await httpGet(port, url.pathname, { host: url.host, cookie });
      expect(overview.status).toBe(200);
      expect(overview.body).toContain('<tr data-route="main">');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toContain('backup-mx console: stopped');
      await expect(httpGet(port, '/', { host: url.host })).rejects.toThrow(/ECONNREFUSED/);
      // Nothing written to the data dir (the token lived in the process and the browser only).
      expect(await snapshot(fx.dataDir)).toEqual(before);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
