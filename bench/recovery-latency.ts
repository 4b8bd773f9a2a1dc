// Figure (b): recovery latency, primary back up → first delivery, on the real
// schedule. A scheduler fires the probe invocation once a minute (as
// EventBridge Scheduler does); with a probe interval under 60 s one
// invocation runs several rounds. Each repeat: the primary goes down, a
// message arrives, then the primary comes back at a random moment of the
// probe cycle; we time from its restart to the message reaching it.
import { randomInt } from 'node:crypto';
import { InProcessDrainStarter } from '../lambdas/app/engine.js';
import { ROUTE, queueMessages, type BenchEnv } from './bench-env.js';
import { round } from './drain-throughput.js';

const SCHEDULER_PERIOD_MS = 60_000;

export interface RecoveryFigure {
  probeIntervalSeconds: number;
  repeats: number;
  latenciesSeconds: number[];
  meanSeconds: number;
  maxSeconds: number;
}

/** Sleeps that `cancel()` cuts short, so the scheduler can stop at once. */
class Sleeper {
  private readonly timers = new Set<() => void>();
  sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.timers.add(done);
    });
  cancel(): void {
    for (const done of [...this.timers]) done();
  }
}

export async function recoveryLatency(env: BenchEnv, probeIntervalSeconds: number, repeats: number): Promise<RecoveryFigure> {
  const sleeper = new Sleeper();
  const { engine, deps } = env.compose({ probeIntervalSeconds, probeTimeoutMs: 2_000 }, { sleep: sleeper.sleep });
  // Claim this hour's sweep up front: the emulator counts a message a sweep released
  // as in flight until the next receive (SQS counts it visible), which would hide it from the probe.
  await deps.routeState.claimSweep?.(ROUTE, new Date(), 3_600);
  const drains = new InProcessDrainStarter(engine, 120);

  let stopping = false;
  const scheduler = (async () => {
    while (!stopping) {
      const fired = Date.now();
      await engine.probe(drains).catch(() => undefined);
      const wait = SCHEDULER_PERIOD_MS - (Date.now() - fired);
      if (!stopping && wait > 0) await sleeper.sleep(wait);
    }
  })();

  let received: ((at: number) => void) | undefined;
  env.sink.on('received', (data) => received?.((data as { at: number }).at));
  const latencies: number[] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      await env.sink.call('stop');
      await queueMessages(env, 1, 2_048, `rc${probeIntervalSeconds}x${i}x`);
      await new Promise((resolve) => setTimeout(resolve, randomInt(0, Math.min(probeIntervalSeconds, 60) * 1000)));
      await env.sink.call('reset', { notify: true });
      const arrived = new Promise<number>((resolve) => (received = resolve));
      const upAt = Date.now();
      await env.sink.call('start');
      const at = await withTimeout(arrived, 3 * SCHEDULER_PERIOD_MS);
      latencies.push((at - upAt) / 1000);
      await drains.idle();
    }
  } finally {
    received = undefined;
    stopping = true;
    sleeper.cancel();
    await scheduler;
    await drains.idle();
    await env.sink.call('reset', { notify: false });
    if (!(await env.sink.call<{ listening?: boolean }>('stats')).listening) await env.sink.call('start');
  }
  return {
    probeIntervalSeconds,
    repeats,
    latenciesSeconds: latencies.map((l) => round(l, 2)),
    meanSeconds: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 2),
    maxSeconds: round(Math.max(...latencies), 2),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no delivery within ${ms / 1000} s`)), ms).unref())]);
}
