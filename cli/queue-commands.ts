// The verbs that see the queue and move it, as Postfix's mailq, postqueue -f
// and a hold do: status, mailq, flush, hold, release (a route, or single messages like
// postsuper -h / -H); and redirect (the cut-over to a new primary).
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { Run } from './command-runner.js';
import { HELD_RECHECK_SECONDS } from '../lambdas/core/operator/hold-messages.js';
import { formatAge } from './format.js';

/** "1h 0m": how often a held message's queue entry comes back. */
const recheck = formatAge(HELD_RECHECK_SECONDS);
import { flushCommand } from './commands/flush.js';
import { holdCommand, releaseCommand } from './commands/hold.js';
import { mailqCommand } from './commands/mailq.js';
import { redirectCommand } from './commands/redirect.js';
import { statusCommand } from './commands/status.js';
import { expandId } from './id-prefix.js';
import { addFilterOptions, FILTER_HELP, withFilter } from './message-filter-options.js';

const HOLD_HELP = `
Four forms (which one is never guessed):
  hold <route>                        the whole route (as before): nothing is delivered to its primary until \`release <route>\`
  hold <route> --until +2h            a maintenance window, which ends by itself
  hold [<route>] --message <id>       one queued message (every route's copy, or only <route>'s)
  hold [<route>] <filters>            every queued message the filters select (only <route>'s with a route)
A held message stays queued while the rest of its route flows: it is not delivered and not bounced, its
queue entry comes back every ${recheck} to look at the mark (and is copied afresh before SQS's 14 days),
and, as under a route hold, it still expires at the queue lifetime (its sender then gets a DSN). It is
listed first; --dry-run lists only; more than one message is acted on only after a yes (or --yes).
\`mailq --held\` and \`show <id>\` show held messages; \`status\` counts them per route.
Example: backup-mx hold --sender-domain partner.example --reason "wait for their recall" --dry-run
${FILTER_HELP}`;

const RELEASE_HELP = `
  release <route>                     lifts the route's hold (--window <id>: cancels a window)
  release [<route>] --message <id>    lets a held message go; with filters: every held message they select
A released message is queued afresh (from the envelope kept at arrival) and delivered by the next drain:
the probe starts one when the primary is up, --flush starts it now. (One with no kept envelope is
delivered when its held queue entry comes back, within ${recheck}.)
${FILTER_HELP}`;

export function registerQueueCommands(program: Command, run: Run, io: CliIo): void {
  program
    .command('status')
    .description('per route: primary up/down and since when, last probe, hold, queue, oldest message, dead letters, last finished; then the dead-letter queue\'s depth')
    .option('--route <name>', 'only this route')
    .option('--json', 'machine-readable output')
    .action(run((t, opts) => statusCommand(t, opts, io)));

  addFilterOptions(
    program
      .command('mailq')
      .description('list queued messages (id, age, size, sender) with each recipient\'s state and last reply, like Postfix mailq')
      .option('--route <name>', 'only this route')
      .option('--dead', 'list the dead letters instead (what `requeue` takes), and the dead-letter queue\'s depth')
      .option('--shape [by]', 'the queue\'s shape instead, like Postfix qshape: age buckets x sender (default) or recipient domain')
      .option('--held', 'only the messages held by `hold --message` or `hold <filters>` ([held] on their line)')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', `\nWith filters, only the messages they select are listed, and the last line says how many of all were shown\n(on stderr with --json). Example: backup-mx mailq --sender-domain example.org --older-than 2h\n--shape counts what the filters select (with --dead, the dead letters): messages per sender domain, or each waiting\nrecipient per recipient domain (--shape recipient), in qshape's age buckets; the top 20 domains, the rest summed.\n${FILTER_HELP}`)
    .action(run((t, opts) => mailqCommand(t, withFilter(opts), io)));

  program
    .command('flush')
    .argument('[route]', 'the route to drain (default: every route)')
    .description('drain now, like `postqueue -f`: deliver what is queued to the primary, with progress and a summary')
    .option('--json', 'print the drain summaries as JSON (progress goes to stderr)')
    .action(run((t, route, opts) => flushCommand(t, route, opts, io)));

  addFilterOptions(
    program
      .command('hold')
      .argument('[route]', 'the route to hold (with --message or filters: only that route\'s messages)')
      .description('stop delivering to the route\'s primary even when it is up (maintenance, migration); mail is still accepted and queued. With --until: a maintenance window, which ends by itself. With --message or filters: hold only those queued messages while the rest of the route flows')
      .option('--reason <text>', 'why, shown by `status` (and by `mailq` and `show` for held messages)')
      .option('--from <time>', 'schedule a maintenance window starting then (ISO 8601, or +2h from now; default now)')
      .option('--until <time>', 'the window\'s end (ISO 8601, or +2h from now): delivery resumes by itself at the next probe')
      .option('--message <id>', 'hold this queued message (its id as `mailq` shows it, or its start)'),
  )
    .option('--dry-run', 'with --message or filters: list what it would hold; change nothing')
    .option('-y, --yes', 'with filters: do not ask before holding more than one message')
    .addHelpText('after', HOLD_HELP)
    .action(run(async (t, route, opts) => holdCommand(t, route, withFilter({ ...opts, ...(opts.message !== undefined ? { message: await expandId(t, opts.message) } : {}) }), io)));

  addFilterOptions(
    program
      .command('release')
      .argument('[route]', 'the route to release (with --message or filters: only that route\'s messages)')
      .description('resume delivery to a held route (at the next probe, or now with --flush); with --message or filters: let held messages go')
      .option('--flush', 'drain the route (or the released messages\' routes) right after releasing')
      .option('--window <id>', 'cancel this maintenance window instead (ids in `status`)')
      .option('--message <id>', 'release this held message'),
  )
    .option('--dry-run', 'with --message or filters: list what it would release; change nothing')
    .option('-y, --yes', 'with filters: do not ask before releasing more than one message')
    .addHelpText('after', RELEASE_HELP)
    .action(run(async (t, route, opts) => releaseCommand(t, route, withFilter({ ...opts, ...(opts.message !== undefined ? { message: await expandId(t, opts.message) } : {}) }), io)));

  program
    .command('redirect')
    .argument('<route>', 'the route whose mail goes elsewhere')
    .description('send the route\'s mail to another host until cleared, without a redeploy (the cut-over to a new primary; docs/migration.md)')
    .option('--to <host[:port]>', 'the new primary (port 25 when none is given); refused if it would loop back to us or does not answer a probe')
    .option('--tls <mode>', 'TLS to it, as the route config names them: none, opportunistic, required, verify, fingerprint (default: the route\'s)')
    .option('--fingerprint <digest>', 'with --tls fingerprint: the new host\'s certificate or key SHA-256 (repeat for several)', (v: string, all: string[] = []) => [...all, v])
    .option('--auth', 'log in with the route\'s AUTH secret (only over --tls verify or fingerprint); default: no AUTH to another host')
    .option('--reason <text>', 'why, shown by `status`')
    .option('--clear', 'remove the redirect: mail goes to the configured primary again')
    .option('--flush', 'drain the route right after')
    .addHelpText(
      'after',
      '\nThe redirect names the configured primary it replaces: a deploy that changes the route\'s primary (cdk.json)\n' +
        'clears it (ignored from then on; `status` says "cleared by a deploy that changed the primary").\n' +
        'Example: backup-mx redirect corp --to mx-new.example.com:25 --tls verify',
    )
    .action(run((t, route, opts) => redirectCommand(t, route, opts, io)));
}
