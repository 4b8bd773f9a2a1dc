// The engine's log and metrics when it runs inside the command: no JSON log
// lines or EMF blobs on the operator's terminal. Attempts go to whoever is
// listening (flush prints them as progress); warnings and errors to stderr.
import type { DeliveryLog, Metrics } from '../lambdas/core/runtime/ports.js';

export type AttemptEntry = Parameters<DeliveryLog['attempt']>[0];

export class CliLog implements DeliveryLog {
  /** Set by a command that shows progress; cleared when it is done. */
  onAttempt?: (entry: AttemptEntry) => void;

  constructor(
    private readonly err: (line: string) => void,
    private readonly verbose = false,
  ) {}

  attempt(entry: AttemptEntry): void {
    this.onAttempt?.(entry);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    if (this.verbose) this.err(line('info', message, fields));
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.err(line('warning', message, fields));
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.err(line('error', message, fields));
  }
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  const extra = fields ? Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`) : [];
  return [`${level}: ${message}`, ...extra].join(' ');
}

/** The command counts nothing: CloudWatch metrics come from the Lambdas. */
export class SilentMetrics implements Metrics {
  count(): void {}
  delay(): void {}
  flush(): void {}
}
