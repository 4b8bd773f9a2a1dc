// `npm run bench`: the delivery engine's figures on this machine, as JSON
// (one object) followed by a short human summary. Emulators and the SMTP sink
// run in their own processes; the relay (Engine) runs in this one.
//
//   BENCH_MESSAGES=2000          messages for the throughput figures
//   BENCH_RECOVERY_REPEATS=3     repeats with the default 60 s probe interval (10 s and 1 s get 5)
//   BENCH_SKIP_RECOVERY_DEFAULT=1  skip the slow 60 s schedule (~1 min per repeat)
//   BENCH_SKIP_POSTFIX=1         skip the Postfix comparison
//   BENCH_SIGNALLED_REPEATS=10   repeats of the "I'm back" recovery
//   BENCH_ONLY=signalled         run only that figure (quick check)
import os from 'node:os';
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_CONNECTIONS } from '../lambdas/app/engine.js';
import { startBenchEnv } from './bench-env.js';
import { drainThroughput, type ThroughputFigure } from './drain-throughput.js';
import { postfixThroughput, type PostfixFigure } from './postfix-throughput.js';
import { recoveryLatency, type RecoveryFigure } from './recovery-latency.js';
import { relayMemory, type MemoryFigure } from './relay-memory.js';
import { signalledRecovery, type SignalledRecoveryFigure } from './signalled-recovery.js';
import { arcSealMemory, type ArcSealFigure } from './arc-seal-memory.js';
import { summarize } from './summary.js';

export interface BenchFigures {
  machine: { cpus: number; cpuModel: string; node: string; memoryGb: number };
  throughput: ThroughputFigure;
  throughputVariants: ThroughputFigure[];
  /** Diagnostic only: the same drain with the index's markDone made a no-op, to show its share. */
  throughputWithoutIndexUpdate?: ThroughputFigure;
  memory: MemoryFigure;
  /** ARC sealing of one 40 MB message, streamed (run `node --expose-gc --import tsx bench/arc-seal-memory.ts` for post-GC figures). */
  arcSeal: ArcSealFigure;
  recovery: RecoveryFigure[];
  /** Primary up → first delivery with the "I'm back" signal (probe every 60 s). */
  signalledRecovery: SignalledRecoveryFigure;
  postfix: PostfixFigure;
  goals: { throughputMessagesPerSecond: [number, number]; recoveryMaxSeconds: number; rssGrowthMbFor40Mb: number; signalledRecoveryMaxSeconds: number };
}

const env = await startBenchEnv();
const messages = Number(process.env.BENCH_MESSAGES ?? 2_000);
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
try {
  if (process.env.BENCH_ONLY === 'signalled') {
    const repeats = Number(process.env.BENCH_SIGNALLED_REPEATS ?? 10);
    log(`signalled recovery ("I'm back") only, ${repeats} repeats`);
    const s = await signalledRecovery(env, repeats);
    console.log(JSON.stringify({ signalledRecovery: s, goals: { signalledRecoveryMaxSeconds: 2 } }, null, 2));
    console.log(`- recovery with the "I'm back" signal (probe every 60 s): mean ${s.meanSeconds} s, max ${s.maxSeconds} s over ${s.repeats} (HTTP ${[...new Set(s.statuses)].join('/')})`);
    await env.stop(); // the finally below does not run after exit
    process.exit(0);
  }
  log(`drain throughput, ${messages} × 10 KB (engine defaults: ${DEFAULT_CONCURRENCY} in flight, ${DEFAULT_MAX_CONNECTIONS} connections)`);
  const throughput = await drainThroughput(env, { messages });
  log('drain throughput, 10 in flight over 2 connections (gentler on the primary)');
  const variants = [await drainThroughput(env, { messages, concurrency: 10, maxConnections: 2 })];
  log('drain throughput without the index update (diagnostic)');
  const withoutIndex = await drainThroughput(env, { messages, withoutIndexUpdate: true });
  log('memory, one 40 MB message');
  const memory = await relayMemory(env);
  log('memory, ARC seal of one 40 MB message');
  const arcSeal = await arcSealMemory();
  const recovery: RecoveryFigure[] = [];
  for (const [interval, repeats] of [[1, 5], [10, 5], [60, Number(process.env.BENCH_RECOVERY_REPEATS ?? 3)]] as const) {
    if (interval === 60 && process.env.BENCH_SKIP_RECOVERY_DEFAULT) continue;
    log(`recovery latency, probe interval ${interval} s, ${repeats} repeats`);
    recovery.push(await recoveryLatency(env, interval, repeats));
  }
  const signalledRepeats = Number(process.env.BENCH_SIGNALLED_REPEATS ?? 10);
  log(`signalled recovery ("I'm back"), ${signalledRepeats} repeats`);
  const signalled = await signalledRecovery(env, signalledRepeats);
  log('postfix comparison');
  const postfix: PostfixFigure = process.env.BENCH_SKIP_POSTFIX ? { available: false, reason: 'skipped (BENCH_SKIP_POSTFIX)' } : await postfixThroughput(env, messages);
  const figures: BenchFigures = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
    throughput,
    throughputVariants: variants,
    throughputWithoutIndexUpdate: withoutIndex,
    memory,
    arcSeal,
    recovery,
    signalledRecovery: signalled,
    postfix,
    goals: { throughputMessagesPerSecond: [670, 750], recoveryMaxSeconds: 60, rssGrowthMbFor40Mb: 64, signalledRecoveryMaxSeconds: 2 },
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(summarize(figures));
} finally {
  await env.stop();
}
