// The drain's path for a queued copy the operator holds (`hold --message`):
// nothing is sent, the entry goes back hidden and is looked at again later.
// Its mark is read with the ledger rows (early-reads.ts holdMark).
import type { EngineDeps, EngineOptions } from './drain-deps.js';
import type { DeliveryContext, DeliveryEnd } from './delivery-context.js';
import type { QueuedMessage } from './ports.js';
import type { InboundMessage } from '../model.js';
import type { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { RetryPolicy } from '../policy/retry-policy.js';
import { warnIfDelayed } from '../outcome/delay-warning.js';

/**
 * A held message's entry comes back this often to look at its mark (sooner
 * when it expires sooner). Each return costs a share of a receive, one
 * ChangeMessageVisibility and one key in the grouped ledger read; a release
 * does not wait for it (it queues a fresh copy: core/operator/hold-messages.ts).
 * Far below the 2 days between the re-enqueue age and SQS's retention, so the
 * entry is always seen in time to be copied afresh.
 */
export const HELD_RECHECK_SECONDS = 3600;

/**
 * Like a deferral with no attempt, the entry goes back hidden for
 * HELD_RECHECK_SECONDS (a fresh copy when SQS retention or the redrive count
 * is near, as every postponed entry gets), untouched. It still expires at the
 * queue lifetime (settleUnsent in deliver-message.ts, before this), as under a
 * route hold, and its sender hears of the delay once.
 */
export async function leaveHeld(
  deps: EngineDeps,
  options: EngineOptions,
  retry: RetryPolicy,
  outcomes: MessageOutcomes,
  ctx: DeliveryContext,
  qm: QueuedMessage,
  message: InboundMessage,
): Promise<DeliveryEnd> {
  const wait = Math.max(1, Math.min(HELD_RECHECK_SECONDS, Math.ceil((retry.expiresAt(message.receivedAt).getTime() - deps.clock.now().getTime()) / 1000)));
  if ((await outcomes.postpone(ctx.queue, qm, wait, { route: ctx.route.name, messageId: message.messageId })) === 'reenqueued') ctx.summary.reenqueued += 1;
  ctx.summary.held = (ctx.summary.held ?? 0) + 1;
  await warnIfDelayed(deps, options, ctx.route, message);
  return { connectionFailed: false };
}
