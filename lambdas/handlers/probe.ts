// Probe Lambda: scheduled every minute. Checks each primary, records its
// health, and starts a drain at once when a primary is up and mail waits.
// Invoked by the trigger function with { route, reason: "trigger" }, it checks
// that one route now, the same way, and returns what it found.
import { Engine } from '../app/engine.js';
import { lambdaEnv } from '../app/lambda-env.js';
import { cachedEngine } from '../app/runtime-settings.js';
import type { DrainStarter } from '../core/drain/ports.js';
import type { RouteProbeOutcome } from '../core/probe/probe-primaries.js';

/** The trigger's request (the scheduler's event has no `route`). */
export interface ProbeRouteEvent {
  route?: unknown;
  reason?: unknown;
}

export interface ProbeHandler {
  (event: { route: string; reason?: string }): Promise<RouteProbeOutcome>;
  (event?: ProbeRouteEvent): Promise<{ rounds: RouteProbeOutcome[][] }>;
}

export function makeProbeHandler(getEngine: () => Engine | Promise<Engine>, drains?: DrainStarter): ProbeHandler {
  return (async (event?: ProbeRouteEvent) => {
    const engine = await getEngine();
    if (typeof event?.route === 'string') return engine.probeRoute(event.route, drains);
    const rounds = await engine.probe(drains);
    return { rounds };
  }) as ProbeHandler;
}

export const handler = makeProbeHandler(cachedEngine(lambdaEnv()));
