// The verbs on one stuck message or a few: requeue dead letters, adopt a
// retained queue's mail, show one message, forward one to another address,
// delete one for good.
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { Run } from './command-runner.js';
import { adoptCommand } from './commands/adopt.js';
import { deleteCommand } from './commands/delete.js';
import { forwardCommand } from './commands/forward.js';
import { requeueCommand } from './commands/requeue.js';
import { showCommand } from './commands/show.js';
import { expandId } from './id-prefix.js';
import { addFilterOptions, FILTER_HELP, withFilter } from './message-filter-options.js';

const REQUEUE_HELP = `
What it does, per dead letter:
  - Recipients not delivered are reset to "queued" in the ledger; delivered
    ones stay skipped.
  - If the message still has a live entry on its route's queue (a partial
    bounce leaves its other recipients queued), no second copy is enqueued:
    that entry delivers the reset recipients. The entry counts as live when
    the index lists the message as queued while the queue has entries in
    flight, or when it is found among the visible entries.
  - Otherwise a new copy is enqueued and the message is listed as queued.
  - A message past the queue lifetime needs --renew-lifetime; one that still
    has a live entry is refused until the drain has expired that entry.
  - The dead-letter record is removed, then the message's copy on the SQS
    dead-letter queue, so its alarm clears. The command says how many copies
    it removed; finding none is not an error.

With filters instead of an id, every dead letter they select (of --route, if
given) is listed, then requeued after a confirmation when there is more than
one (--yes skips it; without a terminal and without --yes it refuses).
--dry-run only lists. A refusal (expired, raw message gone, ...) is a skip
with its reason; an error on one is counted and the rest go on (exit 1).
Example: backup-mx requeue --sender-domain example.org --older-than 2h --dry-run
${FILTER_HELP}`;

const DELETE_HELP = `
With filters instead of an id, every queued or dead-lettered message they
select (of --route, if given) is listed and, after a confirmation (--yes skips
it; without a terminal and without --yes it refuses), deleted one by one as
\`delete <id>\` does: a failure on one is counted and the rest go on (exit 1);
a message finished since it was listed is skipped. --dry-run only lists.
Example: backup-mx delete --verdict spam=FAIL --older-than 1d --dry-run
${FILTER_HELP}`;

export function registerMessageCommands(program: Command, run: Run, io: CliIo): void {
  addFilterOptions(
    program
      .command('requeue')
      .argument('[id]', 'message id of a dead letter (see `mailq --dead`); or give filters instead')
      .description('put dead-lettered messages back in their route\'s queue; recipients not yet delivered are tried again')
      .option('--all-dead', 'requeue every dead letter (of --route, if given)')
      .option('--route <name>', 'only this route\'s dead letter(s)')
      .option('--renew-lifetime', 'give an expired message a fresh queue lifetime from now (else it would expire again at once)'),
  )
    .option('--dry-run', 'list the dead letters it would requeue; change nothing')
    .option('-y, --yes', 'do not ask for confirmation (filters selecting more than one)')
    .addHelpText('after', REQUEUE_HELP)
    .action(run(async (t, id, opts) => requeueCommand(t, id === undefined ? id : await expandId(t, id), withFilter(opts), io)));

  program
    .command('adopt')
    .argument('<queue-url>', 'a queue the stack kept after a route was renamed or removed, or after a destroy')
    .requiredOption('--route <name>', 'the route whose queue takes the mail')
    .description('move the mail of a retained old queue into a route\'s queue, so it is delivered (README: Upgrading)')
    .action(run((t, url, opts) => adoptCommand(t, url, opts, io)));

  program
    .command('show')
    .argument('<id>', 'message id (as `mailq` shows it), or its start when that names one message')
    .description('one message: envelope, key headers, SES verdicts, each recipient\'s state, and the full attempt history')
    .option('--route <name>', 'only this route\'s copy (a message matched by two routes has one per route)')
    .option('--json', 'machine-readable output')
    .option('--raw', 'print the raw message as stored (bytes unchanged), e.g. to save or open it')
    .action(run(async (t, id, opts) => showCommand(t, await expandId(t, id), opts, io)));

  program
    .command('forward')
    .argument('<id>', 'message id (as `mailq` shows it), or its start when that names one message')
    .requiredOption('--to <address>', 'the one address to send it to (e.g. the recipient\'s phone-friendly mailbox)')
    .option('--route <name>', 'this route\'s copy (a message matched by two routes has one per route)')
    .description('send a held message to another address now, the original attached unchanged (through SES; locally into the outbox); it stays queued')
    .action(run(async (t, id, opts) => forwardCommand(t, await expandId(t, id), opts, io)));

  addFilterOptions(
    program
      .command('delete')
      .argument('[id]', 'message id, or its start when that names one queued or dead-lettered message; or give filters instead')
      .description('remove a message for good (queue entry, raw message, index, ledger, dead letter and its copy on the dead-letter queue); asks first')
      .option('--route <name>', 'only this route\'s copy (with filters: only this route\'s messages)'),
  )
    .option('--dry-run', 'list what it would delete; change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', DELETE_HELP)
    .action(run(async (t, id, opts) => deleteCommand(t, id === undefined ? id : await expandId(t, id), withFilter(opts), io)));
}
