// SIGHUP, like `postfix reload`: the configuration file read and checked
// again; its routes replace the running ones for the next probe rounds and
// drains (config-reload.ts plans it and says what needs a restart). An
// invalid file keeps the running configuration.
import type { InProcessDrainStarter } from '../../lambdas/app/engine.js';
import type { Engine } from '../../lambdas/app/engine.js';
import type { OperatorReads } from '../../lambdas/core/operator/operator-reads.js';
import type { Settings } from '../../lambdas/config/settings.js';
import type { Provisioned } from '../provision.js';
import type { SesStandIn } from '../ses-standin/ses-standin.js';
import { describeReload, oneLine, planReload } from './config-reload.js';
import type { RunnerParts } from './local-backup-mx-options.js';
import { localSettings, resourceNames, standInRoutes } from './local-settings.js';
import type { ObservedProbe } from './observed-probe.js';
import { loadRunnerConfig, type LoadedConfig } from './runner-config.js';

/** The running runner, as a reload sees and changes it. */
export interface Reloadable {
  parts: RunnerParts;
  env: NodeJS.ProcessEnv;
  engine: Engine;
  /** What a reload says of removed routes (their mail still queued), read as `mailq` reads it. */
  operator: Pick<OperatorReads, 'listQueued'>;
  probe: ObservedProbe;
  drains: InProcessDrainStarter;
  standIn: SesStandIn | undefined;
  stopping: () => boolean;
  /** Writes the runtime file again (the CLI reads the routes from it). */
  writeRuntimeInfo: () => Promise<void>;
}

/** One reload; resolves with the one line it printed. */
export async function reloadOnce(mx: Reloadable): Promise<string> {
  const { parts, engine } = mx;
  const { out, aws } = parts;
  const keep = (why: string) => {
    const line = `reload: ${why}; keeping the running configuration`;
    out.warn(line);
    return line;
  };
  if (mx.stopping()) return keep('stopping');
  let next: LoadedConfig;
  try {
    next = await loadRunnerConfig(mx.env, parts.cwd);
  } catch (error) {
    return keep(oneLine((error as Error).message));
  }
  const plan = planReload(parts.loaded.config, next.config);
  if (plan.refused) return keep(`${next.source}: ${plan.refused}`);
  let resources: Provisioned;
  let settings: Settings;
  try {
    // Queues and topics of added routes; the existing ones are found again, as at a restart.
    resources = await aws.provision(resourceNames(parts.namePrefix, plan.config));
    settings = localSettings(plan.config, resources, mx.env);
  } catch (error) {
    return keep(`${next.source}: ${oneLine((error as Error).message)}`);
  }
  if (mx.stopping()) return keep('stopping');
  // Swap first, so a drain started from now on takes the new route; then the
  // drains still holding an old one finish their transactions and stop.
  parts.loaded = { ...next, config: plan.config };
  parts.settings = settings;
  parts.resources = resources;
  engine.useRoutes(settings.routes);
  mx.probe.useRoutes(settings.routes);
  mx.standIn?.useRoutes(standInRoutes(plan.config, resources));
  await Promise.all([mx.drains.settle([...plan.removed, ...plan.changed]), parts.probeLoop.restart()]);
  const queued = new Map<string, number>();
  for (const name of plan.removed) {
    queued.set(name, (await mx.operator.listQueued(name).catch(() => [])).length);
  }
  // A stop that began meanwhile has removed the runtime file.
  if (!mx.stopping()) await mx.writeRuntimeInfo();
  const line = describeReload(plan, next.source, queued);
  out.info(line);
  return line;
}
