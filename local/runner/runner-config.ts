// What the local backup MX reads before it starts: the backupMx configuration
// (BACKUPMX_CONTEXT_FILE, else the context of cdk.json — the very object
// `cdk deploy` uses, checked by the same parser) and the runner's own
// environment variables, each checked with a message naming the variable.
// The one place in local/ that reads the environment (test/unit/config/env-reads.test.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBackupMxConfig, type BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import { ENV } from '../../lambdas/config/settings.js';
import { DEFAULT_SMTP_PORT } from '../ses-standin/ses-standin.js';

/** The repository root (where cdk.json lives), whatever the working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const RUNNER_ENV = {
  contextFile: 'BACKUPMX_CONTEXT_FILE',
  dataDir: 'BACKUPMX_DATA_DIR',
  smtpPort: 'BACKUPMX_SMTP_PORT',
  probeInterval: 'BACKUPMX_PROBE_INTERVAL_SECONDS',
  stopWait: 'BACKUPMX_STOP_WAIT_SECONDS',
  canaryInterval: 'BACKUPMX_CANARY_INTERVAL_SECONDS',
  triggerPort: 'BACKUPMX_TRIGGER_PORT',
  pushInterval: 'BACKUPMX_PUSH_INTERVAL_SECONDS',
  verbose: 'BACKUPMX_VERBOSE',
  localSecrets: 'BACKUPMX_LOCAL_SECRETS',
  endpoint: 'AWS_ENDPOINT_URL',
} as const;

export class RunnerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerConfigError';
  }
}

export interface LoadedConfig {
  config: BackupMxConfig;
  /** The file it came from (for the start-up lines). */
  source: string;
  /** True when it is the shipped cdk.json (its example primary does not exist). */
  fromCdkJson: boolean;
  /** SHA-256 of the file's text as read: tells the CLI whether the file changed since (a reload not yet sent). */
  digest?: string;
}

/** Reads and validates the backupMx configuration the runner should use. */
export async function loadRunnerConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<LoadedConfig> {
  const named = env[RUNNER_ENV.contextFile];
  const file = named ? path.resolve(cwd, named) : path.join(PROJECT_ROOT, 'cdk.json');
  return readConfigFile(file, { cdkJson: !named, label: named ? RUNNER_ENV.contextFile : 'cdk.json' }, env);
}

/**
 * One configuration file: a cdk.json (the configuration under "context") or a
 * context file ({"backupMx": {...}} at the top). The CLI reads the running
 * runner's file through this too (the runtime file names it and its kind).
 */
export async function readConfigFile(file: string, kind: { cdkJson: boolean; label?: string }, env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new RunnerConfigError(`${kind.label ?? 'configuration'}: cannot read ${file} (${why})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunnerConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  // cdk.json nests the context; a context file is the context itself ({"backupMx": {...}}).
  const context = kind.cdkJson ? (json as { context?: unknown })?.context : json;
  const raw = (context as { backupMx?: unknown } | undefined)?.backupMx;
  if (raw === undefined) {
    const where = kind.cdkJson ? 'under "context"' : 'at the top level';
    throw new RunnerConfigError(`${file}: no "backupMx" object ${where}; expected {"backupMx": {"routes": [...]}}`);
  }
  try {
    const config = parseBackupMxConfig(raw, { region: env.AWS_REGION || env.CDK_DEFAULT_REGION || 'us-east-1', baseDir: path.dirname(file) });
    return { config, source: file, fromCdkJson: kind.cdkJson, digest: createHash('sha256').update(text).digest('hex') };
  } catch (error) {
    throw new RunnerConfigError(`${file}: ${(error as Error).message}`);
  }
}

export interface RunnerEnv {
  smtpPort: number;
  dataDir?: string;
  /** Set: use this endpoint for every AWS service (LocalStack) instead of the embedded emulators. */
  endpoint?: string;
}

/** The runner's own variables (the engine's tuning variables are read by loadSettings). */
export function readRunnerEnv(env: NodeJS.ProcessEnv, cwd = process.cwd()): RunnerEnv {
  let smtpPort: number;
  try {
    smtpPort = smtpPortFromEnv(env);
  } catch (error) {
    throw new RunnerConfigError((error as Error).message);
  }
  const dataDir = env[RUNNER_ENV.dataDir] ? path.resolve(cwd, env[RUNNER_ENV.dataDir]!) : undefined;
  const endpoint = env[RUNNER_ENV.endpoint] || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new RunnerConfigError(`${RUNNER_ENV.endpoint}: not an http(s) URL: ${endpoint}`);
  }
  return { smtpPort, ...(dataDir ? { dataDir } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** BACKUPMX_CANARY_INTERVAL_SECONDS: seconds between canaries through the stand-in (default: the configuration's interval). */
export function canaryIntervalSecondsFromEnv(env: NodeJS.ProcessEnv, fallbackMinutes: number): number {
  const raw = env[RUNNER_ENV.canaryInterval];
  if (raw === undefined || raw === '') return fallbackMinutes * 60;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 43_200) {
    throw new RunnerConfigError(`${RUNNER_ENV.canaryInterval}: expected whole seconds from 1 to 43200, got ${raw}`);
  }
  return seconds;
}

/** BACKUPMX_STOP_WAIT_SECONDS: how long a stop waits for deliveries in progress (default 10, 1-600). */
export function stopWaitSecondsFromEnv(env: NodeJS.ProcessEnv, fallback = 10): number {
  const raw = env[RUNNER_ENV.stopWait];
  if (raw === undefined || raw === '') return fallback;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
    throw new RunnerConfigError(`${RUNNER_ENV.stopWait}: expected whole seconds from 1 to 600, got ${raw}`);
  }
  return seconds;
}

/** The runner's process environment; entry points (run.ts, demo.ts) and LocalBackupMx.start take it from here. */
export function runnerProcessEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** The SDK's notice about its 2027 Node requirement says nothing about a local run. */
export function silenceSdkNodeNotice(env: NodeJS.ProcessEnv = runnerProcessEnv()): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** BACKUPMX_VERBOSE=1: a line per message and per probe where a summary is the default. */
export function verboseFromEnv(env: NodeJS.ProcessEnv): boolean {
  return env[RUNNER_ENV.verbose] === '1';
}

/** Reads BACKUPMX_SMTP_PORT (the SES stand-in's port); 2525 when unset. */
export function smtpPortFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env[RUNNER_ENV.smtpPort];
  if (raw === undefined || raw === '') return DEFAULT_SMTP_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`BACKUPMX_SMTP_PORT: not a port number: ${raw}`);
  }
  return port;
}

export class TriggerPortError extends Error {
  constructor(readonly value: string) {
    super(`BACKUPMX_TRIGGER_PORT: expected 0–65535, got ${JSON.stringify(value)}`);
    this.name = 'TriggerPortError';
  }
}

/** BACKUPMX_TRIGGER_PORT: the "I'm back" listener's port (default 0: a free one, written to runtime.json). */
export function triggerPortFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env[RUNNER_ENV.triggerPort];
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TriggerPortError(raw);
  return port;
}

/** BACKUPMX_PUSH_INTERVAL_SECONDS: the recipient push gate's interval per route (default: the function's, undefined here). */
export function pushIntervalFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[RUNNER_ENV.pushInterval];
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0) throw new RunnerConfigError(`${RUNNER_ENV.pushInterval}: expected a whole number of seconds (0 or more), got ${JSON.stringify(raw)}`);
  return seconds;
}

/** BACKUPMX_LOCAL_SECRETS: the file of AUTH passwords and ARC keys, as given (relative to the working directory). */
export function localSecretsFileFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env[RUNNER_ENV.localSecrets] || undefined;
}

/** The runner's (and the CLI's) runtime directory: BACKUPMX_DATA_DIR, else .backup-mx in the working directory. */
export function runtimeDirFromEnv(env: NodeJS.ProcessEnv): string {
  return path.resolve(env[RUNNER_ENV.dataDir] || '.backup-mx');
}

/** Engine variables a person may set to tune a local run (as the stack would set them in Lambda). */
const TUNABLE: (keyof typeof ENV)[] = [
  'hostname',
  'minBackoffSeconds',
  'maxBackoffSeconds',
  'queueLifetimeSeconds',
  'probeIntervalSeconds',
  'probeTimeoutMs',
  'smtpTimeoutMs',
  'maxReceivedHeaders',
  'delayWarningSeconds',
  'primaryDownMinutes',
  'oldestMessageAgeMinutes',
  'backlogMessages',
];

/** The BACKUPMX_* tuning variables set (non-empty) in `env`, which override the configuration's values (loadSettings checks them). */
export function engineTuningFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const tuning: Record<string, string> = {};
  for (const key of TUNABLE) {
    const name = ENV[key];
    if (env[name] !== undefined && env[name] !== '') tuning[name] = env[name]!;
  }
  return tuning;
}
