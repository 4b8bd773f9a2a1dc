// Drains inside this process (the local runner, tests, benchmarks) instead of
// a Lambda invoke: what the probe starts when no drain function is configured.
import { needsSuccessor } from '../core/drain/drain-successor.js';
import type { DrainSummary } from '../core/drain/drain-summary.js';
import type { DrainMode, DrainStarter } from '../core/drain/ports.js';
import type { Engine } from './engine.js';

/**
 * Runs drains inside this process (local runner, tests): one at a time per
 * route, a start while one runs is remembered and runs right after it.
 */
export class InProcessDrainStarter implements DrainStarter {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Aborted by stop(): running drains take no new message, none starts. */
  private readonly stopping = new AbortController();
  /** The drain running now for each route, which settle() stops alone. */
  private readonly current = new Map<string, { stop: AbortController; done: Promise<unknown> }>();
  readonly summaries: DrainSummary[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly budgetSeconds = 600,
    private readonly onSummary: (summary: DrainSummary) => void = () => {},
  ) {}

  async start(route: string, mode: DrainMode = 'deliver'): Promise<void> {
    if (this.stopping.signal.aborted) return;
    if (this.running.has(route)) {
      if (mode === 'deliver') this.again.add(route);
      return;
    }
    const run = (async () => {
      let next: DrainMode = mode;
      do {
        this.again.delete(route);
        const routeStop = new AbortController();
        try {
          const drain = this.engine.drain(
            { route, mode: next },
            { owner: `local-${process.pid}`, budgetSeconds: this.budgetSeconds, signal: AbortSignal.any([this.stopping.signal, routeStop.signal]) },
          );
          this.current.set(route, { stop: routeStop, done: drain.catch(() => undefined) });
          const summary = await drain;
          this.summaries.push(summary);
          this.onSummary(summary);
          // Out of time with mail left: go on at once, as the drain Lambda starts its successor.
          // A settled route waits for the next probe round, which knows its new primary (or that it is gone).
          if (needsSuccessor(summary) && !routeStop.signal.aborted) this.again.add(route);
        } catch (error) {
          this.engine.log.error('drain failed', { route, mode: next, error: (error as Error).message });
        } finally {
          this.current.delete(route);
        }
        next = 'deliver'; // only deliveries are re-requested while one runs
      } while (this.again.has(route) && !this.stopping.signal.aborted);
    })().finally(() => this.running.delete(route));
    this.running.set(route, run);
  }

  /** Running drains finish the deliveries they started and release the rest; no new drain starts. */
  stop(): void {
    this.stopping.abort();
  }

  /**
   * The routes' running drains (holding the route as it was) finish the
   * deliveries they started and give the rest back; later starts run as usual.
   * What a reload calls for routes whose primary changed or that are gone.
   */
  async settle(routes: string[]): Promise<void> {
    const drains: Promise<unknown>[] = [];
    for (const route of routes) {
      this.again.delete(route);
      const drain = this.current.get(route);
      drain?.stop.abort();
      if (drain) drains.push(drain.done);
    }
    await Promise.all(drains);
  }

  /** Resolves when every drain started so far has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
