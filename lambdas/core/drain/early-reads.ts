// One ledger read per receive instead of one per message: when a receive
// returns, its notifications are parsed and all their recipients' rows asked
// for at once (a grouped ledger sends them in one call), each message's hold
// mark (its index summary's key, `hold --message`) with them in the same call. The early read serves
// only the first delivery of a message id in the run; a later copy may have
// been read before an earlier one's outcomes were stored, so it reads again.
import type { DeliveryContext, Prefetched } from './delivery-context.js';
import type { EngineDeps } from './drain-deps.js';
import type { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { InboundMessage, RecipientOutcome } from '../model.js';
import type { QueuedMessage } from './ports.js';
import type { MessageHold } from '../accept/ports.js';
import { copyOf } from '../message/message-copy.js';

/**
 * Parses a receive's notifications and asks for their ledger rows. Skips what
 * the delivery would not read: entries due for a fresh copy, and notifications
 * that do not parse (the delivery deals with both).
 */
export function prefetchReads(deps: EngineDeps, outcomes: MessageOutcomes, route: string, batch: QueuedMessage[]): [QueuedMessage, Prefetched][] {
  return batch.flatMap((qm): [QueuedMessage, Prefetched][] => {
    if (outcomes.mustReenqueue(qm)) return [];
    let message: InboundMessage;
    try {
      message = deps.parse(qm.body);
    } catch {
      return [];
    }
    const rows = deps.ledger.outcomesFor(message.messageId, message.recipients);
    const held = deps.index.holdOf(message.messageId, route, copyOf(message));
    rows.catch(() => undefined); // a failed early read is read again by the delivery
    held.catch(() => undefined);
    return [[qm, { message, outcomes: rows, held }]];
  });
}

/** The rows of the message's recipients: the early read for the id's first delivery in the run, else a fresh one. */
export async function previousOutcomes(deps: EngineDeps, ctx: DeliveryContext, message: InboundMessage, early?: Promise<Map<string, RecipientOutcome>>): Promise<Map<string, RecipientOutcome>> {
  const first = !ctx.started?.has(message.messageId);
  ctx.started?.add(message.messageId); // before any await: a concurrent copy sees it
  if (early && first) {
    const read = await early.catch(() => undefined);
    if (read) return read;
  }
  return deps.ledger.outcomesFor(message.messageId, message.recipients);
}

/**
 * The copy's hold mark: the early read when it succeeded, else a fresh one
 * (asked in the same turn as the ledger's re-read, so a grouped store sends
 * both in one call). A failed read rejects: the delivery then leaves the
 * message for retry rather than deliver what may be held.
 */
export async function holdMark(deps: EngineDeps, route: string, message: InboundMessage, early?: Promise<MessageHold | undefined>): Promise<MessageHold | undefined> {
  if (early) {
    const read = await early.then((hold) => ({ hold }), () => undefined);
    if (read) return read.hold;
  }
  return deps.index.holdOf(message.messageId, route, copyOf(message));
}
