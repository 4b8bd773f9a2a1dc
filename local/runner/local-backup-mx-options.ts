// The local backup MX's options, its parts once started, and its start-up error.
import type { Settings } from '../../lambdas/config/settings.js';
import type { Provisioned } from '../provision.js';
import type { LineOutput, LineWriter } from './line-output.js';
import type { LocalAwsConnection } from './local-aws.js';
import type { ProbeLoop } from './probe-loop.js';
import type { LoadedConfig } from './runner-config.js';
import type { RuntimeLock } from './runtime-lock.js';

export interface LocalBackupMxOptions {
  /** Where BACKUPMX_* and AWS_ENDPOINT_URL are read (the runner's process environment by default: runnerProcessEnv). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the plain lines go (stdout by default). */
  write?: LineWriter;
  /** Prefix of every resource name (default backupmx-local); tests on LocalStack pass their own. */
  namePrefix?: string;
  /** Write the runtime file the `backup-mx` CLI looks for (default true). */
  runtimeFile?: boolean;
  /** Print every engine log line, not only what a person needs. */
  verbose?: boolean;
  /** Time budget of one in-process drain, s (default 60: the probe starts another while mail waits). */
  drainBudgetSeconds?: number;
  /**
   * The checkout whose .backup-mx/runners/ gets a pointer to this runner, so the
   * CLI finds it from any directory of that checkout whatever its data dir
   * (`npm start` passes its own; none by default: tests run many runners at once).
   */
  pointerRoot?: string;
}

/** How long a stop waits for deliveries in progress (BACKUPMX_STOP_WAIT_SECONDS overrides it). */
export const DEFAULT_STOP_WAIT_SECONDS = 10;

export class SmtpPortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is already in use (another npm start?); set BACKUPMX_SMTP_PORT to another port`);
    this.name = 'SmtpPortInUseError';
  }
}

/** What a running runner is made of; a reload replaces the configuration, settings and resources. */
export interface RunnerParts {
  /** The configuration running now (a reload replaces its routes). */
  loaded: LoadedConfig;
  settings: Settings;
  out: LineOutput;
  aws: LocalAwsConnection;
  resources: Provisioned;
  probeLoop: ProbeLoop;
  lock?: RuntimeLock;
  dataDir?: string;
  /** Where the configuration was read from and the resources' name prefix: what a reload reads and provisions again. */
  cwd: string;
  namePrefix: string;
}
