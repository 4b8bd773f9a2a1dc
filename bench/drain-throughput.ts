// Figure (a): drain throughput. 2,000 queued 10 KB messages (S3 + SQS, as SES
// and SNS leave them) drained by one drain run to a recovered primary (the
// SMTP sink process), in messages per second.
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_CONNECTIONS } from '../lambdas/app/engine.js';
import { ROUTE, queueMessages, type BenchEnv } from './bench-env.js';

export interface ThroughputFigure {
  messages: number;
  messageBytes: number;
  concurrency: number;
  maxConnections: number;
  seconds: number;
  messagesPerSecond: number;
  delivered: number;
  sinkReceived: number;
  stoppedBecause: string;
  /** CPU time of the relay process (this one) per wall second of the drain: near 1 = CPU-bound. */
  relayCpuShare: number;
  /** The same for the emulator process (fauxqs + dynalite) and the SMTP sink. */
  emulatorCpuShare?: number;
  sinkCpuShare?: number;
  loadSeconds: number;
}

export async function drainThroughput(env: BenchEnv, opts: { messages?: number; bytes?: number; concurrency?: number; maxConnections?: number; withoutIndexUpdate?: boolean } = {}): Promise<ThroughputFigure> {
  const messages = opts.messages ?? 2_000;
  const bytes = opts.bytes ?? 10 * 1024;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const engine = env.engine({}, { maxConnections });
  engine.options.concurrency = concurrency;
  if (opts.withoutIndexUpdate) {
    // Diagnostic only: how much of the drain's time the index update takes.
    const index = engine.deps.index;
    engine.deps.index = Object.assign(Object.create(index) as typeof index, { markDone: async () => undefined });
  }
  await env.sink.call('reset');

  const loadStart = Date.now();
  await queueMessages(env, messages, bytes, `tp${concurrency}x${maxConnections}x${opts.withoutIndexUpdate ? 'n' : 'i'}x`);
  const loadSeconds = (Date.now() - loadStart) / 1000;

  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const emulatorCpu = env.emulators.cpuSeconds();
  const sinkCpu = env.sink.cpuSeconds();
  const summary = await engine.drain({ route: ROUTE }, { owner: 'bench', budgetSeconds: 900 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuUsed = process.cpuUsage(cpu);
  const relayCpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
  const share = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : round((after - before) / seconds, 2));
  const stats = await env.sink.call<{ messages: number }>('stats');
  const depth = await engine.queue(engine.route(ROUTE)).depth();
  if (depth.visible + depth.inFlight > 0) throw new Error(`queue not empty after the drain: ${JSON.stringify(depth)}`);
  return {
    messages,
    messageBytes: bytes,
    concurrency,
    maxConnections,
    seconds: round(seconds, 2),
    messagesPerSecond: round(summary.delivered / seconds, 1),
    delivered: summary.delivered,
    sinkReceived: stats.messages,
    stoppedBecause: summary.stoppedBecause,
    relayCpuShare: round(relayCpuSeconds / seconds, 2),
    emulatorCpuShare: share(emulatorCpu, env.emulators.cpuSeconds()),
    sinkCpuShare: share(sinkCpu, env.sink.cpuSeconds()),
    loadSeconds: round(loadSeconds, 1),
  };
}

export const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
