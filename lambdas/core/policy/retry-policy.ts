// When to try a deferred message again, and when to give up: a pure function
// of named settings, clamped like Postfix (minimal_backoff_time,
// maximal_backoff_time, maximal_queue_lifetime).

/** SQS hides a message for at most 12 h (ChangeMessageVisibility). */
export const SQS_MAX_VISIBILITY_SECONDS = 12 * 3600;
/** SQS keeps a message at most 14 days. */
export const SQS_MAX_RETENTION_SECONDS = 14 * 86_400;

export interface RetrySettings {
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  queueLifetimeSeconds: number;
  /** Re-enqueue a copy once a queue entry is this old (default 12 days: 2 days before SQS drops it). */
  reenqueueAfterSeconds?: number;
}

export const DEFAULT_RETRY_SETTINGS: Required<RetrySettings> = {
  minBackoffSeconds: 300,
  maxBackoffSeconds: 3600,
  queueLifetimeSeconds: 5 * 86_400,
  reenqueueAfterSeconds: 12 * 86_400,
};

export class RetryPolicy {
  readonly settings: Required<RetrySettings>;

  constructor(settings: Partial<RetrySettings> = {}) {
    const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
    this.settings = { ...DEFAULT_RETRY_SETTINGS, ...defined };
    const { minBackoffSeconds, maxBackoffSeconds, reenqueueAfterSeconds } = this.settings;
    if (minBackoffSeconds > maxBackoffSeconds) throw new RangeError('minBackoffSeconds must not exceed maxBackoffSeconds');
    if (reenqueueAfterSeconds >= SQS_MAX_RETENTION_SECONDS) throw new RangeError('reenqueueAfterSeconds must be below the 14-day SQS retention');
  }

  /**
   * Seconds to wait after `failedAttempts` failures (1 = the first failure):
   * min, 2×min, 4×min… capped at max and at SQS's 12 h, and never past the
   * message's expiry when `receivedAt` and `now` are given (so an expiring
   * message comes back in time to be expired and reported).
   */
  nextDelaySeconds(failedAttempts: number, receivedAt?: Date, now?: Date): number {
    const { minBackoffSeconds, maxBackoffSeconds } = this.settings;
    const exponent = Math.min(Math.max(failedAttempts, 1) - 1, 30);
    let delay = Math.min(minBackoffSeconds * 2 ** exponent, maxBackoffSeconds, SQS_MAX_VISIBILITY_SECONDS);
    if (receivedAt && now) delay = Math.min(delay, Math.max(0, this.secondsLeft(receivedAt, now)));
    return Math.max(0, Math.floor(delay));
  }

  expiresAt(receivedAt: Date): Date {
    return new Date(receivedAt.getTime() + this.settings.queueLifetimeSeconds * 1000);
  }

  /** True once the message has been queued for the whole lifetime. */
  isExpired(receivedAt: Date, now: Date): boolean {
    return this.secondsLeft(receivedAt, now) <= 0;
  }

  /** True when this queue entry must be copied to a fresh one before SQS retention ends. */
  needsReenqueue(enqueuedAt: Date, now: Date): boolean {
    return now.getTime() - enqueuedAt.getTime() >= this.settings.reenqueueAfterSeconds * 1000;
  }

  private secondsLeft(receivedAt: Date, now: Date): number {
    return (this.expiresAt(receivedAt).getTime() - now.getTime()) / 1000;
  }
}
