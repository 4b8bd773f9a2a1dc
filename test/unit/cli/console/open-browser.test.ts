// `console --open`: the URL goes to the opener as one argument of a program
// (no shell: its metacharacters stay text), and a missing or failing opener is
// reported, not thrown. Fake openers are small shell scripts in a temp dir.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInBrowser, platformOpener } from '../../../../cli/console/open-browser.js';

describe('openInBrowser', () => {
  let dir: string;
  let recorder: string;
  let failing: string;
  let lingering: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backupmx-opener-'));
    recorder = join(dir, 'record-args');
    // Each argument on its own line, so "one argument" is checkable.
    await writeFile(recorder, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${join(dir, 'args')}"\n`);
    failing = join(dir, 'fail');
    await writeFile(failing, '#!/bin/sh\nexit 3\n');
    lingering = join(dir, 'linger');
    await writeFile(lingering, '#!/bin/sh\nsleep 2\nexit 1\n');
    for (const f of [recorder, failing, lingering]) await chmod(f, 0o755);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the URL as the one last argument after the opener\'s own, with no shell in between', async () => {
    const url = 'http://127.0.0.1:8765/?token=abc;touch${IFS}pwned&x=$(id)`id`';
    expect(await openInBrowser(url, { command: recorder, args: ['--new-tab'] })).toBeUndefined();
    expect(await readFile(join(dir, 'args'), 'utf8')).toBe(`--new-tab\n${url}\n`);
    await expect(readFile(join(process.cwd(), 'pwned'))).rejects.toThrow(/ENOENT/);
  });

  it('a missing opener or one that exits non-zero is reported as text, not thrown', async () => {
    expect(await openInBrowser('http://127.0.0.1:1/', { command: join(dir, 'no-such-opener'), args: [] })).toBe(`${join(dir, 'no-such-opener')}: ENOENT`);
    expect(await openInBrowser('http://127.0.0.1:1/', { command: failing, args: [] })).toBe(`${failing} exited with code 3`);
  });

  it('an opener still running after the settle time is taken as started (it became the browser)', async () => {
    expect(await openInBrowser('http://127.0.0.1:1/', { command: lingering, args: [] }, 200)).toBeUndefined();
  });

  it('uses each platform\'s own opener, never cmd.exe\'s `start` (a shell)', () => {
    expect(platformOpener('linux')).toEqual({ command: 'xdg-open', args: [] });
    expect(platformOpener('freebsd')).toEqual({ command: 'xdg-open', args: [] });
    expect(platformOpener('darwin')).toEqual({ command: 'open', args: [] });
    expect(platformOpener('win32')).toEqual({ command: 'rundll32', args: ['url.dll,FileProtocolHandler'] });
  });
});
