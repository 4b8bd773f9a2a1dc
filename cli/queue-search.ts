// Finds one message's entry on a route's queue and deletes it. SQS cannot look
// a message up by id: receive everything visible (briefly hidden), delete the
// match, and make the others visible again at once. Entries in flight (being
// delivered, or deferred by a backoff) are not visible and cannot be found.
import type { MailQueue, QueuedMessage } from '../lambdas/core/ports.js';
import type { NotificationParser } from '../lambdas/core/engine-types.js';

/** How long entries stay hidden while the search runs (released right after). */
const SEARCH_VISIBILITY_SECONDS = 60;
const MAX_SCANNED = 10_000;

/** Deletes every visible queue entry of `messageId`; returns how many there were. */
export async function deleteQueueEntries(queue: MailQueue, parse: NotificationParser, messageId: string): Promise<number> {
  const others: QueuedMessage[] = [];
  let deleted = 0;
  try {
    for (let scanned = 0; scanned < MAX_SCANNED; ) {
      const batch = await queue.receive(10, 0, SEARCH_VISIBILITY_SECONDS);
      if (batch.length === 0) break;
      scanned += batch.length;
      for (const entry of batch) {
        if (idOf(parse, entry.body) === messageId) {
          await queue.delete(entry.handle);
          deleted += 1;
        } else {
          others.push(entry);
        }
      }
    }
  } finally {
    for (const entry of others) await queue.defer(entry.handle, 0).catch(() => undefined);
  }
  return deleted;
}

function idOf(parse: NotificationParser, body: string): string | undefined {
  try {
    return parse(body).messageId;
  } catch {
    return undefined;
  }
}
