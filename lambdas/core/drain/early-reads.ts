// One ledger read per receive instead of one per message: when a receive
// returns, its notifications are parsed and all their recipients' rows asked
// for at once (a grouped ledger sends them in one call). The early read serves
// only the first delivery of a message id in the run; a later copy may have
// been read before an earlier one's outcomes were stored, so it reads again.
import type { DeliveryContext, Prefetched } from './delivery-context.js';
import type { EngineDeps } from './drain-deps.js';
import type { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { InboundMessage, RecipientOutcome } from '../model.js';
import type { QueuedMessage } from './ports.js';

/**
 * Parses a receive's notifications and asks for their ledger rows. Skips what
 * the delivery would not read: entries due for a fresh copy, and notifications
 * that do not parse (the delivery deals with both).
 */
export function prefetchReads(deps: EngineDeps, outcomes: MessageOutcomes, batch: QueuedMessage[]): [QueuedMessage, Prefetched][] {
  return batch.flatMap((qm): [QueuedMessage, Prefetched][] => {
    if (outcomes.mustReenqueue(qm)) return [];
    let message: InboundMessage;
    try {
      message = deps.parse(qm.body);
    } catch {
      return [];
    }
    const rows = deps.ledger.outcomesFor?.(message.messageId, message.recipients);
    rows?.catch(() => undefined); // a failed early read is read again by the delivery
    return [[qm, { message, ...(rows ? { outcomes: rows } : {}) }]];
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
  const { ledger } = deps;
  return ledger.outcomesFor ? ledger.outcomesFor(message.messageId, message.recipients) : ledger.outcomes(message.messageId);
}
