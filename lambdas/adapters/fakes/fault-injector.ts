// Makes the in-memory fakes fail like AWS services do under load: each call of
// a named operation ("ledger.record", "queue.receive") throws a throttling
// error with a seeded probability, and can charge modelled latency to a
// manual clock. One injector is shared by every fake of a scenario.

/** What an injected failure looks like: the SDK's throttling error shape. */
export class InjectedFault extends Error {
  readonly $retryable = { throttling: true };
  constructor(readonly operation: string) {
    super(`injected fault: ${operation} throttled`);
    this.name = 'ThrottlingException';
  }
}

export interface FaultInjectorOptions {
  /** A number in [0, 1) per call (a seeded PRNG in tests). */
  random: () => number;
  /** Failure probability per operation; `*` applies to operations not named. */
  rates: Record<string, number>;
  /** Called before every operation, failing or not (e.g. to charge latency). */
  onCall?: (operation: string) => void;
}

export class FaultInjector {
  /** Calls and failures per operation. */
  readonly calls = new Map<string, number>();
  readonly failures = new Map<string, number>();
  /** While false, nothing fails (set-up and final audits read through the same fakes). */
  enabled = true;

  constructor(private readonly options: FaultInjectorOptions) {}

  /** Throws InjectedFault when this call is chosen to fail. */
  check(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    this.options.onCall?.(operation);
    if (!this.enabled) return;
    const rate = this.options.rates[operation] ?? this.options.rates['*'] ?? 0;
    if (rate > 0 && this.options.random() < rate) {
      this.failures.set(operation, (this.failures.get(operation) ?? 0) + 1);
      throw new InjectedFault(operation);
    }
  }

  get totalFailures(): number {
    let total = 0;
    for (const n of this.failures.values()) total += n;
    return total;
  }
}
