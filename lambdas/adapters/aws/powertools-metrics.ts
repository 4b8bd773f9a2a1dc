// Metrics as CloudWatch EMF lines through Powertools, namespace BackupMx, one
// `route` dimension. Powertools keeps one dimension set per instance, so each
// route gets its own instance; flush() writes one EMF line per route.
import { Metrics as EmfMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '../../core/ports.js';

export const METRICS_NAMESPACE = 'BackupMx';
export const DELAY_METRIC = 'DeliveryDelay';

export interface PowertoolsMetricsOptions {
  namespace?: string;
  serviceName?: string;
  /** Builds the per-route EMF writer; tests may pass their own. */
  create?: (route: string) => EmfMetrics;
}

export class PowertoolsMetrics implements Metrics {
  private readonly byRoute = new Map<string, EmfMetrics>();
  private readonly create: (route: string) => EmfMetrics;

  constructor(options: PowertoolsMetricsOptions = {}) {
    const namespace = options.namespace ?? METRICS_NAMESPACE;
    const serviceName = options.serviceName ?? 'backup-mx';
    this.create =
      options.create ?? ((route) => new EmfMetrics({ namespace, serviceName, defaultDimensions: { route } }));
  }

  count(name: Parameters<Metrics['count']>[0], value: number, route: string): void {
    this.forRoute(route).addMetric(name, MetricUnit.Count, value);
  }

  delay(seconds: number, route: string): void {
    this.forRoute(route).addMetric(DELAY_METRIC, MetricUnit.Seconds, seconds);
  }

  flush(): void {
    for (const metrics of this.byRoute.values()) {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
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
