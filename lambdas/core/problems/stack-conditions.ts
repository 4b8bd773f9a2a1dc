// The stack's conditions from what the probe read this round. Pure. A record
// that does not exist yet (a first deploy, an upgrade) gets a grace counted
// from the probe's first round, after which its absence is the condition: a
// watch or a canary that never reports is an alarm, not silence.
import { CANARY_LATE_MINUTES } from '../canary/canary-timing.js';
import type { StackCondition } from './conditions.js';
import type { CanaryArrival, OrphanWatchRecord } from './problem-ports.js';

/** The hourly watch may land on either side of an hour: two hours without its record is a silent watch. */
export const ORPHAN_WATCH_SILENT_SECONDS = 2 * 3_600;

export interface StackFigures {
  /** Messages on the dead-letter queue (SQS's view). */
  deadLetterQueue?: number;
  /** The watch's last record; null when it never wrote one. */
  orphanWatch?: OrphanWatchRecord | null;
  /** The canary's interval, when the stack sends one. */
  canaryIntervalMinutes?: number;
  /** The last canary that arrived in time; null when none has. */
  canaryArrival?: CanaryArrival | null;
  /** When the probe first evaluated the stack (the grace of a record not written yet). */
  firstRoundAt: Date;
  unreadable: string[];
}

const minutesAgo = (at: Date, now: Date) => Math.floor((now.getTime() - at.getTime()) / 60_000);

/**
 * Clock skew between two functions is seconds; a record dated further ahead
 * than this is damaged (a bug, or a write by hand), and must not read as
 * fresh for ever: its condition is on.
 */
export const FUTURE_SLACK_SECONDS = 300;
const inTheFuture = (at: Date, now: Date) => at.getTime() - now.getTime() > FUTURE_SLACK_SECONDS * 1000;

export function stackConditions(figures: StackFigures, now: Date): Map<StackCondition, string> {
  const on = new Map<StackCondition, string>();
  if (figures.deadLetterQueue !== undefined && figures.deadLetterQueue > 0) on.set('dead-letter-queue', `${figures.deadLetterQueue} message(s) on the dead-letter queue`);
  const watch = figures.orphanWatch;
  if (watch !== undefined) {
    const since = watch?.at ?? figures.firstRoundAt;
    if (inTheFuture(since, now)) on.set('orphaned-queue', `the hourly watch's record is dated ${since.toISOString()}, in the future: a damaged record (drain log)`);
    else if (watch && watch.messages > 0) on.set('orphaned-queue', `${watch.messages} message(s) in old queues of this stack (the drain log names each queue and the adopt command)`);
    else if (now.getTime() - since.getTime() > ORPHAN_WATCH_SILENT_SECONDS * 1000) on.set('orphaned-queue', `the hourly watch on old queues has not reported for ${minutesAgo(since, now)} min (drain log)`);
  }
  const interval = figures.canaryIntervalMinutes;
  if (interval !== undefined && figures.canaryArrival !== undefined) {
    const since = figures.canaryArrival?.at ?? figures.firstRoundAt;
    const limitMinutes = interval + CANARY_LATE_MINUTES;
    if (inTheFuture(since, now)) {
      on.set('canary-missing', `the last canary arrival is recorded at ${since.toISOString()}, in the future: a damaged record, which proves nothing`);
    } else if (now.getTime() - since.getTime() > limitMinutes * 60_000) {
      on.set('canary-missing', figures.canaryArrival ? `the last canary arrived ${minutesAgo(since, now)} min ago (one is due every ${interval} min)` : `no canary has arrived (one is due every ${interval} min)`);
    }
  }
  if (figures.unreadable.length > 0) on.set('unreadable', `could not read: ${figures.unreadable.join(', ')}`);
  return on;
}
