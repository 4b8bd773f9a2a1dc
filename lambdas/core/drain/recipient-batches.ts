// How one message's recipients are spread over SMTP transactions. A list is
// split so that no transaction can trip the primary's error limit with
// refusals alone (dictionary spam: Postfix answers "421 4.7.0 Error: too many
// errors" after smtpd_hard_error_limit = 20 refused recipients), and the
// recipients a 421 left unanswered after RCPT refusals go again on a new
// session in the same drain: that 421 is about the list, not an outage.
import type { RecipientOutcome, SmtpReply } from '../model.js';
import type { TransactionResult } from './ports.js';

/** Default recipients per transaction: at most Postfix's smtpd_soft_error_limit (10) refusals each. */
export const DEFAULT_RECIPIENTS_PER_TRANSACTION = 10;
/** Extra transactions per message and drain for recipients an error-limit 421 left unanswered. */
export const MAX_ERROR_LIMIT_RETRIES = 10;

/**
 * Transactions one message may take per turn (default): a message with a huge
 * recipient list (a route without a recipient list, 2,000 addresses) takes
 * this many, then goes back to the queue behind the rest, so it cannot spend
 * a drain's whole budget while other mail waits (Postfix's qmgr gives each
 * message a share of a destination's concurrency the same way).
 */
export const DEFAULT_TRANSACTIONS_PER_TURN = 10;

/** How much of a message one turn can take: its whole list's size, and recipients per transaction × transactions per turn. */
export interface TurnSize {
  listSize: number;
  perTurn: number;
}

/**
 * The recipients this turn is for. A message whose whole list fits in one
 * turn is tried whole: its counts can differ for another reason (a requeue
 * keeps a reset recipient's count), which must not split it in two.
 * Otherwise a pass over the message tries each pending recipient once; every
 * recipient tried in a transaction gets one more attempt in the ledger, one
 * never tried in this pass keeps its count. So recipients with fewer attempts
 * than the most-tried pending one are the rest of an unfinished pass (a turn
 * ran out of its share, the drain's time or was stopped): they go first and
 * alone, and those already tried in this pass wait for the next pass and its
 * back-off. When all are level, a new pass tries them all.
 */
export function recipientsThisTurn(pending: string[], previous: Map<string, RecipientOutcome>, turn: TurnSize): string[] {
  if (turn.listSize <= turn.perTurn) return pending;
  const attempts = (r: string) => previous.get(r)?.attempts ?? 0;
  const most = Math.max(0, ...pending.map(attempts));
  const behind = pending.filter((r) => attempts(r) < most);
  return behind.length > 0 ? behind : pending;
}

/** Splits `recipients` into lists of at most `size`, in order. */
export function splitRecipients(recipients: string[], size = DEFAULT_RECIPIENTS_PER_TRANSACTION): string[][] {
  const step = Math.max(1, Math.floor(size));
  const batches: string[][] = [];
  for (let i = 0; i < recipients.length; i += step) batches.push(recipients.slice(i, i + step));
  return batches;
}

/**
 * The recipients of an error-limit result that got no answer of their own:
 * those carrying the session's closing 421 (or no code at all), not a RCPT
 * refusal. Empty unless the transport flagged the result `errorLimit`.
 */
export function unansweredAfterErrorLimit(result: TransactionResult): string[] {
  if (!result.errorLimit) return [];
  return result.replies.filter(({ reply }) => reply.code === undefined || reply.code === 421).map((r) => r.recipient);
}

/** The reply of a recipient whose transaction was never started (the drain's time ran out, or the session failed before). */
export function notStartedReply(why: string): SmtpReply {
  return { text: `not attempted: ${why}`, errorCode: 'ENOTSTARTED' };
}
