// Figure: signalled recovery, primary back up → first delivery when the
// primary says "I'm back" (POST to the trigger listener, as its systemd
// ExecStartPost= would), with the scheduler on its normal one-minute period
// so the probe cannot be what brings the mail. Each repeat: the primary goes
// down, a message arrives, the primary comes back and signals at once; we
// time from its restart to the message reaching it.
import { randomBytes } from 'node:crypto';
import { InProcessDrainStarter } from '../lambdas/app/engine.js';
import { localTriggerUseCase } from '../lambdas/app/trigger-app.js';
import { StaticTriggerKey } from '../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../lambdas/adapters/http/trigger-http.js';
import { triggerSignature } from '../lambdas/core/operator/trigger-signature.js';
import { TriggerListener } from '../local/runner/trigger-listener.js';
import { ROUTE, queueMessages, type BenchEnv } from './bench-env.js';
import { round } from './drain-throughput.js';

export interface SignalledRecoveryFigure {
  repeats: number;
  latenciesSeconds: number[];
  meanSeconds: number;
  maxSeconds: number;
  /** The trigger's HTTP answers, in order (202 expected). */
  statuses: number[];
}

export async function signalledRecovery(env: BenchEnv, repeats: number): Promise<SignalledRecoveryFigure> {
  const composed = env.compose({ probeIntervalSeconds: 60, probeTimeoutMs: 2_000 });
  const { engine } = composed;
  await composed.deps.routeState.claimSweep?.(ROUTE, new Date(), 3_600); // no sweep in the way (see recovery-latency.ts)
  const drains = new InProcessDrainStarter(engine, 120);
  const secret = randomBytes(32).toString('hex');
  // A zero interval: each repeat signals once, well within the rate limit's purpose.
  const listener = await TriggerListener.start(localTriggerUseCase(composed, new StaticTriggerKey(secret), drains, 0), 0, () => undefined);
  let received: ((at: number) => void) | undefined;
  env.sink.on('received', (data) => received?.((data as { at: number }).at));
  const latencies: number[] = [];
  const statuses: number[] = [];
  let lastTs = 0;
  try {
    for (let i = 0; i < repeats; i++) {
      await env.sink.call('stop');
      // The probe saw it down (as it would within a minute of the outage).
      await engine.probe(drains);
      await queueMessages(env, 1, 2_048, `sr${i}x`);
      await env.sink.call('reset', { notify: true });
      const arrived = new Promise<number>((resolve) => (received = resolve));
      const upAt = Date.now();
      await env.sink.call('start');
      // Each call's timestamp must be newer than the last accepted one (repeats may fall in one second).
      lastTs = Math.max(Math.floor(Date.now() / 1000), lastTs + 1);
      const ts = String(lastTs);
      const response = await fetch(`${listener.url}/${ROUTE}`, { method: 'POST', headers: { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: triggerSignature(secret, ROUTE, ts) } });
      statuses.push(response.status);
      const at = await Promise.race([arrived, new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no delivery within 30 s of the signal')), 30_000).unref())]);
      latencies.push((at - upAt) / 1000);
      await drains.idle();
    }
  } finally {
    received = undefined;
    await listener.stop();
    await drains.idle();
    await env.sink.call('reset', { notify: false });
    if (!(await env.sink.call<{ listening?: boolean }>('stats')).listening) await env.sink.call('start');
  }
  return {
    repeats,
    latenciesSeconds: latencies.map((l) => round(l, 3)),
    meanSeconds: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 3),
    maxSeconds: round(Math.max(...latencies), 3),
    statuses,
  };
}
