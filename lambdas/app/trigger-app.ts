// Builds the "I'm back" use case on an engine: its routes, route state and
// log, an SMTP probe like the scheduled one, and the trigger's own gate.
import { DynamoTriggerGate } from '../adapters/aws/dynamo-feature-stores.js';
import { SmtpProbe } from '../adapters/smtp/smtp-probe.js';
import type { TriggerKey } from '../core/feature-ports.js';
import type { DrainStarter, PrimaryProbe } from '../core/ports.js';
import { TriggerDrain } from '../core/trigger-drain.js';
import type { Engine } from './engine.js';

export function triggerUseCase(engine: Engine, key: TriggerKey, drains: DrainStarter, probe?: PrimaryProbe, minIntervalSeconds?: number): TriggerDrain {
  const { settings, deps } = engine;
  return new TriggerDrain(
    {
      routes: settings.routes,
      key,
      gate: new DynamoTriggerGate(engine.clients.doc, settings.tableName),
      routeState: deps.routeState,
      probe: probe ?? new SmtpProbe({ clientName: settings.hostname, stepTimeoutMs: settings.probeTimeoutMs }),
      drains,
      clock: deps.clock,
      log: deps.log,
    },
    minIntervalSeconds,
  );
}
