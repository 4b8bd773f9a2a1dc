// Records each drain it is asked to start.
import type { DrainMode, DrainStarter } from '../../core/drain/ports.js';

export class RecordingDrainStarter implements DrainStarter {
  readonly started: { route: string; mode: DrainMode }[] = [];

  async start(route: string, mode: DrainMode = 'deliver'): Promise<void> {
    this.started.push({ route, mode });
  }
}
