// The verbs of issue 12 (trigger-url, replay, export), registered in one call
// from main.ts so the verb list there stays short.
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { triggerUrlCommand } from './commands/trigger-url.js';
import type { Target } from './target.js';

type Run = (verb: (target: Target, ...args: any[]) => Promise<number>) => (...args: any[]) => Promise<void>;

export function registerFeatureCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('trigger-url')
    .argument('[route]', 'the route (default: every route)')
    .description('print the one-line command the primary runs when it is back up ("I\'m back"): backup-mx then checks it and drains its mail at once')
    .option('--key-file <path>', 'where the primary keeps the trigger secret (default /etc/backup-mx/trigger.key; --local: the runner\'s trigger.key)')
    .option('--json', 'machine-readable output')
    .action(run((t, route, opts) => triggerUrlCommand(t, route, opts, io)));
}
