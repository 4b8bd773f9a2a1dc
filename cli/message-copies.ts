// A route whose recipients are split over several SES receipt rules gets one
// copy of a message per rule that matched, each with its own index summary and
// dead letter (core/message/message-copy). People look at messages, not copies: the
// CLI shows one entry per message and route, with every copy's recipients.
import type { DeadLetterRecord } from '../lambdas/core/model.js';
import type { MessageSummary } from '../lambdas/core/accept/ports.js';

/** One summary per message id and route: recipients of every copy, the earliest arrival, queued while any copy is. */
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
  }
  return [...merged.values()];
}

/** The dead letters of one message on one route as one: the first record, with every copy's detail. */
export function mergeDeadCopies(records: DeadLetterRecord[]): DeadLetterRecord | undefined {
  const [first, ...others] = records;
  if (!first || others.length === 0) return first;
  return { ...first, detail: [first.detail, ...others.map((r) => r.detail)].filter((d, i, all) => all.indexOf(d) === i).join('; ') };
}
