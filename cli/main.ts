// The `backup-mx` command: Postfix-style verbs for the people who run the
// backup MX, against the deployed stack (default) or the local one (--local).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { UnknownRouteError } from '../lambdas/app/engine.js';
import { DEFAULT_STACK_NAME } from './aws-target.js';
import { terminalIo, type CliIo } from './cli-io.js';
import { deleteCommand } from './commands/delete.js';
import { adoptCommand } from './commands/adopt.js';
import { costCommand, type CostOptions } from './commands/cost.js';
import { doctorCommand } from './commands/doctor.js';
import { parseDnsServer } from './doctor/dns-server-arg.js';
import { recipientsVerifyCommand } from './commands/recipients.js';
import { flushCommand } from './commands/flush.js';
import { holdCommand, releaseCommand } from './commands/hold.js';
import { mailqCommand } from './commands/mailq.js';
import { registerNoticesCommand } from './commands/notices.js';
import { requeueCommand } from './commands/requeue.js';
import { showCommand } from './commands/show.js';
import { statusCommand } from './commands/status.js';
import { registerRecoveryCommands } from './recovery-commands.js';
import { readCliEnv } from './cli-env.js';
import { CliError, EXIT, explainAwsError } from './errors.js';
import { expandId } from './id-prefix.js';
import { PACKAGE_VERSION } from './package-version.js';
import { resolveTarget } from './resolve-target.js';
import type { Target, TargetOptions } from './target.js';

export interface MainDeps {
  io?: CliIo;
  /** The process environment (tests pass their own); read once into a CliEnv here. */
  env?: NodeJS.ProcessEnv;
  /** Replaces target resolution (tests). */
  resolve?: (options: TargetOptions, err: (line: string) => void) => Promise<Target>;
}

const TARGET_HELP = `
Target:
  By default the command works on the deployed stack (CloudFormation stack
  "${DEFAULT_STACK_NAME}", or --stack), with the standard AWS credential chain and
  region. --local works on the local backup MX started by \`npm start\`, found
  through the runtime file in --data-dir, else BACKUPMX_DATA_DIR, else
  ./.backup-mx or a parent directory's, else the checkout's .backup-mx, else
  the pointer \`npm start\` leaves in .backup-mx/runners/ to a runner whose
  data dir is elsewhere (one whose process has exited is ignored, with a note).
  --data-dir implies --local; BACKUPMX_DATA_DIR alone does not
  (a note on stderr then says the deployed stack is used).
  With --local the command works as the runner does: its routes, data dir and
  secrets file (AUTH, ARC), as its runtime file names them. BACKUPMX_LOCAL_SECRETS
  set in this shell wins over the runner's secrets file, BACKUPMX_CONTEXT_FILE
  (or recipients verify --context) over its configuration file.

Exit codes:
  0 ok   1 failed (or doctor found a failure)   2 usage (bad option, unknown route,
  no confirmation)   3 unknown message id   4 no stack / no local instance running
  5 no usable AWS credentials`;

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
    it removed; finding none is not an error.`;

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const io = deps.io ?? terminalIo();
  const env = readCliEnv(deps.env ?? process.env);
  const resolve = deps.resolve ?? ((options, err) => resolveTarget(options, err, env));
  let exitCode: number = EXIT.ok;

  const program = new Command('backup-mx')
    .description('Operate the backup MX: see and flush its queue, hold a route, fix stuck messages, check the setup.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version of backup-mx')
    .option('--local', 'work on the local backup MX (`npm start`) instead of the deployed stack')
    .option('--stack <name>', 'CloudFormation stack name of the deployed backup MX', DEFAULT_STACK_NAME)
    .option('--region <region>', 'AWS region of the stack (default: AWS_REGION or your profile\'s region)')
    .option('--data-dir <dir>', 'data directory of the local backup MX; implies --local (default: BACKUPMX_DATA_DIR or ./.backup-mx)')
    .option('-v, --verbose', 'print the engine\'s informational log lines and error stacks')
    .addHelpText('after', TARGET_HELP)
    .showHelpAfterError('(run `backup-mx help <command>` for its options)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  /** Builds the target, runs the verb, turns errors into one line and an exit code. */
  const run = (verb: (target: Target, ...args: any[]) => Promise<number>) =>
    async (...args: any[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals() as TargetOptions;
      let target: Target | undefined;
      try {
        target = await resolve(globals, (line) => io.err(line));
        exitCode = await verb(target, ...args.slice(0, -1));
      } catch (error) {
        exitCode = report(error, io, Boolean(globals.verbose));
      } finally {
        target?.close();
      }
    };

  program
    .command('status')
    .description('per route: primary up/down and since when, last probe, hold, queue, oldest message, dead letters, last finished; then the dead-letter queue\'s depth')
    .option('--route <name>', 'only this route')
    .option('--json', 'machine-readable output')
    .action(run((t, opts) => statusCommand(t, opts, io)));

  program
    .command('mailq')
    .description('list queued messages (id, age, size, sender) with each recipient\'s state and last reply, like Postfix mailq')
    .option('--route <name>', 'only this route')
    .option('--dead', 'list the dead letters instead (what `requeue` takes), and the dead-letter queue\'s depth')
    .option('--json', 'machine-readable output')
    .action(run((t, opts) => mailqCommand(t, opts, io)));

  program
    .command('flush')
    .argument('[route]', 'the route to drain (default: every route)')
    .description('drain now, like `postqueue -f`: deliver what is queued to the primary, with progress and a summary')
    .option('--json', 'print the drain summaries as JSON (progress goes to stderr)')
    .action(run((t, route, opts) => flushCommand(t, route, opts, io)));

  program
    .command('hold')
    .argument('<route>', 'the route to hold')
    .description('stop delivering to the route\'s primary even when it is up (maintenance, migration); mail is still accepted and queued')
    .option('--reason <text>', 'why, shown by `status`')
    .action(run((t, route, opts) => holdCommand(t, route, opts, io)));

  program
    .command('release')
    .argument('<route>', 'the route to release')
    .description('resume delivery to a held route (at the next probe, or now with --flush)')
    .option('--flush', 'drain the route right after releasing it')
    .action(run((t, route, opts) => releaseCommand(t, route, opts, io)));

  program
    .command('requeue')
    .argument('[id]', 'message id of a dead letter (see `mailq --dead`)')
    .description('put dead-lettered messages back in their route\'s queue; recipients not yet delivered are tried again')
    .option('--all-dead', 'requeue every dead letter (of --route, if given)')
    .option('--route <name>', 'only this route\'s dead letter(s)')
    .option('--renew-lifetime', 'give an expired message a fresh queue lifetime from now (else it would expire again at once)')
    .addHelpText('after', REQUEUE_HELP)
    .action(run(async (t, id, opts) => requeueCommand(t, id === undefined ? id : await expandId(t, id), opts, io)));

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
    .command('delete')
    .argument('<id>', 'message id, or its start when that names one queued or dead-lettered message')
    .description('remove a message for good (queue entry, raw message, index, ledger, dead letter and its copy on the dead-letter queue); asks first')
    .option('--route <name>', 'only this route\'s copy')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(run(async (t, id, opts) => deleteCommand(t, await expandId(t, id), opts, io)));

  program
    .command('doctor')
    .description('check the setup and say what to fix: MX records, SES identity, active rule set, receiving region, primary reachable, backscatter risk, dead-letter queue, SES suppression list and DSN sending, alarm subscription')
    .addOption(new Option('--dns-server <host:port>', 'DNS server (IP address, optional port) to ask for MX records (default: the system\'s)').argParser(asCommanderArg(parseDnsServer)))
    .option('--json', 'machine-readable output')
    .action(run((t, opts) => doctorCommand(t, opts, io)));

  program
    .command('cost')
    .description('what the stack of this configuration costs a month with no mail, item by item, read off its synthesized template (no AWS access needed)')
    .option('--cdk-json <path>', 'the cdk.json whose backupMx context to price (default: ./cdk.json)')
    .option('--json', 'machine-readable output')
    .action(async (opts: CostOptions) => {
      try {
        exitCode = await costCommand(opts, io);
      } catch (error) {
        exitCode = report(error, io, false);
      }
    });

  registerRecoveryCommands(program, run, io);
  registerNoticesCommand(program, run, io);
  program
    .command('recipients')
    .description('check a recipient list against the primary')
    .command('verify')
    .argument('[address...]', 'addresses to check (default: --file, else the route\'s recipients in the configuration)')
    .description('ask the primary about each address by RCPT TO (no DATA, rate-limited, only while it is up) and print those it refuses')
    .option('--route <name>', 'the route whose primary to ask (needed with several routes)')
    .option('--file <path>', 'a file of addresses, one a line (as for recipientsFile)')
    .option('--context <file>', 'the configuration file whose route recipients to check (a context file, as BACKUPMX_CONTEXT_FILE; default: that variable, else with --local the file the running runner loaded, else ./cdk.json\'s checkout)')
    .option('--rate <n>', 'callouts per second at most (default 5)')
    .option('--json', 'machine-readable output')
    .action(run((t, addresses, opts) => recipientsVerifyCommand(t, addresses, opts, io, env)));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}

/** A value check for commander: its message becomes a usage error naming the option (exit 2). */
function asCommanderArg<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function report(error: unknown, io: CliIo, verbose: boolean): number {
  const explained = explainAwsError(error);
  if (explained instanceof CliError) {
    io.err(`backup-mx: ${explained.message}`);
    return explained.exitCode;
  }
  if (explained instanceof UnknownRouteError) {
    io.err(`backup-mx: ${explained.message}`);
    return EXIT.usage;
  }
  const e = explained as Error;
  io.err(`backup-mx: ${e?.name ?? 'Error'}: ${e?.message ?? String(explained)}`);
  if (verbose && e?.stack) io.err(e.stack);
  return EXIT.failed;
}
