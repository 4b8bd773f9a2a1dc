// The stack's conditions: the dead-letter queue, the hourly watch's record and
// the canary's arrival. A record that never appears becomes its condition
// after its grace, counted from the probe's first round: silence is no "fine".
import { describe, expect, it } from 'vitest';
import { CANARY_LATE_MINUTES } from '../../../../lambdas/core/canary/canary-timing.js';
import { FUTURE_SLACK_SECONDS, ORPHAN_WATCH_SILENT_SECONDS, stackConditions, type StackFigures } from '../../../../lambdas/core/problems/stack-conditions.js';

const now = new Date('2026-01-05T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const on = (figures: Partial<StackFigures>) => [...stackConditions({ firstRoundAt: ago(1), unreadable: [], ...figures }, now).keys()];

describe('stack conditions', () => {
  it('dead-letter-queue: on at one message', () => {
    expect(on({ deadLetterQueue: 1 })).toEqual(['dead-letter-queue']);
    expect(on({ deadLetterQueue: 0 })).toEqual([]);
  });

  it('orphaned-queue: on when the watch found mail in an old queue', () => {
    expect(on({ orphanWatch: { at: ago(5), messages: 3 } })).toEqual(['orphaned-queue']);
    expect(on({ orphanWatch: { at: ago(5), messages: 0 } })).toEqual([]);
  });

  it('orphaned-queue: a watch silent for two hours is the condition, from its last record or, when it never wrote one, from the first round', () => {
    const limit = ORPHAN_WATCH_SILENT_SECONDS / 60;
    expect(on({ orphanWatch: { at: ago(limit), messages: 0 } })).toEqual([]);
    expect(on({ orphanWatch: { at: ago(limit + 1), messages: 0 } })).toEqual(['orphaned-queue']);
    expect(on({ orphanWatch: null, firstRoundAt: ago(limit) })).toEqual([]);
    expect(on({ orphanWatch: null, firstRoundAt: ago(limit + 1) })).toEqual(['orphaned-queue']);
    // Where no watch runs (local runs), its record is not read: no condition.
    expect(on({ firstRoundAt: ago(10 * limit) })).toEqual([]);
  });

  it(`canary-missing: on once the last arrival is older than the interval + ${CANARY_LATE_MINUTES} minutes`, () => {
    const limit = 60 + CANARY_LATE_MINUTES;
    expect(on({ canaryIntervalMinutes: 60, canaryArrival: { at: ago(limit), roundTripSeconds: 3 } })).toEqual([]);
    expect(on({ canaryIntervalMinutes: 60, canaryArrival: { at: ago(limit + 1), roundTripSeconds: 3 } })).toEqual(['canary-missing']);
  });

  it('canary-missing: a canary that never arrived is the condition once the grace from the first round ends', () => {
    const limit = 60 + CANARY_LATE_MINUTES;
    expect(on({ canaryIntervalMinutes: 60, canaryArrival: null, firstRoundAt: ago(limit) })).toEqual([]);
    const late = stackConditions({ canaryIntervalMinutes: 60, canaryArrival: null, firstRoundAt: ago(limit + 1), unreadable: [] }, now);
    expect(late.get('canary-missing')).toBe('no canary has arrived (one is due every 60 min)');
  });

  it('a record dated in the future (a bug, a write by hand) is damaged: its condition is on, never fresh for ever', () => {
    const ahead = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const slack = FUTURE_SLACK_SECONDS / 60;
    // Clock skew between two functions is fine.
    expect(on({ canaryIntervalMinutes: 60, canaryArrival: { at: ahead(slack), roundTripSeconds: 3 } })).toEqual([]);
    expect(on({ orphanWatch: { at: ahead(slack), messages: 0 } })).toEqual([]);
    expect(on({ canaryIntervalMinutes: 60, canaryArrival: { at: ahead(60 * 24 * 365), roundTripSeconds: 3 } })).toEqual(['canary-missing']);
    expect(on({ orphanWatch: { at: ahead(slack + 1), messages: 0 } })).toEqual(['orphaned-queue']);
  });

  it('an unreadable record is the condition unreadable, naming it', () => {
    expect(stackConditions({ firstRoundAt: ago(1), unreadable: ['the dead-letter queue\'s depth'] }, now).get('unreadable')).toBe('could not read: the dead-letter queue\'s depth');
  });
});
