import { describe, expect, it } from 'vitest';
import { RetryPolicy, SQS_MAX_VISIBILITY_SECONDS } from '../../../../lambdas/core/policy/retry-policy.js';

const at = (iso: string) => new Date(iso);

describe('RetryPolicy', () => {
  it('defaults to Postfix-like 5 min, 1 h cap, 5 days', () => {
    expect(new RetryPolicy().settings).toMatchObject({ minBackoffSeconds: 300, maxBackoffSeconds: 3600, queueLifetimeSeconds: 432_000, reenqueueAfterSeconds: 12 * 86_400 });
  });

  it.each([
    [0, 300],
    [1, 300],
    [2, 600],
    [3, 1200],
    [4, 2400],
    [5, 3600],
    [6, 3600],
    [50, 3600],
    [10_000, 3600],
  ])('after %i failed attempts waits %i s', (attempts, delay) => {
    expect(new RetryPolicy().nextDelaySeconds(attempts)).toBe(delay);
  });

  it('uses the named settings', () => {
    const policy = new RetryPolicy({ minBackoffSeconds: 60, maxBackoffSeconds: 500 });
    expect([1, 2, 3, 4, 5].map((n) => policy.nextDelaySeconds(n))).toEqual([60, 120, 240, 480, 500]);
  });

  it('never waits longer than SQS visibility allows', () => {
    const policy = new RetryPolicy({ minBackoffSeconds: 86_400, maxBackoffSeconds: 86_400, queueLifetimeSeconds: 30 * 86_400 });
    expect(policy.nextDelaySeconds(3)).toBe(SQS_MAX_VISIBILITY_SECONDS);
  });

  it('never schedules past the expiry', () => {
    const policy = new RetryPolicy();
    const received = at('2026-01-01T00:00:00Z');
    expect(policy.nextDelaySeconds(9, received, at('2026-01-05T23:50:00Z'))).toBe(600);
    expect(policy.nextDelaySeconds(9, received, at('2026-01-06T00:00:00Z'))).toBe(0);
    expect(policy.nextDelaySeconds(9, received, at('2026-01-07T00:00:00Z'))).toBe(0);
    expect(policy.nextDelaySeconds(1, received, at('2026-01-02T00:00:00Z'))).toBe(300);
  });

  it('expires exactly at the lifetime', () => {
    const policy = new RetryPolicy({ queueLifetimeSeconds: 3600 });
    const received = at('2026-01-01T00:00:00Z');
    expect(policy.isExpired(received, at('2026-01-01T00:59:59Z'))).toBe(false);
    expect(policy.isExpired(received, at('2026-01-01T01:00:00Z'))).toBe(true);
    expect(policy.expiresAt(received)).toEqual(at('2026-01-01T01:00:00Z'));
  });

  it('asks for a re-enqueue before SQS retention ends', () => {
    const policy = new RetryPolicy({ queueLifetimeSeconds: 30 * 86_400 });
    const enqueued = at('2026-01-01T00:00:00Z');
    expect(policy.needsReenqueue(enqueued, at('2026-01-12T23:59:59Z'))).toBe(false);
    expect(policy.needsReenqueue(enqueued, at('2026-01-13T00:00:00Z'))).toBe(true);
  });

  it('rejects contradictory settings', () => {
    expect(() => new RetryPolicy({ minBackoffSeconds: 10, maxBackoffSeconds: 5 })).toThrow(RangeError);
    expect(() => new RetryPolicy({ reenqueueAfterSeconds: 14 * 86_400 })).toThrow(RangeError);
  });

  it('ignores undefined settings (values not configured)', () => {
    expect(new RetryPolicy({ minBackoffSeconds: undefined }).settings.minBackoffSeconds).toBe(300);
  });
});
