// Stands in for EventBridge Scheduler, which LocalStack never fires and the
// embedded emulators do not have: calls the probe invocation (Engine.probe,
// the code the probe Lambda runs) again as soon as the last one ends. One
// invocation covers a minute: below a 60 s interval it loops inside, sleeping
// through the engine's `sleep`, which is this loop's stoppable sleep.

export class ProbeLoopStopped extends Error {
  constructor() {
    super('probe loop stopped');
    this.name = 'ProbeLoopStopped';
  }
}

export interface ProbeLoopOptions {
  /** One probe invocation (all its rounds). */
  invoke: () => Promise<unknown>;
  /** How often an invocation starts, ms (the scheduler's period: see probePeriodMs). */
  periodMs: number;
  /** Called when an invocation fails for a reason other than stop(). */
  onError: (error: Error) => void;
  /** Pause after a failed invocation before the next (ms). */
  retryDelayMs?: number;
  /** Wait this long before the first invocation (a schedule's first run comes after one period); none by default. */
  firstDelayMs?: number;
}

/**
 * Time one invocation covers: its rounds times the interval (a whole minute
 * below 60 s, as ProbePrimaries loops), or the interval itself.
 */
export function probePeriodMs(intervalSeconds: number, windowSeconds = 60): number {
  const rounds = intervalSeconds < windowSeconds ? Math.floor(windowSeconds / intervalSeconds) : 1;
  return rounds * intervalSeconds * 1000;
}

export class ProbeLoop {
  private stopped = true;
  private running?: Promise<void>;
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly options: ProbeLoopOptions) {}

  /** The sleep to give the engine (EngineOverrides.sleep): rejects at once when the loop stops. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (this.stopped) return reject(new ProbeLoopStopped());
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        reject(new ProbeLoopStopped());
      };
      const timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      this.sleepers.add(wake);
    });

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /**
   * Ends the loop: a sleeping invocation ends at once; one in the middle of a
   * round is waited for up to `graceMs` (its SMTP checks have their own timeouts).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /**
   * Ends the invocation in progress after its round (it holds the routes it
   * started with) and starts another at once: after a reload, the new routes
   * are probed now. A loop that is stopped, or stops meanwhile, stays stopped.
   */
  async restart(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    await running;
    if (this.running !== running) return;
    this.running = undefined;
    this.start();
  }

  private async loop(): Promise<void> {
    if (this.options.firstDelayMs) {
      const woke = await this.sleep(this.options.firstDelayMs).then(() => true, () => false);
      if (!woke) return;
    }
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.options.invoke();
        const wait = started + this.options.periodMs - Date.now();
        if (wait > 0) await this.sleep(wait);
      } catch (error) {
        if (this.stopped || error instanceof ProbeLoopStopped) break;
        this.options.onError(error as Error);
        await this.sleep(this.options.retryDelayMs ?? 5_000).catch(() => undefined);
      }
    }
  }
}
