// Keeps metric data points; `total` sums a counter.
import type { GaugeName, Metrics, StackCountName, StackGaugeName } from '../../core/runtime/ports.js';

type CounterName = Parameters<Metrics['count']>[0];

export class RecordingMetrics implements Metrics {
  readonly counts: { name: CounterName; value: number; route: string }[] = [];
  readonly delays: { seconds: number; route: string }[] = [];
  readonly gauges: { name: GaugeName; value: number; route: string }[] = [];
  readonly stops: { reason: string; route: string }[] = [];
  readonly stackGauges: { name: StackGaugeName; value: number }[] = [];
  readonly stackCounts: { name: StackCountName; value: number; detail?: Record<string, string> }[] = [];
  flushes = 0;

  gauge(name: GaugeName, value: number, route: string): void {
    this.gauges.push({ name, value, route });
  }
  drainStopped(reason: string, route: string): void {
    this.stops.push({ reason, route });
  }
  stackGauge(name: StackGaugeName, value: number): void {
    this.stackGauges.push({ name, value });
  }
  stackCount(name: StackCountName, value: number, detail?: Record<string, string>): void {
    this.stackCounts.push({ name, value, ...(detail ? { detail } : {}) });
  }

  count(name: CounterName, value: number, route: string): void {
    this.counts.push({ name, value, route });
  }
  delay(seconds: number, route: string): void {
    this.delays.push({ seconds, route });
  }
  flush(): void {
    this.flushes += 1;
  }

  total(name: CounterName, route?: string): number {
    return this.counts.filter((c) => c.name === name && (route === undefined || c.route === route)).reduce((sum, c) => sum + c.value, 0);
  }
}
