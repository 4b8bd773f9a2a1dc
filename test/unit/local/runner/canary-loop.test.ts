// The runner's canary loop is a ProbeLoop with a first delay, like the stack's
// schedule (its first run comes one period after it is created): nothing at
// start, then one run per period; a stop during the first wait runs nothing.
import { describe, expect, it } from 'vitest';
import { ProbeLoop } from '../../../../local/runner/probe-loop.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProbeLoop with a first delay (the canary loop)', () => {
  it('runs first after the delay, then every period', async () => {
    const runs: number[] = [];
    const started = Date.now();
    const loop = new ProbeLoop({ invoke: async () => void runs.push(Date.now() - started), periodMs: 60, firstDelayMs: 60, onError: () => undefined });
    loop.start();
    await sleep(30);
    expect(runs).toEqual([]);
    await sleep(120);
    await loop.stop();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs[0]!).toBeGreaterThanOrEqual(55);
  });

  it('a stop during the first wait runs nothing', async () => {
    let runs = 0;
    const loop = new ProbeLoop({ invoke: async () => void (runs += 1), periodMs: 50, firstDelayMs: 50, onError: () => undefined });
    loop.start();
    await loop.stop();
    await sleep(80);
    expect(runs).toBe(0);
  });
});
