// A route whose recipients are split over several SES receipt rules gets one
// copy of a message per rule that matched, each with its own index summary and
// dead letter (core/message/message-copy). People look at messages, not copies: the
// operator's views show one entry per message and route, with every copy's recipients.
import type { MessageSummary } from '../accept/ports.js';
import type { DeadLetterRecord } from '../model.js';

/** One summary per message id and route: recipients of every copy, the earliest arrival, queued while any copy is, held while any copy is. */
export function mergeCopies(summaries: MessageSummary[]): MessageSummary[] {
  const merged = new Map<string, MessageSummary>();
  for (const s of summaries) {
    const key = `${s.route}\n${s.messageId}`;
    const seen = merged.get(key);
    if (!seen) {
      const { copy: _copy, ...rest } = s;
      merged.set(key, { ...rest, recipients: [...s.recipients] });
      continue;
    }
    seen.recipients = [...new Set([...seen.recipients, ...s.recipients])];
    if (s.receivedAt < seen.receivedAt) seen.receivedAt = s.receivedAt;
    if (s.state === 'queued') seen.state = 'queued';
    if (s.lastDeliveryAt && (!seen.lastDeliveryAt || s.lastDeliveryAt > seen.lastDeliveryAt)) seen.lastDeliveryAt = s.lastDeliveryAt;
    if (seen.size === undefined && s.size !== undefined) seen.size = s.size;
    if (seen.subject === undefined && s.subject !== undefined) seen.subject = s.subject;
    // Held when any copy is (`hold --message` holds every queued copy; the earliest hold shown).
    if (s.held && (!seen.held || s.held.since < seen.held.since)) seen.held = s.held;
  }
  return [...merged.values()];
}

/** The dead letters of one message on one route as one: the first record, with every copy's detail. */
export function mergeDeadCopies(records: DeadLetterRecord[]): DeadLetterRecord | undefined {
  const [first, ...others] = records;
  if (!first || others.length === 0) return first;
  return { ...first, detail: [first.detail, ...others.map((r) => r.detail)].filter((d, i, all) => all.indexOf(d) === i).join('; ') };
}
