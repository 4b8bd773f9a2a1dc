// The one place the bench reads its environment: which parts to run and how
// large (npm run bench; docs/performance.md), read once into named values.

const vars = process.env;
const count = (name: string, fallback: number): number => Number(vars[name] ?? fallback);

export const BENCH = {
  /** BENCH_ONLY: 'idle', 'signalled' or 'throughput' runs only that part. */
  only: vars.BENCH_ONLY,
  messages: count('BENCH_MESSAGES', 2_000),
  signalledRepeats: count('BENCH_SIGNALLED_REPEATS', 10),
  recoveryRepeats: count('BENCH_RECOVERY_REPEATS', 3),
  skipNpmStart: Boolean(vars.BENCH_SKIP_NPM_START),
  skipRecoveryDefault: Boolean(vars.BENCH_SKIP_RECOVERY_DEFAULT),
  skipPostfix: Boolean(vars.BENCH_SKIP_POSTFIX),
  /** BENCH_CPU_PROF=<dir>: a V8 CPU profile of every bench child, written there when it exits. */
  cpuProfileDir: vars.BENCH_CPU_PROF || undefined,
  spoolMessages: count('BENCH_SPOOL_MESSAGES', 5_000),
  spoolKb: count('BENCH_SPOOL_KB', 50),
} as const;

/** The environment a bench child process (npm start) inherits before its own variables. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...vars };
}
