// One queued message as the operator sees it: the index summary joined with
// the ledger, one state per envelope recipient (queued until first tried).
import type { NoticeResult, RecipientOutcome, RecipientState, SmtpReply } from '../lambdas/core/model.js';
import type { MessageSummary } from '../lambdas/core/accept/ports.js';
import type { Target } from './target.js';

export interface RecipientView {
  address: string;
  state: RecipientState;
  attempts: number;
  updatedAt?: string;
  lastReply?: SmtpReply;
  /** For a bounced or expired recipient: what became of its notice (DSN, suppressed, held, dead letter, discarded). */
  notice?: NoticeResult;
}

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

export function recipientViews(recipients: string[], outcomes: Map<string, RecipientOutcome>): RecipientView[] {
  return recipients.map((address) => {
    const outcome = outcomes.get(address);
    const view: RecipientView = { address, state: outcome?.state ?? 'queued', attempts: outcome?.attempts ?? 0 };
    if (outcome) view.updatedAt = outcome.updatedAt.toISOString();
    if (outcome?.reply) view.lastReply = outcome.reply;
    if (outcome?.noticeResult) view.notice = outcome.noticeResult;
    return view;
  });
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
