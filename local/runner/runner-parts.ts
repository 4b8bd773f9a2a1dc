// What `LocalBackupMx.start` connects before the runner is built: the runtime
// directory and lock, local AWS with the stack's resources provisioned, the
// engine's settings and the probe loop. On a failure here nothing is left
// open: the connection is closed and the lock released before the error goes on.
import type { LocalBackupMxOptions, RunnerParts } from './local-backup-mx-options.js';
import { LineOutput } from './line-output.js';
import { connectLocalAws, type LocalAwsConnection } from './local-aws.js';
import { DEFAULT_NAME_PREFIX, localSettings, resourceNames } from './local-settings.js';
import { ProbeLoop, probePeriodMs } from './probe-loop.js';
import { loadRunnerConfig, readRunnerEnv } from './runner-config.js';
import { RuntimeLock } from './runtime-lock.js';
import { ensureWritableDir, explainEndpointError } from './startup-errors.js';
import { runtimeDir } from '../runtime-file.js';

/** The parts, and the SMTP port the stand-in is to listen on (BACKUPMX_SMTP_PORT). */
export interface OpenedRunnerParts {
  parts: RunnerParts;
  smtpPort: number;
}

/** `probe` is what each probe round runs (the runner's engine, built after this). */
export async function openRunnerParts(options: LocalBackupMxOptions, env: NodeJS.ProcessEnv, probe: () => Promise<unknown>): Promise<OpenedRunnerParts> {
  const cwd = options.cwd ?? process.cwd();
  const runnerEnv = readRunnerEnv(env, cwd);
  const loaded = await loadRunnerConfig(env, cwd);
  if (options.runtimeFile !== false || runnerEnv.dataDir) {
    await ensureWritableDir(runtimeDir(env), runnerEnv.dataDir ? 'BACKUPMX_DATA_DIR' : 'the runtime directory .backup-mx');
  }
  const out = new LineOutput(options.write);
  const lock = options.runtimeFile === false ? undefined : await RuntimeLock.acquire(env);
  const { config } = loaded;
  let aws: LocalAwsConnection | undefined;
  try {
    aws = await connectLocalAws({ endpoint: runnerEnv.endpoint, dataDir: runnerEnv.dataDir, region: config.region, env });
    const namePrefix = options.namePrefix ?? DEFAULT_NAME_PREFIX;
    const resources = await aws.provision(resourceNames(namePrefix, config)).catch((error: unknown) => {
      throw runnerEnv.endpoint ? explainEndpointError(error, runnerEnv.endpoint) : error;
    });
    const settings = localSettings(config, resources, env);
    const probeLoop = new ProbeLoop({
      invoke: probe,
      periodMs: probePeriodMs(settings.probeIntervalSeconds),
      onError: (error) => out.warn(`probe: ${error.message}`),
    });
    return { parts: { loaded, settings, out, aws, resources, probeLoop, lock, dataDir: runnerEnv.dataDir, cwd, namePrefix }, smtpPort: runnerEnv.smtpPort };
  } catch (error) {
    await aws?.close();
    await lock?.release();
    throw error;
  }
}
