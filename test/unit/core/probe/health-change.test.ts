import { describe, expect, it } from 'vitest';
import { HEALTH_REFRESH_SECONDS, healthWorthWriting, probeStaleAfterSeconds } from '../../../../lambdas/core/probe/health-change.js';
import type { PrimaryHealth } from '../../../../lambdas/core/model.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
const up = (s: number): PrimaryHealth => ({ route: 'r', status: 'up', since: at(0), lastCheckAt: at(s), latencyMs: 12, consecutiveFailures: 0 });
const down = (s: number, lastError = 'connect: ECONNREFUSED'): PrimaryHealth => ({ route: 'r', status: 'down', since: at(0), lastCheckAt: at(s), consecutiveFailures: 1, lastError });

describe('healthWorthWriting', () => {
  it('writes the first health, a status change and a new error', () => {
    expect(healthWorthWriting(undefined, up(0))).toBe(true);
    expect(healthWorthWriting(up(0), down(60))).toBe(true);
    expect(healthWorthWriting(down(0), up(60))).toBe(true);
    expect(healthWorthWriting(down(0), down(60, 'EHLO: 421 busy'))).toBe(true);
  });

  it('skips the same news until the stored check is about HEALTH_REFRESH_SECONDS old (a minute, with slack for scheduler drift)', () => {
    expect(HEALTH_REFRESH_SECONDS).toBe(60);
    expect(healthWorthWriting(up(0), up(10))).toBe(false);
    expect(healthWorthWriting(down(0), down(54))).toBe(false);
    expect(healthWorthWriting(up(0), up(55))).toBe(true); // a scheduled round a few seconds early still refreshes
    expect(healthWorthWriting(up(0), up(60))).toBe(true);
  });

  it('calls a stored check stale past the refresh plus three missed rounds', () => {
    expect(probeStaleAfterSeconds(60)).toBe(240);
    expect(probeStaleAfterSeconds(5)).toBe(75);
  });

  it('writes a change of the AUTH backoff even when the error text is the same', () => {
    const waiting = { ...down(0, 'primary refuses our credentials: 535'), authRefusals: 1, authRetryAt: at(120), refusedCredentials: 'd1' };
    expect(healthWorthWriting(waiting, { ...waiting, lastCheckAt: at(30) })).toBe(false);
    expect(healthWorthWriting(waiting, { ...waiting, lastCheckAt: at(60), authRefusals: 2 })).toBe(true);
    expect(healthWorthWriting(waiting, { ...waiting, lastCheckAt: at(60), authRetryAt: at(360) })).toBe(true);
    expect(healthWorthWriting(waiting, { ...waiting, lastCheckAt: at(60), refusedCredentials: 'd2' })).toBe(true);
  });
});
