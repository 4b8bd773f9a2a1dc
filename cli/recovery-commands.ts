// The verbs for a primary's outage and its recovery: trigger-url (the primary
// says it is back), export (read the mail while it is down) and replay
// (deliver again what it lost).
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { Run } from './command-runner.js';
import { exportCommand } from './commands/export.js';
import { replayCommand } from './commands/replay.js';
import { triggerUrlCommand } from './commands/trigger-url.js';

export function registerRecoveryCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('trigger-url')
    .argument('[route]', 'the route (default: every route)')
    .description('print the one-line command the primary runs when it is back up ("I\'m back"): backup-mx then checks it and drains its mail at once')
    .option('--key-file <path>', 'where the primary keeps the trigger secret (default /etc/backup-mx/trigger.key; --local: the runner\'s trigger.key)')
    .option('--import-key <file>', 'store the key the primary already holds (an earlier version\'s Secrets Manager secret) as the stack\'s key, instead of creating a new one')
    .option('--json', 'machine-readable output')
    .action(run((t, route, opts) => triggerUrlCommand(t, route, opts, io)));

  program
    .command('replay')
    .description('deliver again what a route received in a time window, delivered mail included (the primary lost it): from the raw messages in the bucket, with their original envelopes, through the normal drain')
    .requiredOption('--route <name>', 'the route')
    .requiredOption('--since <time>', 'start of the window: ISO 8601 (2026-11-30T08:00Z) or an age (90m, 6h, 2d)')
    .option('--until <time>', 'end of the window (default: now)')
    .option('--recipient <address>', 'only this envelope recipient')
    .option('--dry-run', 'list what would be sent; queue nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output (the list, and the queued ids)')
    .addHelpText('after', REPLAY_HELP)
    .action(run((t, opts) => replayCommand(t, opts, io)));

  program
    .command('export')
    .description('emergency read: write a route\'s messages, bytes as stored, to an mbox file or a Maildir that any mail client opens while the primary is down')
    .requiredOption('--route <name>', 'the route')
    .option('--since <time>', 'only messages received since: ISO 8601 or an age (90m, 6h, 2d)')
    .option('--state <state>', '"queued" (not yet delivered; default) or "all" (delivered ones too, as long as the bucket keeps them)', 'queued')
    .option('--mbox <file>', 'write a new mbox file (mboxrd)')
    .option('--maildir <dir>', 'write into a Maildir (created if needed)')
    .option('--json', 'print the summary as JSON (progress goes to stderr)')
    .action(run((t, opts) => exportCommand(t, opts, io)));
}

const REPLAY_HELP = `
Each message is queued again under a new id, <id>.replay-<generation>, so the
ledger of its first delivery does not skip it; lease, hold, pacing, retries and
the bounce policy apply as to any message, and its queue lifetime starts now.
Recipients whose first delivery is not finished are left to their own queue
entry (no duplicate). Only messages accepted by a version that archives
envelopes (kept as long as the raw object: the queue lifetime + 30 days) can
be replayed.`;
