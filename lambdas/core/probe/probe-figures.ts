// The figures the probe reads for a route each round from the project's own
// records: the queue from the message index, the held notices, the dead
// letters. Each is published as a gauge when it was read (the detailed figures
// the dashboard graphs; without it, log-only EMF fields) and handed to the
// evaluation of the route's conditions (core/problems). A failed read is an
// error line and a name in `unreadable`: the route's `unreadable` condition,
// never a zero.
import type { HeldNotices } from '../outcome/notice-ports.js';
import type { Route } from '../model.js';
import type { DeadLetterStore } from '../outcome/ports.js';
import type { DeliveryLog, Metrics } from '../runtime/ports.js';
import type { MessageIndex } from '../accept/ports.js';
import type { RouteFigures } from '../problems/route-conditions.js';

export interface FigureSources {
  index?: MessageIndex;
  heldNotices?: HeldNotices;
  deadLetters?: Pick<DeadLetterStore, 'count'>;
  metrics: Metrics;
  log: DeliveryLog;
}

/** Reads the route's queue, held notices and dead letters into `figures` (and publishes each one read). */
export async function readRouteFigures(sources: FigureSources, route: Route, now: Date, figures: RouteFigures): Promise<void> {
  await Promise.all([
    readCount(sources, route, 'HeldNotices', sources.heldNotices, 'the held notices', figures).then((n) => n !== undefined && (figures.heldNotices = n)),
    readCount(sources, route, 'DeadLetters', sources.deadLetters, 'the dead letters', figures).then((n) => n !== undefined && (figures.deadLetters = n)),
    readQueue(sources, route, now, figures),
  ]);
}

async function readQueue(sources: FigureSources, route: Route, now: Date, figures: RouteFigures): Promise<void> {
  const { index, metrics } = sources;
  if (!index) return;
  try {
    const stats = index.queuedStats
      ? await index.queuedStats(route.name)
      : await index.listQueued(route.name).then((list) => ({
          queued: list.length,
          oldestReceivedAt: list.reduce<Date | undefined>((oldest, m) => (!oldest || m.receivedAt < oldest ? m.receivedAt : oldest), undefined),
        }));
    const oldestAgeSeconds = stats.oldestReceivedAt ? Math.max(0, Math.round((now.getTime() - stats.oldestReceivedAt.getTime()) / 1000)) : 0;
    metrics.gauge?.('QueuedMessages', stats.queued, route.name);
    metrics.gauge?.('OldestQueuedAgeSeconds', oldestAgeSeconds, route.name);
    figures.queued = stats.queued;
    figures.oldestAgeSeconds = oldestAgeSeconds;
  } catch (error) {
    readFailed(sources, route, 'the message index', 'could not read the message index', error, figures);
  }
}

async function readCount(
  sources: FigureSources,
  route: Route,
  name: 'HeldNotices' | 'DeadLetters',
  source: { count(route: string): Promise<number> } | undefined,
  what: string,
  figures: RouteFigures,
): Promise<number | undefined> {
  if (!source) return undefined;
  try {
    const count = await source.count(route.name);
    sources.metrics.gauge?.(name, count, route.name);
    return count;
  } catch (error) {
    readFailed(sources, route, what, `could not count ${what}`, error, figures);
    return undefined;
  }
}

/** An error line; the figure is left out and named, so the route's `unreadable` condition is on. */
function readFailed(sources: FigureSources, route: Route, what: string, message: string, error: unknown, figures: RouteFigures): void {
  figures.unreadable.push(what);
  sources.log.error(message, { route: route.name, error: (error as Error).message, published: 'nothing this round: the route\'s unreadable condition is on' });
}
