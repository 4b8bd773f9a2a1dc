// The CLI's environment, read once: main.ts fills this from process.env and
// hands it down, so no other file of the CLI looks a variable up (a test
// pins that) and tests pass the values they mean instead of a whole env.
import { RUNNER_ENV } from '../local/runner/runner-config.js';

export interface CliEnv {
  /** BACKUPMX_DATA_DIR: where --local looks for the runner's runtime file first (alone, it does not pick --local). */
  dataDir?: string;
  /** BACKUPMX_LOCAL_SECRETS: the secrets file a --local command reads instead of the runner's. */
  localSecrets?: string;
  /** BACKUPMX_CONTEXT_FILE: the configuration `recipients verify` reads instead of the runner's. */
  contextFile?: string;
  /** AWS_REGION, else AWS_DEFAULT_REGION (--region wins over both). */
  region?: string;
  /**
   * The whole environment, only to hand on to code outside cli/ that reads
   * its own variables from one: the SDK clients (AWS_ENDPOINT_URL,
   * credentials) and the runner's configuration reader.
   */
  passOn: NodeJS.ProcessEnv;
}

/** An empty variable counts as unset, as the shell's `${VAR:-default}` would. */
export function readCliEnv(env: NodeJS.ProcessEnv): CliEnv {
  const dataDir = env[RUNNER_ENV.dataDir] || undefined;
  const localSecrets = env[RUNNER_ENV.localSecrets] || undefined;
  const contextFile = env[RUNNER_ENV.contextFile] || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  return {
    ...(dataDir ? { dataDir } : {}),
    ...(localSecrets ? { localSecrets } : {}),
    ...(contextFile ? { contextFile } : {}),
    ...(region ? { region } : {}),
    passOn: env,
  };
}
