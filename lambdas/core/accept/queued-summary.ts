// The index summary of a message copy waiting on its route's queue: written by
// accept, replay and requeue alike, so `mailq` lists each the same way.
import { copyOf } from '../message/message-copy.js';
import type { InboundMessage } from '../model.js';
import type { MessageSummary } from './ports.js';

/**
 * `message` as the notification says it; `facts` what the caller knows
 * besides: the object's size (when it could be read), and for a replay its
 * own id, for a requeue with a renewed lifetime its new arrival time.
 */
export function queuedSummary(message: InboundMessage, route: string, facts: { size?: number | undefined; messageId?: string; receivedAt?: Date } = {}): MessageSummary {
  return {
    messageId: facts.messageId ?? message.messageId,
    route,
    sender: message.sender,
    recipients: message.recipients,
    receivedAt: facts.receivedAt ?? message.receivedAt,
    state: 'queued',
    // One summary per copy: a route split over several receipt rules gets one per rule.
    copy: copyOf(message),
    ...(facts.size !== undefined ? { size: facts.size } : {}),
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
  };
}
