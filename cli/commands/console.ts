// `backup-mx console`: serves the web console (cli/console/) on 127.0.0.1 and
// prints its URL with the token, as Jupyter does, opens it in the browser
// with --open, then runs until Ctrl-C (or `stop`, for tests). The target stays
// open meanwhile; the runner closes it.
import type { CliIo } from '../cli-io.js';
import { openInBrowser, platformOpener, type Opener } from '../console/open-browser.js';
import { startConsole } from '../console/server.js';
import { EXIT } from '../errors.js';
import type { Target } from '../target.js';

export interface ConsoleCommandOptions {
  port?: number;
  /**
   * `--open`: hand the platform's opener a one-time URL (server.ts, open-codes.ts):
   * the opener and a browser it starts carry it on their command line, which
   * other local users can read (`ps`), so it holds neither the token nor the
   * path prefix and is dead after its first use or a minute. Off unless asked
   * (`--no-open` is the default): for that minute another local user who reads
   * it first gets in (docs/console.md). The printed URL stays the token URL.
   */
  open?: boolean;
}

export async function consoleCommand(target: Target, options: ConsoleCommandOptions, io: CliIo, stop?: AbortSignal, opener: Opener = platformOpener()): Promise<number> {
  const running = await startConsole(target, {
    ...(options.port !== undefined ? { port: options.port } : {}),
    onError: (error) => io.err(`backup-mx console: a page failed: ${(error as Error)?.message ?? String(error)}`),
  });
  io.out(`The console of the ${target.label} is served at (open it in your browser; it carries the token, so keep it to yourself):`);
  io.out('');
  io.out(`    ${running.url}`);
  io.out('');
  io.out('Press Ctrl-C to stop it.');
  if (options.open === true) {
    const failed = await openInBrowser(running.openUrl(), opener);
    io.err(failed === undefined ? `backup-mx console: opened in your browser (${opener.command})` : `backup-mx console: could not open a browser (${failed}); open the URL above yourself`);
  }
  await stopped(stop);
  await running.close();
  io.err('backup-mx console: stopped');
  return EXIT.ok;
}

/** Resolves on Ctrl-C (SIGINT), SIGTERM or the caller's abort, whichever comes first, and removes the handlers it added. */
function stopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) return done();
    signal?.addEventListener('abort', done, { once: true });
  });
}
