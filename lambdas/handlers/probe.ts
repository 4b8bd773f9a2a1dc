// Probe Lambda: scheduled every minute. Checks each primary, records its
// health, and starts a drain at once when a primary is up and mail waits.
import { Engine } from '../app/engine.js';
import { loadSettings } from '../config/settings.js';
import type { DrainStarter } from '../core/ports.js';

let engine: Engine | undefined;

export function makeProbeHandler(getEngine: () => Engine, drains?: DrainStarter) {
  return async () => {
    const rounds = await getEngine().probe(drains);
    return { rounds };
  };
}

export const handler = makeProbeHandler(() => (engine ??= new Engine(loadSettings())));
