// A route's conditions from the figures of one probe round: each on exactly at
// its threshold and off just below it; a figure that could not be read is the
// condition `unreadable`, never a zero that reads as fine.
import { describe, expect, it } from 'vitest';
import { conditionBits, conditionsOf, ROUTE_CONDITIONS, STACK_CONDITIONS } from '../../../../lambdas/core/problems/conditions.js';
import { DEFAULT_THRESHOLDS, routeConditions, type RouteFigures } from '../../../../lambdas/core/problems/route-conditions.js';

const now = new Date('2026-01-05T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const up = { status: 'up' as const, since: ago(600) };
const on = (figures: Partial<RouteFigures>) => [...routeConditions({ unreadable: [], health: up, ...figures }, DEFAULT_THRESHOLDS, now).keys()];

describe('route conditions at their thresholds (primaryDownMinutes 15, oldestMessageAgeMinutes 60, backlogMessages 100)', () => {
  it('nothing is on for a healthy, empty route', () => {
    expect(on({ queued: 0, oldestAgeSeconds: 0, deadLetters: 0, heldNotices: 0, deliveries: null })).toEqual([]);
  });

  it('primary-down: on after 15 minutes down, not at 14', () => {
    expect(on({ health: { status: 'down', since: ago(15), lastError: 'connect: ECONNREFUSED' } })).toEqual(['primary-down']);
    expect(on({ health: { status: 'down', since: ago(14.9) } })).toEqual([]);
    const detail = routeConditions({ unreadable: [], health: { status: 'down', since: ago(20), lastError: 'connect: ECONNREFUSED' } }, DEFAULT_THRESHOLDS, now).get('primary-down');
    expect(detail).toBe('down for 20 min: connect: ECONNREFUSED');
  });

  it('oldest-message: on at 60 minutes, not a second before', () => {
    expect(on({ oldestAgeSeconds: 3_600 })).toEqual(['oldest-message']);
    expect(on({ oldestAgeSeconds: 3_599 })).toEqual([]);
  });

  it('backlog: on at 100 messages, not at 99', () => {
    expect(on({ queued: 100 })).toEqual(['backlog']);
    expect(on({ queued: 99 })).toEqual([]);
  });

  it('dead-letters and notices-held: on at one', () => {
    expect(on({ deadLetters: 1, heldNotices: 1 })).toEqual(['dead-letters', 'notices-held']);
    expect(on({ deadLetters: 0, heldNotices: 0 })).toEqual([]);
  });

  it('thresholds come from the configuration', () => {
    const strict = { primaryDownMinutes: 1, oldestMessageAgeMinutes: 5, backlogMessages: 2 };
    expect([...routeConditions({ unreadable: [], health: { status: 'down', since: ago(1) }, queued: 2, oldestAgeSeconds: 300 }, strict, now).keys()]).toEqual(['primary-down', 'oldest-message', 'backlog']);
  });

  it('an unread figure is the condition unreadable, naming it; its own condition is neither on nor "fine"', () => {
    const conditions = routeConditions({ unreadable: ['the message index'], health: up }, DEFAULT_THRESHOLDS, now);
    expect([...conditions.keys()]).toEqual(['unreadable']);
    expect(conditions.get('unreadable')).toBe('could not read: the message index');
  });

  it('deliveries-failing counts only while the probe finds the primary up; primary-refuses-all either way', () => {
    const failing = { failingSince: ago(16), lastFailingAt: ago(1), lastFailure: 'connection-failed', refusedSinceDelivery: 0 };
    expect(on({ deliveries: failing })).toEqual(['deliveries-failing']);
    expect(on({ deliveries: failing, health: { status: 'down', since: ago(1) } })).toEqual([]);
    const refusing = { refusedSinceDelivery: 20, lastRefusedAt: ago(5) };
    expect(on({ deliveries: refusing, health: { status: 'down', since: ago(1) } })).toEqual(['primary-refuses-all']);
  });
});

describe('the gauge value', () => {
  it('one bit per condition in the list\'s order, and back', () => {
    expect(conditionBits(ROUTE_CONDITIONS, [])).toBe(0);
    expect(conditionBits(ROUTE_CONDITIONS, ['primary-down'])).toBe(1);
    expect(conditionBits(ROUTE_CONDITIONS, ['backlog', 'unreadable'])).toBe(4 + 128);
    expect(conditionsOf(ROUTE_CONDITIONS, 4 + 128)).toEqual(['backlog', 'unreadable']);
    expect(conditionsOf(STACK_CONDITIONS, conditionBits(STACK_CONDITIONS, ['canary-missing']))).toEqual(['canary-missing']);
  });

  it('the order is fixed: a bit a deployed alarm description or a graph names must not move', () => {
    expect(ROUTE_CONDITIONS).toEqual(['primary-down', 'oldest-message', 'backlog', 'dead-letters', 'notices-held', 'deliveries-failing', 'primary-refuses-all', 'unreadable']);
    expect(STACK_CONDITIONS).toEqual(['dead-letter-queue', 'orphaned-queue', 'canary-missing', 'unreadable']);
  });
});
