// Figure (a): drain throughput. Queued 10 KB messages (S3 + SQS as SES and SNS
// leave them, and indexed as the accept Lambda indexes them) drained by one
// relay process, as one drain Lambda, to the SMTP sink. The rate counts the
// drain's work up to its last acknowledgement, not the final empty poll. Each
// run also gives the AWS requests per message by operation (SDK middleware),
// the relay's CPU per message and the most sessions the sink saw at once;
// optionally behind modelled AWS latencies and a CPU quota (cgroup) of a
// Lambda memory size.
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_CONNECTIONS } from '../lambdas/app/engine.js';
import { MODELLED_LATENCIES_MS, type AwsLatencies, type AwsRequestCounts } from './aws-request-meter.js';
import { queueMessages, type BenchEnv } from './bench-env.js';
import { BenchChild } from './child-process.js';
import { CpuLimit, vcpuForMemory } from './cpu-cgroup.js';
import { costPer10k, type CostFigure } from './cost-model.js';
import type { RelayDrainArgs, RelayDrainResult } from './relay-process.js';

export interface ThroughputOptions {
  label?: string;
  messages?: number;
  bytes?: number;
  recipients?: number;
  concurrency?: number;
  maxConnections?: number;
  /** Modelled AWS latencies (SQS 10 ms, S3 15 ms, DynamoDB 5 ms) in front of every request. */
  modelledLatencies?: boolean;
  /** CPU quota of this Lambda memory size (512 → 0.29 vCPU); none when undefined. */
  lambdaMemoryMb?: number;
  /** The sink answers the final dot after this long (a slow primary). */
  primaryDelayMs?: number;
}

export interface ThroughputFigure {
  label: string;
  messages: number;
  recipients: number;
  messageBytes: number;
  concurrency: number;
  maxConnections: number;
  latencies: AwsLatencies;
  /** The CPU quota the relay ran under: undefined = unlimited; 'unavailable' = asked for but cgroups not writable. */
  vcpu?: number | 'unavailable';
  lambdaMemoryMb?: number;
  primaryDelayMs: number;
  seconds: number;
  messagesPerSecond: number;
  delivered: number;
  sinkReceived: number;
  /** Most SMTP sessions open at once at the sink. */
  sessionsInUse: number;
  stoppedBecause: string;
  relayCpuMsPerMessage: number;
  /** Relay CPU per working second: near the quota (or 1) = CPU-bound. */
  relayCpuShare: number;
  awsRequestsPerMessage: number;
  awsRequestsPerMessageByOperation: Record<string, number>;
  writeUnitsPerMessage: number;
  readUnitsPerMessage: number;
  cost: CostFigure;
  emulatorCpuShare?: number;
  sinkCpuShare?: number;
  loadSeconds: number;
  errors: string[];
}

let runs = 0;

export async function drainThroughput(env: BenchEnv, opts: ThroughputOptions = {}): Promise<ThroughputFigure> {
  const messages = opts.messages ?? 2_000;
  const bytes = opts.bytes ?? 10 * 1024;
  const recipients = opts.recipients ?? 1;
  const latencies = opts.modelledLatencies ? MODELLED_LATENCIES_MS : { s3: 0, sqs: 0, dynamodb: 0 };
  const run = ++runs;
  const relay = await BenchChild.start('./relay-process.ts');
  let limit: CpuLimit | undefined;
  try {
    const base: RelayDrainArgs = {
      clientConfig: env.clientConfig,
      resources: env.resources,
      sinkPort: env.sinkPort,
      latencies,
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
    };
    // Warm-up: modules, JIT and connections, as a warm Lambda has them.
    const accept = env.engine();
    await queueMessages(env, 50, bytes, `warm${run}x`, { index: accept, recipients });
    await relay.call<RelayDrainResult>('drain', base);

    let vcpu: ThroughputFigure['vcpu'];
    if (opts.lambdaMemoryMb !== undefined) {
      vcpu = vcpuForMemory(opts.lambdaMemoryMb);
      limit = relay.pid === undefined ? undefined : CpuLimit.tryApply(relay.pid, vcpu, `backupmx-bench-${process.pid}-${run}`);
      if (!limit) vcpu = 'unavailable';
    }
    await env.sink.call('reset', { delayMs: opts.primaryDelayMs ?? 0 });
    const loadStart = Date.now();
    await queueMessages(env, messages, bytes, `tp${run}x`, { index: accept, recipients });
    const loadSeconds = (Date.now() - loadStart) / 1000;

    const emulatorCpu = env.emulators.cpuSeconds();
    const sinkCpu = env.sink.cpuSeconds();
    const result = await relay.call<RelayDrainResult>('drain', base);
    const share = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : round((after - before) / result.wallSeconds, 2));
    const emulatorCpuShare = share(emulatorCpu, env.emulators.cpuSeconds());
    const sinkCpuShare = share(sinkCpu, env.sink.cpuSeconds());
    const stats = await env.sink.call<{ messages: number; maxSessions: number }>('stats');
    await env.sink.call('reset');
    const depth = await env.engine().queue(env.engine().route('main')).depth();
    if (depth.visible + depth.inFlight > 0) throw new Error(`queue not empty after the drain: ${JSON.stringify(depth)}`);
    return throughputFigure(opts, { messages, recipients, bytes, latencies, vcpu, loadSeconds, result, stats, emulatorCpuShare, sinkCpuShare });
  } finally {
    await relay.stop();
    limit?.remove();
  }
}

/** What one measured drain ran under and what it did. */
interface MeasuredDrain {
  messages: number;
  recipients: number;
  bytes: number;
  latencies: AwsLatencies;
  vcpu: ThroughputFigure['vcpu'];
  loadSeconds: number;
  result: RelayDrainResult;
  /** The sink's count and its most sessions at once. */
  stats: { messages: number; maxSessions: number };
  emulatorCpuShare: number | undefined;
  sinkCpuShare: number | undefined;
}

/** The figure of one drain: its rate over the work, and requests, CPU and cost per message drained. */
function throughputFigure(opts: ThroughputOptions, measured: MeasuredDrain): ThroughputFigure {
  const { messages, recipients, bytes, latencies, vcpu, loadSeconds, result, stats, emulatorCpuShare, sinkCpuShare } = measured;
  const seconds = result.workSeconds;
  const done = Math.max(1, result.summary.messages);
  const perMessage = (n: number) => round(n / done, 3);
  const requests: AwsRequestCounts = result.requests;
  const messagesPerSecond = round(result.summary.messages / seconds, 1);
  return {
    label: opts.label ?? 'drain',
    messages,
    recipients,
    messageBytes: bytes,
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    latencies,
    ...(vcpu !== undefined ? { vcpu: typeof vcpu === 'number' ? round(vcpu, 2) : vcpu } : {}),
    ...(opts.lambdaMemoryMb !== undefined ? { lambdaMemoryMb: opts.lambdaMemoryMb } : {}),
    primaryDelayMs: opts.primaryDelayMs ?? 0,
    seconds: round(seconds, 2),
    messagesPerSecond,
    delivered: result.summary.delivered,
    sinkReceived: stats.messages,
    sessionsInUse: stats.maxSessions,
    stoppedBecause: result.summary.stoppedBecause,
    relayCpuMsPerMessage: round(result.cpuMs / done, 2),
    relayCpuShare: round(result.cpuMs / 1000 / seconds, 2),
    awsRequestsPerMessage: perMessage(requests.requests),
    awsRequestsPerMessageByOperation: Object.fromEntries(Object.entries(requests.byOperation).map(([op, n]) => [op, perMessage(n)])),
    writeUnitsPerMessage: perMessage(requests.writeUnits),
    readUnitsPerMessage: perMessage(requests.readUnits),
    cost: costPer10k(requests, done, { messagesPerSecond, lambdaMemoryMb: opts.lambdaMemoryMb ?? 512 }),
    ...(emulatorCpuShare !== undefined ? { emulatorCpuShare } : {}),
    ...(sinkCpuShare !== undefined ? { sinkCpuShare } : {}),
    loadSeconds: round(loadSeconds, 1),
    errors: result.errors,
  };
}

export const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
