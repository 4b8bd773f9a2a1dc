// The push's replay gate on DynamoDB (dynalite): a timestamp is taken only
// when it is newer than the route's last one, each route has its own, and two
// pushes with one timestamp at once pass exactly once (a conditional update).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPushGate } from '../../../lambdas/adapters/aws/dynamo-push-gate.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

describe('DynamoPushGate', () => {
  let env: EmulatorEnv;
  let gate: DynamoPushGate;
  const now = new Date('2026-12-01T10:00:00Z');
  beforeAll(async () => {
    env = await startEmulatorEnv();
    gate = new DynamoPushGate(env.clients.doc, env.resources.tableName);
  });
  afterAll(() => env?.stop());

  it('takes a newer timestamp only; the same or an older one is a replay', async () => {
    expect(await gate.claim('corp', 1_000, now)).toBe(true);
    expect(await gate.claim('corp', 1_000, now)).toBe(false);
    expect(await gate.claim('corp', 999, now)).toBe(false);
    expect(await gate.claim('corp', 1_001, now)).toBe(true);
  });

  it('each route has its own gate', async () => {
    expect(await gate.claim('lab', 5, now)).toBe(true);
    expect(await gate.claim('corp', 1_002, now)).toBe(true);
  });

  it('the same request twice at once passes once', async () => {
    const results = await Promise.all([gate.claim('race', 7, now), gate.claim('race', 7, now), gate.claim('race', 7, now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
