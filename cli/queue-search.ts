// Finds one message's entries on a route's queue. SQS cannot look a message
// up by id: receive everything visible (briefly hidden), act on the matches,
// and make the others visible again at once. Entries in flight (being
// delivered, or deferred by a backoff) are not visible and cannot be found.
import type { MailQueue, QueuedMessage } from '../lambdas/core/drain/ports.js';
import { REENQUEUE_AT_RECEIVE_COUNT } from '../lambdas/core/outcome/message-outcomes.js';
import type { NotificationParser } from '../lambdas/core/drain/drain-deps.js';

/** How long entries stay hidden while the search runs (released right after). */
const SEARCH_VISIBILITY_SECONDS = 60;
const MAX_SCANNED = 10_000;
/** A short poll asks only some SQS servers and may miss the entries of a small queue. */
const WAIT_SECONDS = 1;

/** Deletes every visible queue entry of `messageId`; returns how many there were. */
export async function deleteQueueEntries(queue: MailQueue, parse: NotificationParser, messageId: string): Promise<number> {
  return scanQueue(queue, parse, messageId, true);
}

/** How many visible queue entries `messageId` has; every entry stays on the queue, visible again. */
export async function countQueueEntries(queue: MailQueue, parse: NotificationParser, messageId: string): Promise<number> {
  return scanQueue(queue, parse, messageId, false);
}

async function scanQueue(queue: MailQueue, parse: NotificationParser, messageId: string, remove: boolean): Promise<number> {
  const release: QueuedMessage[] = [];
  let matched = 0;
  try {
    for (let scanned = 0; scanned < MAX_SCANNED; ) {
      const batch = await queue.receive(10, WAIT_SECONDS, SEARCH_VISIBILITY_SECONDS);
      if (batch.length === 0) break;
      scanned += batch.length;
      for (const entry of batch) {
        const match = idOf(parse, entry.body) === messageId;
        if (match) matched += 1;
        if (match && remove) await queue.delete(entry.handle);
        else release.push(entry);
      }
    }
  } finally {
    for (const entry of release) {
      // Near SQS's redrive count, a release would let SQS move it to the DLQ with no record: a fresh copy instead.
      if (entry.receiveCount >= REENQUEUE_AT_RECEIVE_COUNT) await queue.enqueue(entry.body).then(() => queue.delete(entry.handle)).catch(() => undefined);
      else await queue.defer(entry.handle, 0).catch(() => undefined);
    }
  }
  return matched;
}

function idOf(parse: NotificationParser, body: string): string | undefined {
  try {
    return parse(body).messageId;
  } catch {
    return undefined;
  }
}
