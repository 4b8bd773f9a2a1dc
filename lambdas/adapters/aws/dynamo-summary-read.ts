// The index's summary items read back as MessageSummary (find, get, the
// queued listings), and the route/copy filter the lookups by message id share.
import type { MessageSummary } from '../../core/accept/ports.js';
import { holdOfItem } from './dynamo-message-hold.js';
import { optionalDate, optionalNumber, optionalString, type Item } from './dynamo-query.js';

/** Whether the summary is the route's (any when undefined) and the copy's (any when undefined; '' is the copy-less older summary). */
export function matches(summary: MessageSummary, route: string | undefined, copy: string | undefined): boolean {
  if (route !== undefined && summary.route !== route) return false;
  return copy === undefined || (summary.copy ?? '') === copy;
}

/** A summary item as the engine sees it; a hold counts only while the copy is queued. */
export function toSummary(item: Item): MessageSummary {
  const summary: MessageSummary = {
    messageId: String(item.messageId),
    route: String(item.route),
    sender: String(item.sender ?? ''),
    recipients: Array.isArray(item.recipients) ? item.recipients.map(String) : [],
    receivedAt: new Date(String(item.receivedAt)),
    state: item.state === 'done' ? 'done' : 'queued',
  };
  const size = optionalNumber(item.size);
  if (size !== undefined) summary.size = size;
  const subject = optionalString(item.subject);
  if (subject !== undefined) summary.subject = subject;
  const lastDeliveryAt = optionalDate(item.lastDeliveryAt);
  if (lastDeliveryAt !== undefined) summary.lastDeliveryAt = lastDeliveryAt;
  const copy = optionalString(item.copy);
  if (copy !== undefined) summary.copy = copy;
  const held = summary.state === 'queued' ? holdOfItem(item) : undefined;
  if (held) summary.held = held;
  return summary;
}
