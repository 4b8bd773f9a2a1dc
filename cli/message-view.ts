// One queued message as the operator sees it: the index summary joined with
// the ledger, one state per envelope recipient (queued until first tried).
import { recipientViews, type RecipientView } from '../lambdas/core/operator/message-details.js';
import type { MessageSummary } from '../lambdas/core/accept/ports.js';
import type { Target } from './target.js';

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
  recipients: RecipientView[];
}

export async function messageView(target: Target, summary: MessageSummary): Promise<MessageView> {
  const { deps } = target.engine;
  const outcomes = await deps.ledger.outcomes(summary.messageId);
  const view: MessageView = {
    id: summary.messageId,
    route: summary.route,
    state: summary.state,
    receivedAt: summary.receivedAt.toISOString(),
    ageSeconds: Math.round((deps.clock.now().getTime() - summary.receivedAt.getTime()) / 1000),
    sender: summary.sender,
    recipients: recipientViews(summary.recipients, outcomes),
  };
  if (summary.size !== undefined) view.size = summary.size;
  if (summary.subject !== undefined) view.subject = summary.subject;
  return view;
}
