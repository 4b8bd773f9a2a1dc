// How every verb runs: build the target from the global options, call the
// verb, close the target, and turn an error into one line on stderr and an
// exit code. The register* functions take `run` and wrap their actions in it.
import { type Command, InvalidArgumentError } from 'commander';
import { UnknownRouteError } from '../lambdas/app/engine.js';
import type { CliIo } from './cli-io.js';
import { CliError, EXIT, explainAwsError } from './errors.js';
import type { Target, TargetOptions } from './target.js';

/** Wraps a verb on a target into a commander action. */
export type Run = (verb: (target: Target, ...args: any[]) => Promise<number>) => (...args: any[]) => Promise<void>;

/** Wraps a verb that needs no target (cost) into a commander action. */
export type RunLocal = <O>(verb: (options: O) => Promise<number>) => (options: O) => Promise<void>;

export type Resolve = (options: TargetOptions, err: (line: string) => void) => Promise<Target>;

/** The exit code of the verb that ran (commander's own usage errors are handled by the caller). */
export class VerbRunner {
  exitCode: number = EXIT.ok;

  constructor(
    private readonly io: CliIo,
    private readonly resolve: Resolve,
  ) {}

  readonly run: Run = (verb) => async (...args: any[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as TargetOptions;
    let target: Target | undefined;
    try {
      target = await this.resolve(globals, (line) => this.io.err(line));
      this.exitCode = await verb(target, ...args.slice(0, -1));
    } catch (error) {
      this.exitCode = report(error, this.io, Boolean(globals.verbose));
    } finally {
      target?.close();
    }
  };

  readonly runWithoutTarget: RunLocal = (verb) => async (options) => {
    try {
      this.exitCode = await verb(options);
    } catch (error) {
      this.exitCode = report(error, this.io, false);
    }
  };
}

/** A value check for commander: its message becomes a usage error naming the option (exit 2). */
export function asCommanderArg<T>(parse: (value: string) => T): (value: string) => T {
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
