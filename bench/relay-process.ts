// Child process: the relay (one Engine, as in one drain Lambda) on its own, so
// its CPU can be measured and limited (cgroup) apart from the emulators and the
// sink. Every AWS request it makes is counted, optionally behind modelled
// latencies. The drain's working time ends at its last queue acknowledgement:
// the final empty receive (up to the long-poll wait) is not the relay's work.
import type { AwsClientConfig } from '../lambdas/adapters/aws/clients.js';
import { createAwsClients } from '../lambdas/adapters/aws/clients.js';
import { RecordingMetrics } from '../lambdas/adapters/fakes/index.js';
import { Engine } from '../lambdas/app/engine.js';
import type { DrainSummary } from '../lambdas/core/drain/drain-summary.js';
import type { MailQueue } from '../lambdas/core/drain/ports.js';
import type { Provisioned } from '../local/provision.js';
import { AwsRequestMeter, type AwsLatencies, type AwsRequestCounts } from './aws-request-meter.js';
import { QuietLog, ROUTE, benchSettings } from './bench-env.js';
import { serveChild } from './child-process.js';

export interface RelayDrainArgs {
  clientConfig: AwsClientConfig;
  resources: Provisioned;
  sinkPort: number;
  latencies: AwsLatencies;
  /** Messages in flight; undefined: the engine's default. */
  concurrency?: number;
  /** Sessions to the primary; undefined: the engine's default. */
  maxConnections?: number;
  budgetSeconds?: number;
}

export interface RelayDrainResult {
  summary: DrainSummary;
  /** From the drain's start to its last queue acknowledgement (delete, defer, batch flush). */
  workSeconds: number;
  /** From the drain's start until it returned (includes the final empty poll). */
  wallSeconds: number;
  cpuMs: number;
  requests: AwsRequestCounts;
  errors: string[];
}

const QUEUE_READS = new Set(['receive', 'depth']);

/** Records when the drain last acknowledged a message, whatever the queue method. */
function timedQueue(queue: MailQueue, onAck: () => void): MailQueue {
  return new Proxy(queue, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || QUEUE_READS.has(String(property))) return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const result = await value.apply(target, args);
        onAck();
        return result;
      };
    },
  });
}

serveChild({
  async drain(args: RelayDrainArgs): Promise<RelayDrainResult> {
    const clients = createAwsClients(args.clientConfig);
    const meter = new AwsRequestMeter();
    meter.attach(clients);
    meter.latencies = args.latencies;
    const log = new QuietLog();
    let lastAck = 0;
    const engine = new Engine(benchSettings(args.resources, args.sinkPort), {
      clients,
      log,
      metrics: new RecordingMetrics(),
      ...(args.maxConnections !== undefined ? { maxConnections: args.maxConnections } : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      observe: { queue: (inner) => timedQueue(inner, () => (lastAck = performance.now())) },
    });
    try {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const summary = await engine.drain({ route: ROUTE }, { owner: `bench-${process.pid}`, budgetSeconds: args.budgetSeconds ?? 900 });
      const wallSeconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      return {
        summary,
        workSeconds: lastAck > 0 ? (lastAck - started) / 1000 : wallSeconds,
        wallSeconds,
        cpuMs: (used.user + used.system) / 1000,
        requests: meter.snapshot(),
        errors: log.errors,
      };
    } finally {
      clients.destroy();
    }
  },
});
