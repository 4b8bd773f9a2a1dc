// Picks the target from the global options: --local (or an explicit
// --data-dir, which only means something locally) or the deployed stack.
import { awsTarget } from './aws-target.js';
import { isProcessAlive, readRuntimeInfo } from '../local/runtime-file.js';
import { RUNNER_ENV } from '../local/runner/runner-config.js';
import type { CliEnv } from './cli-env.js';
import { CliError } from './errors.js';
import { localTarget } from './local-target.js';
import { lookUpRuntimeDir } from './runtime-lookup.js';
import type { Target, TargetOptions } from './target.js';

type Build = (options: TargetOptions, err: (line: string) => void, env: CliEnv) => Promise<Target>;

export function resolveTarget(
  options: TargetOptions,
  err: (line: string) => void,
  env: CliEnv,
  build: { local: Build; aws: Build } = { local: localTarget, aws: awsTarget },
): Promise<Target> {
  if (options.local || options.dataDir !== undefined) return build.local(options, err, env);
  // Left over from `npm start` in the same shell, the variable alone must not pick the target.
  if (env.dataDir) {
    err(`backup-mx: note: BACKUPMX_DATA_DIR is set, but without --local this works on the deployed stack (use --local for the local one)`);
  }
  return build.aws(options, err, env).catch(async (error: unknown) => {
    throw await withLocalHint(error, env);
  });
}

/** The deployed stack cannot be reached while `npm start` runs here: say that --local exists. */
async function withLocalHint(error: unknown, env: CliEnv): Promise<unknown> {
  if (!(error instanceof CliError)) return error;
  let lookup;
  try {
    lookup = lookUpRuntimeDir(env);
  } catch (several) {
    // More than one local runner: say so, still with the deployed stack's own error first.
    error.message += ` (${(several as Error).message}, with --local)`;
    return error;
  }
  const info = await readRuntimeInfo({ [RUNNER_ENV.dataDir]: lookup.dir }).catch(() => undefined);
  if (!info || !isProcessAlive(info.pid)) return error;
  error.message += ` (a local backup MX is running, pid ${info.pid}: add --local to work on it)`;
  return error;
}
