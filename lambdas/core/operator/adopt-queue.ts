// Brings the mail of a retained queue back into service: after a route was
// renamed or removed, or the stack destroyed and deployed again, the old
// queue still holds SES notifications (queues are RETAINed). Each one is put
// on the route's current queue and only then deleted from the old one; its
// index summary moves to the route so `mailq` and the age alarm see it. A
// copy left behind by a failed delete is harmless: the ledger skips
// recipients already delivered.
import type { NotificationParser } from '../drain/drain-deps.js';
import type { QueueDirectory } from '../sweep/ports.js';
import { queueNameOf } from '../sweep/find-orphaned-queues.js';
import { copyOf } from '../message/message-copy.js';
import type { DeliveryLog } from '../runtime/ports.js';
import type { MailQueue } from '../drain/ports.js';
import type { MessageIndex, MessageSummary } from '../accept/ports.js';
import { ownerOf, STACK_TAG, tagCommand } from '../sweep/queue-owner.js';

/** What adopt checks a queue against before it takes anything from it. */
export interface AdoptGuard {
  /** The route the mail goes to. */
  route: string;
  /** The stack's queues in use, by URL: every route's (with its name) and the dead-letter queue (route undefined). */
  inUse: { url: string; route?: string }[];
  /** The deployed stack's name: the queue must carry it in its STACK_TAG. Absent for the local runner, whose emulator holds its own queues only. */
  stackName?: string;
}

/**
 * Why the queue at `url` may not be adopted, or undefined when it may. A
 * queue in use would hand a route's mail to another route's primary; a queue
 * of another stack (whose name may start like ours) is that stack's mail.
 */
export async function adoptRefusal(queues: QueueDirectory, url: string, guard: AdoptGuard): Promise<string | undefined> {
  const used = guard.inUse.find((q) => queueNameOf(q.url) === queueNameOf(url));
  if (used) {
    if (used.route === guard.route) return `${url} is already the queue of route ${guard.route}`;
    return used.route === undefined
      ? `${url} is the dead-letter queue of this stack, not an old queue: see \`backup-mx mailq --dead\``
      : `${url} is the queue of route ${used.route}, in use: adopting it would send that route's mail to the primary of route ${guard.route}`;
  }
  if (guard.stackName === undefined) return undefined;
  const tags = await queues.tags(url);
  if (tags === undefined) return `there is no queue at ${url} (deleted, or another region or account)`;
  const owner = ownerOf(tags);
  if (owner === guard.stackName) return undefined;
  if (owner !== undefined) return `${url} belongs to stack ${owner} (tag ${STACK_TAG}=${owner}), not to ${guard.stackName}: adopt it there with \`--stack ${owner}\``;
  return (
    `${url} carries no ${STACK_TAG} tag, so nothing says it is a queue of stack ${guard.stackName}. If it is (kept from before the tag existed, README: Upgrading), ` +
    `tag it, then adopt again: ${tagCommand(url, guard.stackName)}`
  );
}

export interface AdoptQueueDeps {
  index: MessageIndex;
  parse: NotificationParser;
  log: DeliveryLog;
}

export interface AdoptSummary {
  moved: number;
  /** Bodies that are not SES notifications: moved too (the drain dead-letters them with a record). */
  unreadable: number;
  reindexed: number;
}

const BATCH = 10;
/** Long enough to enqueue and re-index a batch; a crash leaves them to come back. */
const HIDE_SECONDS = 120;

export class AdoptQueue {
  constructor(private readonly deps: AdoptQueueDeps) {}

  async run(from: MailQueue, to: MailQueue, route: string, onProgress: (s: AdoptSummary) => void = () => {}): Promise<AdoptSummary> {
    const summary: AdoptSummary = { moved: 0, unreadable: 0, reindexed: 0 };
    for (;;) {
      const batch = await from.receive(BATCH, 1, HIDE_SECONDS);
      if (batch.length === 0) break;
      for (const qm of batch) {
        await to.enqueue(qm.body);
        try {
          if (await this.reindex(qm.body, route)) summary.reindexed += 1;
        } catch (error) {
          // The index is for people; the mail is safe in the new queue already.
          if (!(error instanceof UnreadableNotification)) this.deps.log.warn('adopt: could not re-index', { route, error: (error as Error).message });
          else summary.unreadable += 1;
        }
        await from.delete(qm.handle);
        summary.moved += 1;
      }
      onProgress({ ...summary });
    }
    this.deps.log.info('adopted queue', { route, ...summary });
    return summary;
  }

  /** Moves the message's summary to `route` when it was indexed under another one. */
  private async reindex(body: string, route: string): Promise<boolean> {
    let messageId: string;
    let copy: string;
    try {
      const message = this.deps.parse(body);
      messageId = message.messageId;
      copy = copyOf(message);
    } catch {
      throw new UnreadableNotification();
    }
    // Per copy: a route split over several receipt rules has one summary per rule's copy.
    const sameCopy = (s: MessageSummary) => s.copy === undefined || s.copy === copy;
    const summaries = (await this.deps.index.find(messageId)).filter(sameCopy);
    const earlier = summaries.find((s) => s.route !== route && s.state === 'queued');
    if (!earlier || summaries.some((s) => s.route === route)) return false;
    await this.deps.index.add({ ...earlier, route });
    await this.deps.index.remove(messageId, earlier.route, earlier.copy ?? '');
    return true;
  }
}

class UnreadableNotification extends Error {
  constructor() {
    super('not an SES notification');
    this.name = 'UnreadableNotification';
  }
}
