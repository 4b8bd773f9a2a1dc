// Does a message still have a live entry on its route's queue? A partial
// bounce under the dead-letter policy dead-letters the message while its
// other recipients stay queued (often in flight, waiting out a backoff):
// requeueing it must then not add a second copy. SQS cannot be asked by id,
// so: the index listing it as queued while entries are hidden is taken as
// yes (in-flight entries cannot be seen); otherwise the visible entries are
// searched.
import type { Route } from '../lambdas/core/model.js';
import { countQueueEntries } from './queue-search.js';
import type { Target } from './target.js';

export type LiveEntry =
  /** The index lists it as queued and the queue has hidden entries: one is taken to be its own. */
  | { live: true; how: 'indexed' }
  /** Seen among the visible entries. */
  | { live: true; how: 'visible' }
  /** None found; `staleIndex` when the index still listed it as queued. */
  | { live: false; staleIndex: boolean };

export async function findLiveEntry(target: Target, route: Route, messageId: string): Promise<LiveEntry> {
  const { deps } = target.engine;
  const queue = target.engine.queue(route);
  const [summary, depth] = await Promise.all([deps.index.get(messageId, route.name), queue.depth()]);
  const indexedQueued = summary?.state === 'queued';
  if (indexedQueued && depth.inFlight + depth.delayed > 0) return { live: true, how: 'indexed' };
  // Counts are approximate: search even when they say the queue is empty.
  if ((await countQueueEntries(queue, deps.parse, messageId)) > 0) return { live: true, how: 'visible' };
  return { live: false, staleIndex: indexedQueued };
}
