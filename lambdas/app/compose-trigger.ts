// The "I'm back" trigger's composition root, the one place its use case is
// built: the Lambda (trigger-app.ts, from its environment) and the local
// runner (on its engine) differ only in the sources they hand in. Apart from
// compose.ts on purpose: the trigger is a public URL whose function builds no
// engine, so its bundle must carry no SMTP, S3, SQS or SES code
// (test/unit/cdk/bundling.test.ts), and compose.ts imports all of them.
import type { TriggerClients } from '../adapters/aws/clients.js';
import { DynamoTriggerGate } from '../adapters/aws/dynamo-feature-stores.js';
import { readRouteTable } from '../adapters/aws/dynamo-route-table.js';
import { DynamoTriggerKey } from '../adapters/aws/dynamo-trigger-key.js';
import { LambdaProbeRequester } from '../adapters/aws/lambda-probe-requester.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { PowertoolsMetrics } from '../adapters/aws/powertools-metrics.js';
import { SecretsTriggerKey } from '../adapters/aws/secrets-trigger-key.js';
import type { TriggerSettings } from '../config/settings.js';
import type { ProbeRequester, TriggerKey } from '../core/operator/ports.js';
import { TriggerDrain, type TriggerDeps } from '../core/operator/trigger-drain.js';
import type { Clock, DeliveryLog } from '../core/runtime/ports.js';
import { reportRefusedTable } from './refused-route-table.js';

/** What the trigger is built from besides its gate: where the Lambda and the local runner differ. */
export interface TriggerSources {
  /** The route names a signal may name; asked only once a call is authenticated. */
  routes: () => Promise<string[]>;
  key: TriggerKey;
  /** The probe function in AWS; the runner's own probe, in process, locally. */
  probes: ProbeRequester;
  clock: Clock;
  log: DeliveryLog;
  metrics: TriggerDeps['metrics'];
}

/** The trigger's use case. Both programs claim the same gate row in the state table, so one signal starts one probe. */
export function composeTrigger(doc: TriggerClients['doc'], tableName: string, sources: TriggerSources, minIntervalSeconds?: number): TriggerDrain {
  return new TriggerDrain({ ...sources, gate: new DynamoTriggerGate(doc, tableName) }, minIntervalSeconds);
}

/** The trigger function's sources on its own clients. Does no I/O until a call comes. */
export function lambdaTriggerSources(settings: TriggerSettings, clients: TriggerClients, overrides: { metrics?: TriggerDeps['metrics'] } = {}): TriggerSources {
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
  return {
    routes,
    // The table's trigger#key, unless trigger.keySecretName kept a Secrets Manager secret.
    key: settings.triggerSecretId ? new SecretsTriggerKey(clients.secrets, settings.triggerSecretId) : new DynamoTriggerKey(clients.doc, settings.tableName),
    probes: new LambdaProbeRequester(clients.lambda, settings.probeFunctionName),
    clock: { now: () => new Date() },
    log,
    metrics: overrides.metrics ?? new PowertoolsMetrics({ stackName: settings.stackName }),
  };
}

function routeNames(text: string): string[] {
  return (JSON.parse(text) as { name?: unknown }[]).map((route) => route.name).filter((name): name is string => typeof name === 'string');
}
