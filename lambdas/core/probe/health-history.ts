// A route's health history: the up/down transitions the probe records as it
// writes a changed health item (never on a round where nothing changed), kept
// KEEP_HEALTH_HISTORY_SECONDS for the console's day and week timelines. Pure
// rules here; the route state stores them (ports.ts).
import type { PrimaryHealth } from '../model.js';

/** One change of a primary's health: from `at`, up or down (with the check's short error when down). */
export interface HealthTransition {
  at: Date;
  up: boolean;
  error?: string;
}

/** A week's timeline plus a day of slack; DynamoDB TTL deletes older transitions (within a few days of it). */
export const KEEP_HEALTH_HISTORY_SECONDS = 8 * 86_400;
/** A down transition's error is cut to this many characters (the health item keeps the whole). */
export const MAX_TRANSITION_ERROR_CHARS = 200;

/** The transition `next` makes after `previous`, if its status moved to up or down (the first health is one too). */
export function transitionOf(previous: PrimaryHealth | undefined, next: PrimaryHealth): HealthTransition | undefined {
  if (next.status === 'unknown' || previous?.status === next.status) return undefined;
  const up = next.status === 'up';
  const error = !up && next.lastError !== undefined ? next.lastError.slice(0, MAX_TRANSITION_ERROR_CHARS) : undefined;
  return { at: next.since, up, ...(error !== undefined ? { error } : {}) };
}

/** Whether a stored transition is past its keep time at `now` (TTL deletes late: reads filter these out). */
export function transitionExpired(at: Date, now: Date): boolean {
  return now.getTime() - at.getTime() >= KEEP_HEALTH_HISTORY_SECONDS * 1000;
}

/**
 * The timeline since `since`: the stored transitions (the last one before
 * `since` first, when the store still has it), else the current health's own
 * state when it began before `since` (a primary steady for longer than the history).
 */
export function withStateBefore(stored: HealthTransition[], current: PrimaryHealth | undefined, since: Date): HealthTransition[] {
  if (stored.length > 0 && stored[0]!.at.getTime() < since.getTime()) return stored;
  if (!current || current.status === 'unknown' || current.since.getTime() >= since.getTime()) return stored;
  const up = current.status === 'up';
  const before: HealthTransition = { at: current.since, up, ...(!up && current.lastError !== undefined ? { error: current.lastError.slice(0, MAX_TRANSITION_ERROR_CHARS) } : {}) };
  return [before, ...stored];
}
