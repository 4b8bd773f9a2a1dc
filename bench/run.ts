// `npm run bench`: the delivery engine's figures on this machine, as JSON
// (one object) followed by a short human summary. Emulators, the SMTP sink and
// the relay (one Engine, as one drain Lambda) each run in their own process.
//
//   BENCH_MESSAGES=2000          messages for the throughput figures
//   BENCH_ONLY=throughput        only the throughput figures (skip memory, recovery, Postfix)
//   BENCH_RECOVERY_REPEATS=3     repeats with the default 60 s probe interval (10 s and 1 s get 5)
//   BENCH_SKIP_RECOVERY_DEFAULT=1  skip the slow 60 s schedule (~1 min per repeat)
//   BENCH_SKIP_POSTFIX=1         skip the Postfix comparison
//   BENCH_SKIP_NPM_START=1       skip the npm start figure
//   BENCH_SIGNALLED_REPEATS=10   repeats of the "I'm back" recovery
//   BENCH_ONLY=signalled         run only that figure (quick check)
//   BENCH_ONLY=idle              only the idle cost per month, from the synthesized template
import os from 'node:os';
import { backlogTime, type BacklogFigure } from './backlog-model.js';
import { startBenchEnv } from './bench-env.js';
import { drainThroughput, type ThroughputFigure } from './drain-throughput.js';
import { npmStartThroughput, type NpmStartFigure } from './npm-start-throughput.js';
import { postfixThroughput, type PostfixFigure } from './postfix-throughput.js';
import { recoveryLatency, type RecoveryFigure } from './recovery-latency.js';
import { relayMemory, type MemoryFigure } from './relay-memory.js';
import { signalledRecovery, type SignalledRecoveryFigure } from './signalled-recovery.js';
import { arcSealMemory, type ArcSealFigure } from './arc-seal-memory.js';
import { stackIdleCost, type IdleCost } from '../lib/cost/idle-cost.js';
import { summarize } from './summary.js';
import { BENCH } from './bench-variables.js';

export interface BenchFigures {
  machine: { cpus: number; cpuModel: string; node: string; memoryGb: number; loadAverage: number[] };
  /** Unlimited CPU, emulator latencies: 1 recipient, then 3. */
  throughput: ThroughputFigure;
  threeRecipients: ThroughputFigure;
  /** Modelled AWS latencies under the CPU quota of a 512 MB and a 1,769 MB Lambda; then a primary taking 50 ms. */
  modelled: ThroughputFigure[];
  slowPrimary: ThroughputFigure;
  backlog: { lambdaMemoryMb: number; figure: BacklogFigure }[];
  npmStart?: NpmStartFigure;
  memory?: MemoryFigure;
  /** ARC sealing of one 40 MB message, streamed (run `node --expose-gc --import tsx bench/arc-seal-memory.ts` for post-GC figures). */
  arcSeal?: ArcSealFigure;
  recovery: RecoveryFigure[];
  /** Primary up → first delivery with the "I'm back" signal (probe every 60 s). */
  signalledRecovery?: SignalledRecoveryFigure;
  postfix?: PostfixFigure;
  /** What the shipped configuration's stack costs a month with no mail (from its template). */
  idle: IdleCost & { routes: number };
  goals: typeof GOALS;
}

export const GOALS = {
  awsRequestsPerMessage: 1.6,
  awsRequestsPerMessageThreeRecipients: 2.0,
  relayCpuMsPerMessage: 3,
  modelledMessagesPerSecond: 300,
  sessionsInUseWithSlowPrimary: 15,
  backlog100kMinutes: 10,
  costPer10kDollars: 0.05,
  npmStartMessagesPerSecond: 300,
  recoveryMaxSeconds: 60,
  rssGrowthMbFor40Mb: 64,
  signalledRecoveryMaxSeconds: 2,
};

if (BENCH.only === 'idle') {
  const idle = await stackIdleCost();
  console.log(JSON.stringify({ idle }, null, 2));
  console.log(summarize({ idle } as BenchFigures, { idleOnly: true }));
  process.exit(0);
}
const env = await startBenchEnv();
const { messages, only } = BENCH;
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
try {
  if (only === 'signalled') {
    const repeats = BENCH.signalledRepeats;
    log(`signalled recovery ("I'm back") only, ${repeats} repeats`);
    const s = await signalledRecovery(env, repeats);
    console.log(JSON.stringify({ signalledRecovery: s, goals: { signalledRecoveryMaxSeconds: 2 } }, null, 2));
    console.log(`- recovery with the "I'm back" signal (probe every 60 s): mean ${s.meanSeconds} s, max ${s.maxSeconds} s over ${s.repeats} (HTTP ${[...new Set(s.statuses)].join('/')})`);
    await env.stop(); // the finally below does not run after exit
    process.exit(0);
  }
  log(`drain throughput, ${messages} × 10 KB, 1 recipient (no CPU limit, no added latency)`);
  const throughput = await drainThroughput(env, { label: 'local', messages });
  log(`drain throughput, ${messages} × 10 KB, 3 recipients`);
  const threeRecipients = await drainThroughput(env, { label: 'three recipients', messages, recipients: 3 });
  const modelled: ThroughputFigure[] = [];
  for (const lambdaMemoryMb of [512, 1_769]) {
    log(`modelled: AWS latencies (SQS 10 ms, S3 15 ms, DynamoDB 5 ms), CPU of a ${lambdaMemoryMb} MB Lambda`);
    modelled.push(await drainThroughput(env, { label: `modelled ${lambdaMemoryMb} MB`, messages, modelledLatencies: true, lambdaMemoryMb }));
  }
  log('modelled, 1,769 MB, a primary taking 50 ms per message');
  const slowPrimary = await drainThroughput(env, { label: 'primary 50 ms, 1769 MB', messages: Math.min(messages, 1_000), modelledLatencies: true, lambdaMemoryMb: 1_769, primaryDelayMs: 50 });
  let npmStart: NpmStartFigure | undefined;
  if (!BENCH.skipNpmStart) {
    log(`npm start with BACKUPMX_DATA_DIR, ${messages} × 10 KB to the sink`);
    npmStart = await npmStartThroughput(env, messages);
  }
  const backlog = modelled.map((m) => ({ lambdaMemoryMb: m.lambdaMemoryMb!, figure: backlogTime(100_000, m.messagesPerSecond) }));

  let memory: MemoryFigure | undefined;
  let arcSeal: ArcSealFigure | undefined;
  const recovery: RecoveryFigure[] = [];
  let signalled: SignalledRecoveryFigure | undefined;
  let postfix: PostfixFigure | undefined;
  if (only !== 'throughput') {
    log('memory, one 40 MB message');
    memory = await relayMemory(env);
    log('memory, ARC seal of one 40 MB message');
    arcSeal = await arcSealMemory();
    for (const [interval, repeats] of [[1, 5], [10, 5], [60, BENCH.recoveryRepeats]] as const) {
      if (interval === 60 && BENCH.skipRecoveryDefault) continue;
      log(`recovery latency, probe interval ${interval} s, ${repeats} repeats`);
      recovery.push(await recoveryLatency(env, interval, repeats));
    }
    const signalledRepeats = BENCH.signalledRepeats;
    log(`signalled recovery ("I'm back"), ${signalledRepeats} repeats`);
    signalled = await signalledRecovery(env, signalledRepeats);
    log('postfix comparison');
    postfix = BENCH.skipPostfix ? { available: false, reason: 'skipped (BENCH_SKIP_POSTFIX)' } : await postfixThroughput(env, messages);
  }
  const figures: BenchFigures = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, memoryGb: Math.round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((n) => Math.round(n * 10) / 10) },
    throughput,
    threeRecipients,
    modelled,
    slowPrimary,
    backlog,
    ...(npmStart ? { npmStart } : {}),
    ...(memory ? { memory } : {}),
    ...(arcSeal ? { arcSeal } : {}),
    recovery,
    ...(signalled ? { signalledRecovery: signalled } : {}),
    ...(postfix ? { postfix } : {}),
    idle: await stackIdleCost(),
    goals: GOALS,
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(summarize(figures));
} finally {
  await env.stop();
}
