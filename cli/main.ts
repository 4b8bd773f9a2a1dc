// The `backup-mx` command: Postfix-style verbs for the people who run the
// backup MX, against the deployed stack (default) or the local one (--local).
// This file reads the environment once, builds the program with its global
// options, and registers the verbs by group (each group's file says what it holds).
import { Command, CommanderError } from 'commander';
import { DEFAULT_STACK_NAME } from './aws-target.js';
import { readCliEnv } from './cli-env.js';
import { terminalIo, type CliIo } from './cli-io.js';
import { VerbRunner, type Resolve } from './command-runner.js';
import { registerConsoleCommands } from './console-commands.js';
import { registerNoticesCommand } from './commands/notices.js';
import { registerRecipientsCommand } from './commands/recipients.js';
import { EXIT } from './errors.js';
import { registerMessageCommands } from './message-commands.js';
import { PACKAGE_VERSION } from './package-version.js';
import { registerQueueCommands } from './queue-commands.js';
import { registerRecoveryCommands } from './recovery-commands.js';
import { resolveTarget } from './resolve-target.js';
import { registerSetupCommands } from './setup-commands.js';

export interface MainDeps {
  io?: CliIo;
  /** The process environment (tests pass their own); read once into a CliEnv here. */
  env?: NodeJS.ProcessEnv;
  /** Replaces target resolution (tests). */
  resolve?: Resolve;
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

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const io = deps.io ?? terminalIo();
  const env = readCliEnv(deps.env ?? process.env);
  const runner = new VerbRunner(io, deps.resolve ?? ((options, err) => resolveTarget(options, err, env)));
  const program = newProgram(io);
  // Registration order is the order `--help` lists the verbs in.
  registerQueueCommands(program, runner.run, io);
  registerMessageCommands(program, runner.run, io);
  registerSetupCommands(program, runner.run, runner.runWithoutTarget, io);
  registerRecoveryCommands(program, runner.run, io);
  registerNoticesCommand(program, runner.run, io);
  registerRecipientsCommand(program, runner.run, io, env);
  registerConsoleCommands(program, runner.run, io);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return runner.exitCode;
}

/** The program with its global (target) options; commander's own errors throw instead of exiting. */
function newProgram(io: CliIo): Command {
  return new Command('backup-mx')
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
}
