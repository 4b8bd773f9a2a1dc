// What every stage runs on: the clock, the structured delivery log and the
// metrics. Real ones in adapters, recording fakes in adapters/fakes.

export interface Clock {
  now(): Date;
}

/** One structured line per delivery attempt, with the same keys every time. */
export interface DeliveryLog {
  attempt(entry: {
    messageId: string;
    recipient: string;
    relay: string;
    delaySeconds: number;
    dsn: string;
    status: string;
    reply: string;
    route: string;
  }): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The route figures the probe publishes every round, each only when it was
 * read (the alarms treat a missing figure as breaching: docs/alarms.md).
 * HeldNotices: notices waiting for the operator; DeadLetters: dead-letter
 * records not yet requeued or deleted.
 */
export type GaugeName = 'QueuedMessages' | 'OldestQueuedAgeSeconds' | 'HeldNotices' | 'DeadLetters' | 'RouteProblems';

/** The stack-wide figures (no route dimension). */
export type StackGaugeName = 'OrphanedQueueMessages' | 'CanaryRoundTripSeconds' | 'StackProblems';

/** Counters and timings (EMF in Lambda). */
/**
 * Stack-wide counts: calls the "I'm back" trigger refused; recipient pushes
 * refused (core/recipients/push-endpoint.ts); addresses removed by a stored push.
 */
export type StackCountName = 'TriggerRefused' | 'RecipientPushRefused' | 'RecipientsRemoved';

export interface Metrics {
  count(
    name: 'Delivered' | 'Deferred' | 'Bounced' | 'DeadLettered' | 'Expired' | 'PrimaryUp' | 'NoticesSent' | 'NoticesSuppressed' | 'NoticesHeld',
    value: number,
    route: string,
  ): void;
  delay(seconds: number, route: string): void;
  /** A point-in-time figure of the route's queue, from the message index (the probe, every round). */
  gauge(name: GaugeName, value: number, route: string): void;
  /** Why a drain or sweep run stopped (one count per run, the reason as a dimension). */
  drainStopped(reason: string, route: string): void;
  /**
   * A figure of the whole stack, no route dimension: the hourly watch on queues
   * no route uses; the canary's round trip, in seconds, when it arrives.
   */
  stackGauge(name: StackGaugeName, value: number): void;
  /** A count for the whole stack, no route dimension (calls the trigger or the recipient push refused, addresses a push removed); `detail` rides along in the record, never as a dimension. */
  stackCount(name: StackCountName, value: number, detail?: Record<string, string>): void;
  flush(): Promise<void> | void;
}
