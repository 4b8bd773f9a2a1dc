// `backup-mx console --open` on the CLI tests' local backup MX, with a fake
// opener (a script recording what it was given): the opener gets a one-time
// URL (no token, no prefix) that signs the browser in once, while the token URL
// is printed; a failing opener leaves the URL printed and says so; without
// --open nothing is opened (the default, see cli/commands/console.ts).
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { consoleCommand, type ConsoleCommandOptions } from '../../../cli/commands/console.js';
import { registerConsoleCommands } from '../../../cli/console-commands.js';
import type { Opener } from '../../../cli/console/open-browser.js';
import { httpGet, PRINTED_URL, startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

describe('backup-mx console --open', () => {
  let c: ConsoleFixture;
  let dir: string;
  let recorder: Opener;
  let opened: string;

  beforeAll(async () => {
    c = await startConsoleFixture();
    dir = await mkdtemp(join(tmpdir(), 'backupmx-console-open-'));
    opened = join(dir, 'opened');
    const script = join(dir, 'fake-browser');
    await writeFile(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${opened}"\n`);
    await chmod(script, 0o755);
    recorder = { command: script, args: [] };
  });

  afterAll(async () => {
    await c?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the command until its URL is printed (and the opener has had its turn), then stops it. */
  async function run(options: ConsoleCommandOptions, opener: Opener, whileRunning?: (printed: URL) => Promise<void>): Promise<{ io: RecordingIo; url: string }> {
    await rm(opened, { force: true });
    const io = new RecordingIo();
    const stop = new AbortController();
    const done = consoleCommand(c.target, options, io, stop.signal, opener);
    await expect.poll(() => io.stdout.join('\n'), { timeout: 5_000 }).toContain('Press Ctrl-C');
    if (options.open) await expect.poll(() => io.stderr.join('\n'), { timeout: 10_000 }).toMatch(/opened in your browser|could not open a browser/);
    await whileRunning?.(new URL(/http:\/\/\S+/.exec(io.stdout.join('\n'))![0]));
    stop.abort();
    expect(await done).toBe(0);
    return { io, url: /http:\/\/\S+/.exec(io.stdout.join('\n'))![0] };
  }

  it('--open hands the opener a one-time URL (neither the token nor the prefix), good for one sign-in; the token URL is printed', async () => {
    const { io, url } = await run({ open: true }, recorder, async (printed) => {
      const given = (await readFile(opened, 'utf8')).trim();
      const once = new URL(given);
      expect(once.host).toBe(printed.host);
      expect(once.pathname).toBe('/open');
      expect([...once.searchParams.keys()]).toEqual(['code']);
      expect(Buffer.from(once.searchParams.get('code')!, 'base64url')).toHaveLength(32);
      // What `ps` shows of the opener's command line gives away neither the token nor where the pages live.
      expect(given).not.toContain(printed.searchParams.get('token')!);
      expect(given).not.toContain(printed.pathname);
      const port = Number(once.port);
      const first = await httpGet(port, once.pathname + once.search, { host: once.host });
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe(printed.pathname);
      const cookie = String(first.headers['set-cookie']).split(';')[0]!;
      expect(cookie).toBe(`backupmx_console_${port}=${printed.searchParams.get('token')}`);
      expect((await httpGet(port, printed.pathname, { host: once.host, cookie })).status).toBe(200);
      // A command line read after the browser used it is dead.
      const again = await httpGet(port, once.pathname + once.search, { host: once.host });
      expect(again.status).toBe(403);
      expect(again.headers['set-cookie']).toBeUndefined();
    });
    expect(url).toMatch(new RegExp(`^${PRINTED_URL.source}`));
    expect(io.stderr).toContain(`backup-mx console: opened in your browser (${recorder.command})`);
  });

  it('an opener that fails: the URL is printed and the terminal says to open it by hand', async () => {
    const { io, url } = await run({ open: true }, { command: join(dir, 'no-such-browser'), args: [] });
    expect(url).toContain('?token=');
    expect(io.stderr.join('\n')).toContain(`could not open a browser (${join(dir, 'no-such-browser')}: ENOENT); open the URL above yourself`);
  });

  it('without --open (the default) or with --no-open, nothing is opened', async () => {
    for (const options of [{}, { open: false }]) {
      const { io } = await run(options, recorder);
      await expect(stat(opened)).rejects.toThrow(/ENOENT/);
      expect(io.stderr.join('\n')).not.toMatch(/browser/);
    }
  });

  it('the command line: --open sets open, --no-open clears it, neither leaves it unset (off)', async () => {
    const seen: Record<string, unknown>[] = [];
    const parse = async (...args: string[]) => {
      const program = new Command().exitOverride();
      registerConsoleCommands(program, (verb) => async (opts: Record<string, unknown>) => { seen.push(opts); void verb; }, new RecordingIo());
      await program.parseAsync(['console', ...args], { from: 'user' });
      return seen.at(-1)!;
    };
    expect((await parse('--open')).open).toBe(true);
    expect((await parse('--no-open')).open).toBe(false);
    expect((await parse()).open).toBeUndefined();
  });
});
