// What hold, release, a maintenance window, flush and replay say when done: built here
// once, printed by the CLI verbs (commands/hold.ts, flush.ts, replay.ts) and
// shown as the console's one-line result (console/pages/route-actions.ts).
import type { DrainSummary, StopReason } from '../lambdas/core/drain/drain-summary.js';
import type { MaintenanceWindow } from '../lambdas/core/probe/maintenance-windows.js';
import type { Hold } from '../lambdas/core/operator/hold-route.js';
import { atNextProbe, formatAgo } from './format.js';
import type { Target } from './target.js';

/** "3 messages were in flight …", or undefined for none. */
export function inFlightLine(inFlight: number): string | undefined {
  if (inFlight === 0) return undefined;
  return `${inFlight} message${inFlight === 1 ? ' was' : 's were'} in flight (in delivery, or waiting out a retry): a transaction already begun finishes; no new one starts`;
}

export const alreadyHeldLine = (route: string, existing: Hold, now: Date): string =>
  `route ${route} is already held (since ${formatAgo(existing.since, now)}${existing.reason ? `: ${existing.reason}` : ''})`;

export const heldLine = (route: string): string =>
  `route ${route} held: mail is still accepted and queued, but nothing is delivered until \`backup-mx release ${route}\``;

export const releasedLine = (route: string, released: Hold | undefined, now: Date): string =>
  released ? `route ${route} released (it was held for ${formatAgo(released.since, now).replace(/ ago$/, '')})` : `route ${route} was not held`;

export const resumeLine = (route: string, probeIntervalSeconds: number): string =>
  `deliveries resume ${atNextProbe(probeIntervalSeconds)}; \`backup-mx flush ${route}\` starts them now`;

/** After a release: the window the route is still inside, if any (a hint only: a windows read that fails must not turn a done release into an error). */
export async function insideWindowLine(target: Pick<Target, 'operator'>, route: string): Promise<string | undefined> {
  const current = (await target.operator.hold.windows(route).catch(() => [])).find((w) => w.from <= target.operator.now());
  return current ? `route ${route} is inside maintenance window ${current.id} until ${current.until.toISOString()}: \`backup-mx release ${route} --window ${current.id}\` ends it now` : undefined;
}

export const resumeAfterWindowLine = (route: string, probeIntervalSeconds: number): string =>
  `deliveries resume ${atNextProbe(probeIntervalSeconds)} unless the route is held otherwise; \`backup-mx flush ${route}\` starts them now`;

/** The two lines a scheduled window is reported with. */
export function scheduledLines(route: string, window: MaintenanceWindow, probeIntervalSeconds: number): [string, string] {
  return [
    `route ${route}: maintenance window ${window.id} from ${window.from.toISOString()} until ${window.until.toISOString()}${window.reason ? ` (${window.reason})` : ''}: ` +
      'mail is still accepted and queued, nothing is delivered inside it even when the primary answers, and "primary down" is not raised',
    `it ends by itself: deliveries resume at the first probe after ${window.until.toISOString()} (probes every ${probeIntervalSeconds} s); \`backup-mx release ${route} --window ${window.id}\` cancels it`,
  ];
}

export const cancelledLine = (route: string, cancelled: MaintenanceWindow, wasOn: boolean): string =>
  `route ${route}: maintenance window ${cancelled.id} (${cancelled.from.toISOString()} until ${cancelled.until.toISOString()}) cancelled${wasOn ? '; it was on, so it ends now' : ''}`;

/** "4 messages, 4 delivered, 0 deferred, … (stopped: queue-empty)" */
export function describeDrain(s: DrainSummary): string {
  const counts = [
    `${s.messages} message${s.messages === 1 ? '' : 's'}`,
    `${s.delivered} delivered`,
    `${s.deferred} deferred`,
    `${s.bounced} bounced`,
    `${s.deadLettered} dead-lettered`,
    `${s.expired} expired`,
  ];
  if (s.reenqueued) counts.push(`${s.reenqueued} re-enqueued`);
  if (s.released) counts.push(`${s.released} left for later`);
  if (s.held) counts.push(`${s.held} held (\`mailq --held\`)`);
  if (s.errors) counts.push(`${s.errors} errors`);
  return `${counts.join(', ')} (stopped: ${s.stoppedBecause})`;
}

/** True when a drain's summary is a failure of the flush (exit 1). */
export const drainFailed = (s: DrainSummary): boolean => s.errors > 0 || s.stoppedBecause === 'queue-error' || s.stoppedBecause === 'hold-unknown';

/** A line saying what the stop reason means and what to do, when it is not plain success. */
export async function explainStop(target: Target, reason: StopReason, route: string): Promise<string | undefined> {
  const { operator } = target;
  switch (reason) {
    case 'held': {
      const hold = await operator.routeHold(route);
      const window = hold ? undefined : (await operator.hold.windows(route)).find((w) => w.from <= operator.now());
      if (window) return `route ${route} is inside maintenance window ${window.id} until ${window.until.toISOString()}: nothing is delivered until it ends (then at the next probe), or \`backup-mx release ${route} --window ${window.id}\` ends it now`;
      return `route ${route} is held${hold ? ` (since ${formatAgo(hold.since, operator.now())}${hold.reason ? `: ${hold.reason}` : ''})` : ''}: nothing is delivered until \`backup-mx release ${route}\``;
    }
    case 'primary-down': {
      const health = await operator.primaryHealth(route);
      return `the primary is marked down${health ? ` since ${formatAgo(health.since, operator.now())} (${health.lastError ?? 'no answer'})` : ''}: the probe checks it every ${target.settings.probeIntervalSeconds} s and starts the drain as soon as it answers`;
    }
    case 'connection-failed':
      return 'the primary stopped answering during the drain: it is now marked down; the probe will start the drain again when it is back';
    case 'lease-held':
      return 'another drain of this route is running right now: it is delivering the queue';
    case 'time-budget':
      return 'the time budget ran out before the queue was empty: run flush again, or let the next drain continue';
    case 'queue-error':
      return 'the queue could not be read: see the errors above';
    case 'redirected':
      return `the redirect of route ${route} was set or cleared during the drain: it stopped so that nothing more goes to the previous host; run flush again to deliver to the new one`;
    case 'hold-unknown':
      return `the hold of route ${route} could not be read, so it was treated as held and nothing was delivered: see the errors above, then run flush again`;
    default:
      return undefined;
  }
}

/** "queued 3 replays on route main (ids end in .replay-…); the drain delivers them …" */
export const replayQueuedLine = (route: string, queued: number, generation: string, probeIntervalSeconds: number): string =>
  `queued ${queued} replay${queued === 1 ? '' : 's'} on route ${route} (ids end in .replay-${generation}); the drain delivers them ${atNextProbe(probeIntervalSeconds)}, or now with \`backup-mx flush ${route}\``;
