// The push's gate on DynamoDB (dynalite): a timestamp is taken only when it
// is newer than the route's last one (else a replay), at most one push a
// interval per route (else too soon, with when to come back), each route has
// its own, and two pushes with one timestamp at once pass exactly once (a
// conditional update).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPushGate } from '../../../lambdas/adapters/aws/dynamo-push-gate.js';
import { PUSH_MIN_INTERVAL_SECONDS } from '../../../lambdas/core/recipients/push-limits.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

describe('DynamoPushGate', () => {
  let env: EmulatorEnv;
  let gate: DynamoPushGate;
  const start = new Date('2026-12-01T10:00:00Z').getTime();
  const at = (seconds: number) => new Date(start + seconds * 1000);
  const MINUTE = PUSH_MIN_INTERVAL_SECONDS;
  beforeAll(async () => {
    env = await startEmulatorEnv();
    gate = new DynamoPushGate(env.clients.doc, env.resources.tableName);
  });
  afterAll(() => env?.stop());

  it('takes a newer timestamp only; the same or an older one is a replay, even a minute later', async () => {
    expect(await gate.claim('corp', 1_000, at(0), MINUTE)).toEqual({ passed: true });
    expect(await gate.claim('corp', 1_000, at(120), MINUTE)).toEqual({ passed: false, why: 'replay' });
    expect(await gate.claim('corp', 999, at(120), MINUTE)).toEqual({ passed: false, why: 'replay' });
    expect(await gate.claim('corp', 1_001, at(120), MINUTE)).toEqual({ passed: true });
  });

  it('lets one push a minute through per route: the next is too soon, told when to come back', async () => {
    expect(await gate.claim('rate', 100, at(0), MINUTE)).toEqual({ passed: true });
    expect(await gate.claim('rate', 101, at(1), MINUTE)).toEqual({ passed: false, why: 'too-soon', retryAfterSeconds: 59 });
    expect(await gate.claim('rate', 159, at(59), MINUTE)).toEqual({ passed: false, why: 'too-soon', retryAfterSeconds: 1 });
    // Refused pushes did not move the minute: it ends 60 s after the one let through.
    expect(await gate.claim('rate', 160, at(60), MINUTE)).toEqual({ passed: true });
    expect(await gate.claim('rate', 161, at(61), MINUTE)).toMatchObject({ passed: false, why: 'too-soon' });
  });

  it('one second apart, a key pushing every second gets one push a minute through', async () => {
    let passed = 0;
    for (let second = 0; second < 130; second += 1) if ((await gate.claim('flood', 5_000 + second, at(second), MINUTE)).passed) passed += 1;
    expect(passed).toBe(3); // at 0, 60 and 120
  }, 60_000);

  it('each route has its own gate', async () => {
    expect(await gate.claim('lab', 5, at(0), MINUTE)).toEqual({ passed: true });
    expect(await gate.claim('other', 5, at(0), MINUTE)).toEqual({ passed: true });
  });

  it('the same request twice at once passes once', async () => {
    const results = await Promise.all([gate.claim('race', 7, at(0), MINUTE), gate.claim('race', 7, at(0), MINUTE), gate.claim('race', 7, at(0), MINUTE)]);
    expect(results.filter((r) => r.passed)).toHaveLength(1);
  });

  it('two pushes with different timestamps at once: one passes, the other is too soon', async () => {
    const results = await Promise.all([gate.claim('race2', 7, at(0), MINUTE), gate.claim('race2', 8, at(0), MINUTE)]);
    expect(results.filter((r) => r.passed)).toHaveLength(1);
  });
});
