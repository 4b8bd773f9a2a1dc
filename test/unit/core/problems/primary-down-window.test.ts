// "Primary down" and maintenance windows, as a pure rule: off inside a window
// whatever the down time; after one, counted from its end; a window that
// ended before the outage began changes nothing. Other conditions are left alone.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, routeConditions, type RouteFigures } from '../../../../lambdas/core/problems/route-conditions.js';

const now = new Date('2026-01-05T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const on = (figures: Omit<RouteFigures, 'unreadable'>) => [...routeConditions({ unreadable: [], ...figures }, DEFAULT_THRESHOLDS, now).keys()];
const down = { status: 'down' as const, since: ago(120), lastError: 'connect: ECONNREFUSED' };

describe('primary-down and maintenance windows', () => {
  it('is off inside a window, however long the primary has been down; the mail conditions stay on', () => {
    expect(on({ health: down })).toEqual(['primary-down']);
    expect(on({ health: down, maintenance: { inWindow: true } })).toEqual([]);
    expect(on({ health: down, maintenance: { inWindow: true }, queued: 500, oldestAgeSeconds: 7200 })).toEqual(['oldest-message', 'backlog']);
  });

  it('after a window, counts from its end: off at 14 minutes, on at 15', () => {
    expect(on({ health: down, maintenance: { inWindow: false, lastEnded: ago(14) } })).toEqual([]);
    expect(on({ health: down, maintenance: { inWindow: false, lastEnded: ago(15) } })).toEqual(['primary-down']);
  });

  it('ignores a window that ended before the primary went down', () => {
    expect(on({ health: { ...down, since: ago(15) }, maintenance: { inWindow: false, lastEnded: ago(60) } })).toEqual(['primary-down']);
  });
});
