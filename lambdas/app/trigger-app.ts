// The "I'm back" trigger for each program that serves it, built by
// composeTrigger (compose-trigger.ts): the Lambda from its environment (no
// engine, no SMTP, no AUTH secret), the local runner on its engine.
import { createTriggerClients } from '../adapters/aws/clients.js';
import { loadTriggerSettings } from '../config/settings.js';
import type { DrainStarter } from '../core/drain/ports.js';
import type { TriggerKey } from '../core/operator/ports.js';
import type { TriggerDeps, TriggerDrain } from '../core/operator/trigger-drain.js';
import { composeTrigger, lambdaTriggerSources } from './compose-trigger.js';
import type { Composition } from './composition.js';
import { regionOf } from './lambda-env.js';

/** The trigger function's use case, from its environment. Does no I/O until a call comes. */
export function awsTriggerUseCase(env: NodeJS.ProcessEnv, overrides: { metrics?: TriggerDeps['metrics'] } = {}): TriggerDrain {
  const settings = loadTriggerSettings(env);
  const clients = createTriggerClients({ region: regionOf(env), env });
  return composeTrigger(clients.doc, settings.tableName, lambdaTriggerSources(settings, clients, overrides));
}

/** The local runner's use case: the same rules, on its composition's engine and table; the probe runs in this process. */
export function localTriggerUseCase(composed: Pick<Composition, 'engine' | 'deps' | 'clients'>, key: TriggerKey, drains: DrainStarter, minIntervalSeconds?: number): TriggerDrain {
  const { engine, deps } = composed;
  const { settings } = engine;
  return composeTrigger(
    composed.clients.doc,
    settings.tableName,
    {
      routes: async () => settings.routes.map((route) => route.name),
      key,
      probes: { probeNow: (route) => engine.probeRoute(route, drains) },
      clock: deps.clock,
      log: deps.log,
      metrics: deps.metrics,
    },
    minIntervalSeconds,
  );
}
