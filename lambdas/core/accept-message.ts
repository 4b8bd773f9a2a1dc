// Indexes a message SES accepted, for `mailq` and `status`. Idempotent (SNS
// may deliver twice) and never on the delivery path: if it fails, the queue
// still holds the message.
import type { NotificationParser } from './engine-types.js';
import type { EnvelopeArchive } from './feature-ports.js';
import { copyOf } from './message-copy.js';
import type { Clock, DeliveryLog, MessageIndex, MessageStore } from './ports.js';

export interface AcceptDeps {
  index: MessageIndex;
  store: MessageStore;
  parse: NotificationParser;
  log: DeliveryLog;
  clock?: Clock;
  /** Keeps the envelope for replay and export, until `retentionSeconds` after arrival (the bucket's retention). */
  archive?: { store: EnvelopeArchive; retentionSeconds: number };
}

export type AcceptResult =
  | { outcome: 'indexed' | 'already-indexed'; messageId: string }
  | { outcome: 'malformed'; reason: string };

export class AcceptMessage {
  constructor(private readonly deps: AcceptDeps) {}

  async accept(route: string, body: string): Promise<AcceptResult> {
    let message;
    try {
      message = this.deps.parse(body);
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? (error as Error).message;
      // The drain dead-letters it; here we only say so.
      this.deps.log.warn('accept: malformed notification', { route, reason });
      return { outcome: 'malformed', reason };
    }
    const size = await this.deps.store.size(message.objectKey);
    // One summary (and archived envelope) per copy: a route split over several receipt rules gets one per rule.
    const copy = copyOf(message);
    const added = await this.deps.index.add({
      messageId: message.messageId,
      route,
      sender: message.sender,
      recipients: message.recipients,
      receivedAt: message.receivedAt,
      state: 'queued',
      copy,
      ...(size !== undefined ? { size } : {}),
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
    });
    const archive = this.deps.archive;
    if (archive) {
      // After the index: an archive failure fails the call, so SNS retries it (both writes are idempotent).
      const expiresAt = new Date(message.receivedAt.getTime() + archive.retentionSeconds * 1000);
      await archive.store.keep({ messageId: message.messageId, route, receivedAt: message.receivedAt, notification: body, copy }, expiresAt);
    }
    this.deps.log.info(added ? 'accepted' : 'accept: already indexed', { route, messageId: message.messageId, size });
    return { outcome: added ? 'indexed' : 'already-indexed', messageId: message.messageId };
  }
}
