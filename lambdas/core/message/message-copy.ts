// One SES message can reach a route's queue more than once: a route whose
// recipient list is split over several receipt rules (100 recipients each)
// gets one notification per rule that matched, under the same message id,
// each listing only the recipients that rule matched. Items kept per message
// and route (dead letter, index summary, archived envelope) are therefore kept
// per copy too, keyed by this digest of the copy's envelope recipients: the
// same for an SNS retry of one copy, different for another rule's copy.
import { createHash } from 'node:crypto';
import type { InboundMessage } from '../model.js';

/** Characters of the digest kept (base64url: 72 bits, no '#', safe in a sort key). */
const COPY_KEY_CHARS = 12;

/** The copy key of a notification whose receipt.recipients are `recipients` (order and repeats ignored). */
export function copyKeyOf(recipients: readonly string[]): string {
  const sorted = [...new Set(recipients)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(sorted.join('\n')).digest('base64url').slice(0, COPY_KEY_CHARS);
}

/**
 * The copy key of a parsed message: of the copy SES delivered, also for an
 * entry the drain re-enqueued for only some of its recipients (copyRecipients),
 * so everything kept per copy (index entry, dead letter, delay warning) stays one.
 */
export function copyOf(message: Pick<InboundMessage, 'recipients' | 'copyRecipients'>): string {
  return copyKeyOf(message.copyRecipients ?? message.recipients);
}
