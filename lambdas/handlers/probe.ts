// Probe Lambda: scheduled every minute. Checks each primary, records its
// health, and starts a drain at once when a primary is up and mail waits.
import { Engine } from '../app/engine.js';
import { cachedEngine } from '../app/runtime-settings.js';
import type { DrainStarter } from '../core/ports.js';

export function makeProbeHandler(getEngine: () => Engine | Promise<Engine>, drains?: DrainStarter) {
  return async () => {
    const rounds = await (await getEngine()).probe(drains);
    return { rounds };
  };
}

export const handler = makeProbeHandler(cachedEngine());
