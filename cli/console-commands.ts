// The web console verb: the console's pages live in cli/console/, this file
// only registers `backup-mx console` and checks its options.
import { type Command, Option } from 'commander';
import type { CliIo } from './cli-io.js';
import { asCommanderArg, type Run } from './command-runner.js';
import { consoleCommand } from './commands/console.js';

/** A TCP port 0–65535 (0: one the system picks). */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new Error(`--port: expected a port number 0-65535 (0 for any free port); got ${JSON.stringify(value)}`);
  return port;
}

export function registerConsoleCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('console')
    .description('serve a read-only web console (routes, health, holds and windows, queue with filters) on 127.0.0.1, behind a random token in the printed URL; Ctrl-C stops it')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (default: a free one)').argParser(asCommanderArg(parsePort)))
    .option('--open', 'also open the console in your default browser (xdg-open, open, or the Windows URL handler) through a one-time link, valid once for a minute; the token URL is printed in any case. Off by default: until the browser uses it, another local user can read that link on the command line of the opener')
    .option('--no-open', 'only print the URL (the default)')
    .action(run((t, opts) => consoleCommand(t, opts, io)));
}
