// --local: the backup MX of `npm start`, found through the runtime file it
// writes in its data directory (BACKUPMX_DATA_DIR or ./.backup-mx).
import { createAwsClients } from '../lambdas/adapters/aws/clients.js';
import { Engine } from '../lambdas/app/engine.js';
import { loadSettings, settingsToEnv } from '../lambdas/config/settings.js';
import { isProcessAlive, readRuntimeInfo, runtimeFilePath, type RuntimeInfo } from '../local/runtime-file.js';
import { CliLog, SilentMetrics } from './cli-log.js';
import { NoTargetError } from './errors.js';
import type { Target, TargetOptions } from './target.js';

/** Seconds a flush may run before it stops taking new messages. */
const FLUSH_BUDGET_SECONDS = 600;

export async function localTarget(
  options: TargetOptions,
  err: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Target> {
  const lookupEnv = options.dataDir ? { ...env, BACKUPMX_DATA_DIR: options.dataDir } : env;
  const file = runtimeFilePath(lookupEnv);
  const info = await readRuntimeInfo(lookupEnv);
  if (!info) {
    throw new NoTargetError(
      `no local backup MX is running: ${file} does not exist. Start one with \`npm start\`, ` +
        'or point --data-dir (or BACKUPMX_DATA_DIR) at the data directory it uses',
    );
  }
  if (!isProcessAlive(info.pid)) {
    throw new NoTargetError(
      `no local backup MX is running: ${file} names process ${info.pid}, which has exited. Start it again with \`npm start\``,
    );
  }
  return buildLocalTarget(info, options, err);
}

export function buildLocalTarget(info: RuntimeInfo, options: TargetOptions, err: (line: string) => void): Target {
  // Through loadSettings, so a hand-edited or outdated file fails with the field it lacks.
  const settings = loadSettings(settingsToEnv(info.settings));
  // An empty env: emulators take the local stand-in credentials, never the operator's AWS ones.
  const clients = createAwsClients({ region: info.region, endpoints: info.endpoints, env: {} });
  const log = new CliLog(err, options.verbose);
  const engine = new Engine(settings, { clients, log, metrics: new SilentMetrics() });
  return {
    kind: 'local',
    label: `local backup MX (pid ${info.pid}${info.dataDir ? `, data in ${info.dataDir}` : ''})`,
    region: info.region,
    settings,
    engine,
    log,
    // The route's lease keeps this from running at the same time as the runner's own drain.
    drain: (route) => engine.drain({ route, mode: 'deliver' }, { owner: `backup-mx-cli-${process.pid}`, budgetSeconds: FLUSH_BUDGET_SECONDS }),
    close: () => clients.destroy(),
  };
}

