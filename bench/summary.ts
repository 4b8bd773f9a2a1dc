// The short human summary printed after the JSON figures.
import { DRAIN_MEMORY_MB } from '../lib/constructs/mail-functions.js';
import type { ThroughputFigure } from './drain-throughput.js';
import type { BenchFigures } from './run.js';

const mark = (ok: boolean) => (ok ? 'meets goal' : 'SHORT of goal');
/** Rate goals are for the drain as deployed; other sizes are printed for comparison. */
const rateMark = (memoryMb: number | undefined, ok: boolean, goal: string) =>
  memoryMb === DRAIN_MEMORY_MB ? `${mark(ok)} (${goal})` : `for comparison (the drain is deployed at ${DRAIN_MEMORY_MB} MB)`;

function ops(f: ThroughputFigure): string {
  return Object.entries(f.awsRequestsPerMessageByOperation)
    .filter(([, n]) => n >= 0.01)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
}

function line(f: ThroughputFigure): string {
  const cpu = f.vcpu === undefined ? 'no CPU limit' : f.vcpu === 'unavailable' ? 'CPU limit UNAVAILABLE (no writable cgroup)' : `${f.vcpu} vCPU`;
  return `${f.messagesPerSecond} msg/s (${f.messages} × ${Math.round(f.messageBytes / 1024)} KB in ${f.seconds} s, ${cpu}, ${f.concurrency} in flight, up to ${f.maxConnections} sessions, ${f.sessionsInUse} used; relay CPU ${f.relayCpuMsPerMessage} ms/msg)`;
}

/** The idle cost per month, one line per billed item. */
export function idleLines(idle: BenchFigures['idle']): string[] {
  return [
    `- idle cost per month, ${idle.routes} route${idle.routes === 1 ? '' : 's'}, from the synthesized template (us-east-1 list prices): $${idle.totalDollarsPerMonth}; ${idle.alarms} alarms reading ${idle.alarmMetrics} metrics`,
    ...idle.lines.map((l) => `    ${l.item}: ${l.count}, $${l.dollarsPerMonth}`),
  ];
}

export function summarize(f: BenchFigures, options: { idleOnly?: boolean } = {}): string {
  if (options.idleOnly) return ['', ...idleLines(f.idle)].join('\n');
  const g = f.goals;
  const lines = [
    '',
    `backup-mx bench on ${f.machine.cpus} × ${f.machine.cpuModel}, Node ${f.machine.node}, load ${f.machine.loadAverage.join(' ')}`,
    `- local drain: ${line(f.throughput)}`,
    `- AWS requests per message, 1 recipient: ${f.throughput.awsRequestsPerMessage} (${ops(f.throughput)}) — ${mark(f.throughput.awsRequestsPerMessage <= g.awsRequestsPerMessage)} (≤ ${g.awsRequestsPerMessage})`,
    `- AWS requests per message, 3 recipients: ${f.threeRecipients.awsRequestsPerMessage} (${ops(f.threeRecipients)}) — ${mark(f.threeRecipients.awsRequestsPerMessage <= g.awsRequestsPerMessageThreeRecipients)} (≤ ${g.awsRequestsPerMessageThreeRecipients})`,
    `- relay CPU per message: ${f.throughput.relayCpuMsPerMessage} ms — ${mark(f.throughput.relayCpuMsPerMessage <= g.relayCpuMsPerMessage)} (≤ ${g.relayCpuMsPerMessage} ms)`,
  ];
  for (const m of f.modelled) {
    lines.push(`- modelled ${m.lambdaMemoryMb} MB: ${line(m)} — ${rateMark(m.lambdaMemoryMb, m.messagesPerSecond >= g.modelledMessagesPerSecond, `≥ ${g.modelledMessagesPerSecond}`)}; ${m.cost.lambdaGbSeconds} GB-s and $${m.cost.total} per 10k (DynamoDB writes $${m.cost.dynamoWrites}, ${m.writeUnitsPerMessage} WRU/msg) — ${mark(m.cost.total <= g.costPer10kDollars)} (≤ $${g.costPer10kDollars})`);
  }
  lines.push(`- primary taking ${f.slowPrimary.primaryDelayMs} ms: ${line(f.slowPrimary)} — ${mark(f.slowPrimary.sessionsInUse >= g.sessionsInUseWithSlowPrimary)} (≥ ${g.sessionsInUseWithSlowPrimary} sessions)`);
  for (const b of f.backlog) {
    lines.push(`- 100k backlog at ${b.lambdaMemoryMb} MB (${b.figure.messagesPerSecond} msg/s, ${b.figure.drainRuns} drains of 240 s): ${b.figure.minutesWithSuccessor} min with successors, ${b.figure.minutesWaitingForProbe} min (worst ${b.figure.minutesWaitingForProbeWorst}) waiting for the probe — ${rateMark(b.lambdaMemoryMb, b.figure.minutesWithSuccessor <= g.backlog100kMinutes, `< ${g.backlog100kMinutes} min`)}`);
  }
  if (f.npmStart) {
    const n = f.npmStart;
    lines.push(`- npm start (BACKUPMX_DATA_DIR): ${n.messagesPerSecond} msg/s (${n.messages} × 10 KB delivered in ${n.deliverSeconds} s after the primary came back; runner CPU ${n.runnerCpuShare ?? '?'} cores; accepting them took ${n.injectSeconds} s) — ${mark(n.messagesPerSecond >= g.npmStartMessagesPerSecond)} (≥ ${g.npmStartMessagesPerSecond})`);
  }
  if (f.postfix) {
    lines.push(
      f.postfix.available
        ? `- Postfix ${f.postfix.version}, same 2,000 × 10 KB to the same sink (postqueue -f): ${f.postfix.messagesPerSecond} msg/s`
        : `- Postfix comparison not run: ${f.postfix.reason}`,
    );
  }
  for (const r of f.recovery) {
    const goal = r.probeIntervalSeconds === 60 ? ` — ${mark(r.maxSeconds <= g.recoveryMaxSeconds)} (≤ ${g.recoveryMaxSeconds} s)` : '';
    lines.push(`- recovery, probe every ${r.probeIntervalSeconds} s: mean ${r.meanSeconds} s, max ${r.maxSeconds} s over ${r.repeats} (${r.latenciesSeconds.join(', ')})${goal}`);
  }
  const s = f.signalledRecovery;
  if (s) lines.push(`- recovery with the "I'm back" signal (probe every 60 s): mean ${s.meanSeconds} s, max ${s.maxSeconds} s over ${s.repeats} (HTTP ${[...new Set(s.statuses)].join('/')}) — ${mark(s.maxSeconds <= f.goals.signalledRecoveryMaxSeconds)} (≤ ${f.goals.signalledRecoveryMaxSeconds} s)`);
  const m = f.memory;
  if (m) lines.push(`- memory: ${(m.messageBytes / 2 ** 20).toFixed(1)} MB relayed in ${m.seconds} s, peak RSS growth ${m.rssGrowthMb} MB (baseline ${m.baselineRssMb} MB) — ${mark(m.rssGrowthMb < g.rssGrowthMbFor40Mb)} (< ${g.rssGrowthMbFor40Mb} MB)`);
  lines.push(...idleLines(f.idle));
  return lines.join('\n');
}
