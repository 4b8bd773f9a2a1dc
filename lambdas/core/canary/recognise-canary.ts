// Tells our canary from any other message. A canary is a notification whose
// every envelope recipient is the canary address and whose Subject carries a
// MAC made with the stack's key (canary-token.ts). Both must hold: the MAC
// cannot be forged without the key, and a real recipient can never be part of
// a message that is dropped, so even a replayed canary Subject on real mail
// (or a copy of a canary sent to real recipients too) is delivered like any
// mail. SES gives each receipt rule its own notification, so mail sent to the
// canary address and to real recipients at once arrives as two copies: the
// canary rule's (dropped, when signed) and the route's (delivered).
import type { DrainSummary } from '../drain/drain-summary.js';
import type { InboundMessage, Route } from '../model.js';
import type { DeliveryLog } from '../runtime/ports.js';
import type { MailQueue, QueuedMessage } from '../drain/ports.js';
import type { CanaryAddress, CanaryKeys } from './canary-ports.js';
import { looksLikeCanarySubject, verifyCanarySubject } from './canary-token.js';

export class CanaryRecogniser {
  constructor(
    private readonly keys: Pick<CanaryKeys, 'get'>,
    readonly canary: CanaryAddress,
  ) {}

  /** True when every recipient is the canary address (SES compares addresses case-insensitively). */
  addressedToCanary(message: Pick<InboundMessage, 'recipients'>): boolean {
    const address = this.canary.address.toLowerCase();
    return message.recipients.length > 0 && message.recipients.every((r) => r.toLowerCase() === address);
  }

  /**
   * When the canary was sent, if `message` is one of ours; undefined for any
   * other message, a forged or replayed-onto-real-mail one included. Reads the
   * key only for a message that could be a canary (rejects when that read fails).
   */
  async sentAt(message: Pick<InboundMessage, 'recipients' | 'subject'>): Promise<Date | undefined> {
    if (!this.addressedToCanary(message) || !looksLikeCanarySubject(message.subject)) return undefined;
    const key = await this.keys.get();
    return key === undefined ? undefined : verifyCanarySubject(key, this.canary.address, message.subject);
  }
}

/**
 * The drain's and the sweep's step right after parsing a queued message: a
 * canary leaves the queue here, before any ledger read, delivery, notice or
 * expiry (it must never reach the primary nor earn a DSN). True when it did.
 */
export async function dropIfCanary(
  deps: { canary?: CanaryRecogniser; log: DeliveryLog },
  route: Route,
  queue: MailQueue,
  qm: QueuedMessage,
  message: InboundMessage,
  summary: DrainSummary,
): Promise<boolean> {
  if (!deps.canary || !(await deps.canary.sentAt(message))) return false;
  await queue.delete(qm.handle);
  summary.canaries = (summary.canaries ?? 0) + 1;
  deps.log.info('canary dropped before delivery', { route: route.name, messageId: message.messageId });
  return true;
}
