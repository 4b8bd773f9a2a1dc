// What one drain or sweep run did and why it stopped, and how it is run.

export type StopReason =
  | 'queue-empty'
  | 'time-budget'
  | 'connection-failed'
  | 'primary-down'
  | 'primary-up'
  | 'held'
  /** The route's hold could not be read: treated as held (nothing delivered), the next run reads again. */
  | 'hold-unknown'
  /** The operator set or cleared the route's redirect during the run: the next run delivers to the new destination. */
  | 'redirected'
  | 'lease-held'
  | 'queue-error'
  | 'message-limit'
  /** RunOptions.signal was aborted (the local runner stopping, a flush interrupted). */
  | 'interrupted';

/** What one drain or sweep run did. Recipient counts, except `messages`/`reenqueued`/`released`/`errors`. */
export interface DrainSummary {
  route: string;
  mode: 'deliver' | 'sweep';
  messages: number;
  delivered: number;
  deferred: number;
  bounced: number;
  deadLettered: number;
  expired: number;
  /** Queue entries copied to a fresh one before SQS retention ends. */
  reenqueued: number;
  /** Messages made visible again untouched (sweep end, or after the primary went down). */
  released: number;
  /** Messages left for a later retry because a store, queue or ledger call failed. */
  errors: number;
  /** Sweep: messages left hidden for the sweep's hold (until the next sweep or their due time). */
  kept?: number;
  /** Sweep: index entries marked done because every recipient was final (core/sweep/reconcile-index.ts). */
  reconciled?: number;
  /** Recipients the primary refused with a 5xx (bounced or dead-lettered, or kept deferred when the notice failed). */
  refused?: number;
  /** Messages the operator holds (`hold --message`), left queued untouched; messages, not recipients. */
  held?: number;
  /** Canaries dropped before delivery (core/canary/recognise-canary.ts); messages, not recipients. */
  canaries?: number;
  stoppedBecause: StopReason;
}

export function emptySummary(route: string, mode: DrainSummary['mode']): DrainSummary {
  return { route, mode, messages: 0, delivered: 0, deferred: 0, bounced: 0, deadLettered: 0, expired: 0, reenqueued: 0, released: 0, errors: 0, stoppedBecause: 'queue-empty' };
}

export interface RunOptions {
  /** Who holds the lease (the Lambda request id). */
  owner: string;
  /** Seconds this run may work before it stops taking new messages. */
  budgetSeconds: number;
  /** Aborted: take no new message; those in delivery finish, received ones are made visible again. */
  signal?: AbortSignal;
}
