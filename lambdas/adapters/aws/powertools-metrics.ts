// Metrics as CloudWatch EMF lines through Powertools, namespace BackupMx, one
// dimension set {service, stack, route}. Powertools keeps one dimension set per
// instance, so each route gets its own instance; flush() writes one EMF line
// per route. The stack's alarms read metricDimensions(), so they ask for
// exactly what is written here. The stack (its CloudFormation name) is in
// every set: two stacks in one account with a route of the same name would
// otherwise write one series, and one's PrimaryUp 1 would hide the other's 0.
// The figures published every minute while idle (DETAILED_FIGURES) cost $0.30
// a month each as metrics: they become metrics only with the dashboard that
// graphs them; otherwise they ride in a log line (`figures`), and the alarms
// read the probe's RouteProblems and StackProblems (core/problems).
import { Metrics as EmfMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { GaugeName, Metrics, StackCountName, StackGaugeName } from '../../core/runtime/ports.js';

export const METRICS_NAMESPACE = 'BackupMx';
/** Powertools always adds a `service` dimension; one value for every function keeps one metric per route. */
export const METRICS_SERVICE = 'backup-mx';
export const DELAY_METRIC = 'DeliveryDelay';
export const QUEUED_MESSAGES_METRIC = 'QueuedMessages';
export const OLDEST_QUEUED_AGE_METRIC = 'OldestQueuedAgeSeconds';
export const DRAIN_STOPPED_METRIC = 'DrainStopped';
export const ORPHANED_QUEUE_MESSAGES_METRIC = 'OrphanedQueueMessages';
/** Seconds from the canary's send to its arrival at the accept step, stack-wide (core/canary). */
export const CANARY_ROUND_TRIP_METRIC = 'CanaryRoundTripSeconds';
/** Notices waiting for the operator (`backup-mx notices`), per route, from the held-notice records. */
export const HELD_NOTICES_METRIC = 'HeldNotices';
/** Dead-letter records not yet requeued or deleted, per route, from the table (not the DLQ, which SQS empties after 14 days). */
export const DEAD_LETTERS_METRIC = 'DeadLetters';
/** The conditions on for a route, a bit set (core/problems/conditions.ts), published by the probe every round. */
export const ROUTE_PROBLEMS_METRIC = 'RouteProblems';
/** The stack's conditions on, a bit set, published by the probe every round. */
export const STACK_PROBLEMS_METRIC = 'StackProblems';
/** Figures published while idle that are metrics only with the dashboard; otherwise log fields. */
export const DETAILED_FIGURES: readonly string[] = ['PrimaryUp', QUEUED_MESSAGES_METRIC, OLDEST_QUEUED_AGE_METRIC, HELD_NOTICES_METRIC, DEAD_LETTERS_METRIC, ORPHANED_QUEUE_MESSAGES_METRIC, CANARY_ROUND_TRIP_METRIC];
/** Calls the "I'm back" trigger refused (bad or stale signature, replay, rate limit), stack-wide. */
export const TRIGGER_REFUSED_METRIC = 'TriggerRefused';
/** Recipient pushes refused (form, signature, replay, rate, the list's guards; `why` in the record), stack-wide. */
export const RECIPIENT_PUSH_REFUSED_METRIC = 'RecipientPushRefused';
/** Addresses removed by each stored recipient push (`route`, `forced` in the record), stack-wide: an alarm sees a large forced removal. */
export const RECIPIENTS_REMOVED_METRIC = 'RecipientsRemoved';

/** Dimensions of the stack-wide figures (stackGauge, stackCount): the service and the stack, no route. */
export function stackMetricDimensions(stack: string): { service: string; stack: string } {
  return { service: METRICS_SERVICE, stack };
}

/** Dimensions of DrainStopped: one series per stack, route and stop reason. */
export function drainStopDimensions(stack: string, route: string, reason: string): { service: string; stack: string; route: string; reason: string } {
  return { service: METRICS_SERVICE, stack, route, reason };
}

/** The dimension set of every metric this class writes for `route` of `stack` (CloudWatch matches it exactly). */
export function metricDimensions(stack: string, route: string): { service: string; stack: string; route: string } {
  return { service: METRICS_SERVICE, stack, route };
}

export interface PowertoolsMetricsOptions {
  /** The CloudFormation stack the function belongs to (BACKUPMX_STACK_NAME): a dimension of every metric. */
  stackName: string;
  namespace?: string;
  serviceName?: string;
  /** Builds the per-route EMF writer; tests may pass their own. */
  create?: (route: string, extra?: Record<string, string>) => EmfMetrics;
  /** DETAILED_FIGURES as metrics (the dashboard is on); otherwise they are written as one log line per flush. */
  detailed?: boolean;
  /** Where the log-only figures go (console.log in Lambda: the function's log group). */
  writeLine?: (line: string) => void;
}

export class PowertoolsMetrics implements Metrics {
  private readonly byRoute = new Map<string, EmfMetrics>();
  private readonly byStop = new Map<string, EmfMetrics>();
  private stackWide?: EmfMetrics;
  private readonly create: (route: string, extra?: Record<string, string>) => EmfMetrics;
  private readonly createStackWide: () => EmfMetrics;
  private readonly detailed: boolean;
  private readonly writeLine: (line: string) => void;
  /** Log-only figures by scope (a route's name, or '' for the stack), last value wins. */
  private readonly figures = new Map<string, Record<string, number>>();
  private readonly stackName: string;

  constructor(options: PowertoolsMetricsOptions) {
    const namespace = options.namespace ?? METRICS_NAMESPACE;
    // An explicit serviceName wins over POWERTOOLS_SERVICE_NAME, which differs per function.
    const serviceName = options.serviceName ?? METRICS_SERVICE;
    const stack = options.stackName;
    this.stackName = stack;
    this.detailed = options.detailed ?? false;
    this.writeLine = options.writeLine ?? ((line) => console.log(line));
    this.create =
      options.create ??
      ((route, extra) => new EmfMetrics({ namespace, serviceName, defaultDimensions: { stack, route, ...extra } }));
    this.createStackWide = () => new EmfMetrics({ namespace, serviceName, defaultDimensions: { stack } });
  }

  count(name: Parameters<Metrics['count']>[0], value: number, route: string): void {
    if (this.logOnly(name, value, route)) return;
    this.forRoute(route).addMetric(name, MetricUnit.Count, value);
  }

  delay(seconds: number, route: string): void {
    this.forRoute(route).addMetric(DELAY_METRIC, MetricUnit.Seconds, seconds);
  }

  gauge(name: GaugeName, value: number, route: string): void {
    if (this.logOnly(name, value, route)) return;
    this.forRoute(route).addMetric(name, name === OLDEST_QUEUED_AGE_METRIC ? MetricUnit.Seconds : MetricUnit.Count, value);
  }

  /** Its own dimension set {service, stack, route, reason}, so it gets its own EMF writer. */
  drainStopped(reason: string, route: string): void {
    const id = `${route}\u0000${reason}`;
    let metrics = this.byStop.get(id);
    if (!metrics) {
      metrics = this.create(route, { reason });
      this.byStop.set(id, metrics);
    }
    metrics.addMetric(DRAIN_STOPPED_METRIC, MetricUnit.Count, 1);
  }

  /** Its own dimension set {service, stack}, so it gets its own EMF writer. */
  stackGauge(name: StackGaugeName, value: number): void {
    if (this.logOnly(name, value, '')) return;
    this.stackWide ??= this.createStackWide();
    this.stackWide.addMetric(name, name === CANARY_ROUND_TRIP_METRIC ? MetricUnit.Seconds : MetricUnit.Count, value);
  }

  /** Same writer as stackGauge; `detail` goes in as metadata (a field of the EMF line, not a dimension). */
  stackCount(name: StackCountName, value: number, detail: Record<string, string> = {}): void {
    this.stackWide ??= this.createStackWide();
    this.stackWide.addMetric(name, MetricUnit.Count, value);
    for (const [key, text] of Object.entries(detail)) this.stackWide.addMetadata(key, text);
  }

  flush(): void {
    for (const [scope, values] of this.figures) {
      this.writeLine(JSON.stringify({ message: 'figures', stack: this.stackName, ...(scope === '' ? { scope: 'stack' } : { route: scope }), ...values }));
    }
    this.figures.clear();
    for (const metrics of [...this.byRoute.values(), ...this.byStop.values(), ...(this.stackWide ? [this.stackWide] : [])]) {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }

  /** Keeps a detailed figure for the log line when it is not a metric; true when it was kept. */
  private logOnly(name: string, value: number, scope: string): boolean {
    if (this.detailed || !DETAILED_FIGURES.includes(name)) return false;
    this.figures.set(scope, { ...this.figures.get(scope), [name]: value });
    return true;
  }

  private forRoute(route: string): EmfMetrics {
    let metrics = this.byRoute.get(route);
    if (!metrics) {
      metrics = this.create(route);
      this.byRoute.set(route, metrics);
    }
    return metrics;
  }
}
