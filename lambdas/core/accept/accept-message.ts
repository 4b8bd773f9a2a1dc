// Indexes a message SES accepted, for `mailq` and `status`. Idempotent (SNS
// may deliver twice) and never on the delivery path: if it fails, the queue
// still holds the message. The stack's canary is not indexed (it is no mail
// and waits for nobody): its arrival publishes its round-trip time instead,
// and one that arrived in time is recorded for the probe's canary-missing.
import type { NotificationParser } from '../drain/drain-deps.js';
import type { EnvelopeArchive } from './ports.js';
import { copyOf } from '../message/message-copy.js';
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import type { MessageIndex } from './ports.js';
import type { MessageStore } from '../message/ports.js';
import type { CanaryRecogniser } from '../canary/recognise-canary.js';
import { canaryOnTime } from '../canary/canary-timing.js';
import type { CanaryArrivals } from '../problems/problem-ports.js';

export interface AcceptDeps {
  index: MessageIndex;
  store: MessageStore;
  parse: NotificationParser;
  log: DeliveryLog;
  clock?: Clock;
  /** Keeps the envelope for replay and export, until `retentionSeconds` after arrival (the bucket's retention). */
  archive?: { store: EnvelopeArchive; retentionSeconds: number };
  /** Recognises the stack's canary; with it, a canary publishes CanaryRoundTripSeconds to `metrics` and is not indexed. */
  canary?: CanaryRecogniser;
  metrics?: Metrics;
  /** Where an on-time canary's arrival is recorded (the probe reads it). */
  canaryArrivals?: CanaryArrivals;
}

export type AcceptResult =
  | { outcome: 'indexed' | 'already-indexed'; messageId: string }
  | { outcome: 'canary'; messageId: string; roundTripSeconds: number }
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
    const sentAt = await this.deps.canary?.sentAt(message);
    if (sentAt) {
      // Clocks of two functions: a hair of skew must not read as a negative time.
      const now = this.deps.clock?.now() ?? new Date();
      const roundTripSeconds = Math.max(0, (now.getTime() - sentAt.getTime()) / 1000);
      this.deps.metrics?.stackGauge?.('CanaryRoundTripSeconds', roundTripSeconds);
      this.deps.log.info('canary arrived', { route, messageId: message.messageId, roundTripSeconds });
      await this.recordArrival(route, message.messageId, now, roundTripSeconds);
      return { outcome: 'canary', messageId: message.messageId, roundTripSeconds };
    }
    if (this.deps.canary?.addressedToCanary(message)) {
      // Not signed by us: delivered like any mail (the drain does not drop it either).
      this.deps.log.warn('a message to the canary address without a valid canary signature: handled like any mail', { route, messageId: message.messageId, sender: message.sender });
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

  /**
   * A late canary (a slow path, or an old one replayed) is not recorded: the
   * probe's canary-missing stays on. A failed write is an error line, not a
   * failed accept (SNS would deliver the canary again, late by then).
   */
  private async recordArrival(route: string, messageId: string, at: Date, roundTripSeconds: number): Promise<void> {
    const arrivals = this.deps.canaryArrivals;
    if (!arrivals) return;
    if (!canaryOnTime(roundTripSeconds)) {
      this.deps.log.warn('canary arrived late: not counted as arrived', { route, messageId, roundTripSeconds });
      return;
    }
    await arrivals.record({ at, roundTripSeconds }).catch((error: Error) =>
      this.deps.log.error('could not record the canary\'s arrival (the probe reports canary-missing until one is)', { route, messageId, error: error.message }),
    );
  }
}
