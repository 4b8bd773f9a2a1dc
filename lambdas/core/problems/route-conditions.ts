// A route's conditions from what the probe read this round. Pure: the probe
// reads, this decides. A figure that could not be read is `unreadable`, never
// a zero.
import type { PrimaryHealth } from '../model.js';
import type { RouteCondition } from './conditions.js';
import { DELIVERIES_FAILING_MINUTES, deliveriesFailing, REFUSED_WITHOUT_DELIVERY, refusesAll } from './delivery-record.js';
import type { DeliveryRecord } from './problem-ports.js';

/** The alarms block of the configuration, as the probe gets it. */
export interface RouteThresholds {
  primaryDownMinutes: number;
  oldestMessageAgeMinutes: number;
  backlogMessages: number;
}

export const DEFAULT_THRESHOLDS: RouteThresholds = { primaryDownMinutes: 15, oldestMessageAgeMinutes: 60, backlogMessages: 100 };

/** What the probe read for one route this round; a figure left out was not read (and is named in `unreadable`). */
export interface RouteFigures {
  /** The health this round wrote (status and since when). */
  health?: Pick<PrimaryHealth, 'status' | 'since' | 'lastError'>;
  queued?: number;
  oldestAgeSeconds?: number;
  deadLetters?: number;
  heldNotices?: number;
  /** The drain's record; null when none exists yet. */
  deliveries?: DeliveryRecord | null;
  /** The route's maintenance windows as they bear on "primary down" (probe/maintenance-windows.ts). */
  maintenance?: { inWindow: boolean; lastEnded?: Date };
  /** What could not be read (each already logged as an error). */
  unreadable: string[];
}

const minutes = (ms: number) => Math.floor(ms / 60_000);

export function routeConditions(figures: RouteFigures, thresholds: RouteThresholds, now: Date): Map<RouteCondition, string> {
  const on = new Map<RouteCondition, string>();
  const { health } = figures;
  // Planned: not raised inside a maintenance window; after one, counted from its end (the usual delay applies from there).
  const { maintenance } = figures;
  if (health?.status === 'down' && !maintenance?.inWindow) {
    const windowEnded = maintenance?.lastEnded && maintenance.lastEnded > health.since ? maintenance.lastEnded : undefined;
    const downMs = now.getTime() - (windowEnded ?? health.since).getTime();
    const after = windowEnded ? ` since the maintenance window ended at ${windowEnded.toISOString()}` : '';
    if (downMs >= thresholds.primaryDownMinutes * 60_000) on.set('primary-down', `down for ${minutes(downMs)} min${after}: ${health.lastError ?? 'no answer'}`);
  }
  if (figures.oldestAgeSeconds !== undefined && figures.oldestAgeSeconds >= thresholds.oldestMessageAgeMinutes * 60) {
    on.set('oldest-message', `oldest message ${Math.floor(figures.oldestAgeSeconds / 60)} min old (alarm at ${thresholds.oldestMessageAgeMinutes})`);
  }
  if (figures.queued !== undefined && figures.queued >= thresholds.backlogMessages) on.set('backlog', `${figures.queued} messages waiting (alarm at ${thresholds.backlogMessages})`);
  if (figures.deadLetters !== undefined && figures.deadLetters > 0) on.set('dead-letters', `${figures.deadLetters} dead letter(s) not yet requeued or deleted`);
  if (figures.heldNotices !== undefined && figures.heldNotices > 0) on.set('notices-held', `${figures.heldNotices} notice(s) held`);
  const record = figures.deliveries ?? undefined;
  // The drain's view counts only while the probe finds the primary up: down is primary-down's business.
  if (health?.status === 'up' && deliveriesFailing(record, now)) {
    on.set('deliveries-failing', `drain runs failing (${record!.lastFailure ?? 'failed'}) for ${minutes(now.getTime() - record!.failingSince!.getTime())} min (alarm at ${DELIVERIES_FAILING_MINUTES}) while the probe reaches the primary`);
  }
  if (refusesAll(record, now)) on.set('primary-refuses-all', `${record!.refusedSinceDelivery} recipients refused since the last one delivered (alarm at ${REFUSED_WITHOUT_DELIVERY})`);
  if (figures.unreadable.length > 0) on.set('unreadable', `could not read: ${figures.unreadable.join(', ')}`);
  return on;
}
