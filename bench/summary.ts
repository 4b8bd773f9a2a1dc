// The short human summary printed after the JSON figures.
import type { BenchFigures } from './run.js';

const mark = (ok: boolean) => (ok ? 'meets goal' : 'SHORT of goal');

export function summarize(f: BenchFigures): string {
  const [low, high] = f.goals.throughputMessagesPerSecond;
  const lines = [
    '',
    `backup-mx bench on ${f.machine.cpus} × ${f.machine.cpuModel}, Node ${f.machine.node}`,
    `- drain throughput: ${f.throughput.messagesPerSecond} msg/s (${f.throughput.messages} × 10 KB in ${f.throughput.seconds} s, ${f.throughput.concurrency} in flight, ${f.throughput.maxConnections} connections; relay CPU ${f.throughput.relayCpuShare}, emulators ${f.throughput.emulatorCpuShare ?? '?'} core) — ${mark(f.throughput.messagesPerSecond >= low)} of ${low}–${high} msg/s`,
    ...f.throughputVariants.map((v) => `  variant ${v.concurrency} in flight / ${v.maxConnections} connections: ${v.messagesPerSecond} msg/s`),
  ];
  if (f.throughputWithoutIndexUpdate) lines.push(`  diagnostic, index markDone skipped: ${f.throughputWithoutIndexUpdate.messagesPerSecond} msg/s`);
  lines.push(
    f.postfix.available
      ? `- Postfix ${f.postfix.version}, same 2,000 × 10 KB to the same sink (postqueue -f): ${f.postfix.messagesPerSecond} msg/s`
      : `- Postfix comparison not run: ${f.postfix.reason}`,
  );
  for (const r of f.recovery) {
    const goal = r.probeIntervalSeconds === 60 ? ` — ${mark(r.maxSeconds <= f.goals.recoveryMaxSeconds)} (≤ ${f.goals.recoveryMaxSeconds} s)` : '';
    lines.push(`- recovery, probe every ${r.probeIntervalSeconds} s: mean ${r.meanSeconds} s, max ${r.maxSeconds} s over ${r.repeats} (${r.latenciesSeconds.join(', ')})${goal}`);
  }
  const s = f.signalledRecovery;
  if (s) lines.push(`- recovery with the "I'm back" signal (probe every 60 s): mean ${s.meanSeconds} s, max ${s.maxSeconds} s over ${s.repeats} (HTTP ${[...new Set(s.statuses)].join('/')}) — ${mark(s.maxSeconds <= f.goals.signalledRecoveryMaxSeconds)} (≤ ${f.goals.signalledRecoveryMaxSeconds} s)`);
  const m = f.memory;
  lines.push(`- memory: ${(m.messageBytes / 2 ** 20).toFixed(1)} MB relayed in ${m.seconds} s, peak RSS growth ${m.rssGrowthMb} MB (baseline ${m.baselineRssMb} MB) — ${mark(m.rssGrowthMb < f.goals.rssGrowthMbFor40Mb)} (< ${f.goals.rssGrowthMbFor40Mb} MB)`);
  return lines.join('\n');
}
