// Builds the "I'm back" use case. In Lambda it is its own small composition:
// no engine, no SMTP, no AUTH secret; its clients read the HMAC key (the
// table's, or a named secret's), claim the gate and invoke the probe, and the route table read only once a call is
// authenticated (then kept, and checked against its digest like every
// function's). The local runner builds it on its engine instead.
import { createTriggerClients } from '../adapters/aws/clients.js';
import { DynamoTriggerGate } from '../adapters/aws/dynamo-feature-stores.js';
import { readRouteTable } from '../adapters/aws/dynamo-route-table.js';
import { LambdaProbeRequester } from '../adapters/aws/lambda-probe-requester.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { PowertoolsMetrics } from '../adapters/aws/powertools-metrics.js';
import { DynamoTriggerKey } from '../adapters/aws/dynamo-trigger-key.js';
import { SecretsTriggerKey } from '../adapters/aws/secrets-trigger-key.js';
import { loadTriggerSettings } from '../config/settings.js';
import type { DrainStarter } from '../core/drain/ports.js';
import type { TriggerKey } from '../core/operator/ports.js';
import { TriggerDrain, type TriggerDeps } from '../core/operator/trigger-drain.js';
import type { Engine } from './engine.js';
import { regionOf } from './lambda-env.js';
import { reportRefusedTable } from './refused-route-table.js';

/** The trigger function's use case, from its environment. Does no I/O until a call comes. */
export function awsTriggerUseCase(env: NodeJS.ProcessEnv, overrides: { metrics?: TriggerDeps['metrics'] } = {}): TriggerDrain {
  const settings = loadTriggerSettings(env);
  const clients = createTriggerClients({ region: regionOf(env), env });
  const log = new PowertoolsDeliveryLog();
  let names: Promise<string[]> | undefined;
  const routes = () =>
    (names ??= readRouteTable(clients.doc, settings.tableName, settings.routeTableDigest)
      .then(routeNames)
      .catch((error: unknown) => {
        names = undefined; // a failed read is not kept: the next call reads again
        reportRefusedTable(error, log);
        throw error;
      }));
  return new TriggerDrain({
    routes,
    // The table's trigger#key, unless trigger.keySecretName kept a Secrets Manager secret.
    key: settings.triggerSecretId ? new SecretsTriggerKey(clients.secrets, settings.triggerSecretId) : new DynamoTriggerKey(clients.doc, settings.tableName),
    gate: new DynamoTriggerGate(clients.doc, settings.tableName),
    probes: new LambdaProbeRequester(clients.lambda, settings.probeFunctionName),
    clock: { now: () => new Date() },
    log,
    metrics: overrides.metrics ?? new PowertoolsMetrics({ stackName: settings.stackName }),
  });
}

/** The local runner's use case: the same rules, on its engine; the probe runs in this process. */
export function localTriggerUseCase(engine: Engine, key: TriggerKey, drains: DrainStarter, minIntervalSeconds?: number): TriggerDrain {
  const { settings, deps } = engine;
  return new TriggerDrain(
    {
      routes: async () => settings.routes.map((route) => route.name),
      key,
      gate: new DynamoTriggerGate(engine.clients.doc, settings.tableName),
      probes: { probeNow: (route) => engine.probeRoute(route, drains) },
      clock: deps.clock,
      log: deps.log,
      metrics: deps.metrics,
    },
    minIntervalSeconds,
  );
}

function routeNames(text: string): string[] {
  return (JSON.parse(text) as { name?: unknown }[]).map((route) => route.name).filter((name): name is string => typeof name === 'string');
}
