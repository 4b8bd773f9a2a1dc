// One queued message as the operator sees it: the index summary joined with
// the ledger (core/operator/operator-reads.ts), one state per envelope
// recipient (queued until first tried), its age counted from `now`.
import type { RecipientView } from '../lambdas/core/operator/message-details.js';
import type { QueuedMessage } from '../lambdas/core/operator/operator-reads.js';
import type { MessageSummary } from '../lambdas/core/accept/ports.js';

export type { RecipientView };

export interface MessageView {
  id: string;
  route: string;
  state: MessageSummary['state'];
  receivedAt: string;
  ageSeconds: number;
  size?: number;
  sender: string;
  subject?: string;
  /** The operator's hold (`hold --message`): the drain leaves it queued until released. */
  held?: { since: string; reason?: string };
  recipients: RecipientView[];
}

export function messageView({ summary, recipients }: QueuedMessage, now: Date): MessageView {
  const view: MessageView = {
    id: summary.messageId,
    route: summary.route,
    state: summary.state,
    receivedAt: summary.receivedAt.toISOString(),
    ageSeconds: Math.round((now.getTime() - summary.receivedAt.getTime()) / 1000),
    sender: summary.sender,
    recipients,
  };
  if (summary.size !== undefined) view.size = summary.size;
  if (summary.subject !== undefined) view.subject = summary.subject;
  if (summary.held) view.held = { since: summary.held.since.toISOString(), ...(summary.held.reason ? { reason: summary.held.reason } : {}) };
  return view;
}
