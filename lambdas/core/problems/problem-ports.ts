// The records the probe evaluates the conditions from, besides the index, the
// dead letters and the held notices it already counts, and the record of what
// it found. Each is written by the function that knows the fact (the drain,
// its hourly watch, accept) in a partition only that function may write, and
// read by the probe every round. A read that fails is the condition
// `unreadable`, never "fine".
import type { Condition } from './conditions.js';

/** A route's record of its drains (`route#<name>` / `deliveries`), written by the drain at the end of each run that did something. */
export interface DeliveryRecord {
  /** The last run that delivered to at least one recipient. */
  lastDeliveredAt?: Date;
  /** First run of the current streak of failing runs (a session failure, or deferrals and no delivery), each at most FAILING_GAP_SECONDS after the one before. */
  failingSince?: Date;
  lastFailingAt?: Date;
  /** Why the last failing run failed ('connection-failed' or 'all-deferred'). */
  lastFailure?: string;
  /** Recipients the primary refused (5xx) since it last accepted one. */
  refusedSinceDelivery: number;
  lastRefusedAt?: Date;
}

export interface DeliveryRecords {
  /** The route's record, or undefined when no drain has written one yet. */
  get(route: string): Promise<DeliveryRecord | undefined>;
  save(route: string, record: DeliveryRecord): Promise<void>;
}

/** What the hourly watch on old queues found (`stack#watch` / `orphans`); written only when it could vouch for it. */
export interface OrphanWatchRecord {
  at: Date;
  /** Messages in this stack's queues that no route uses. */
  messages: number;
}

export interface OrphanWatchRecords {
  last(): Promise<OrphanWatchRecord | undefined>;
  record(found: OrphanWatchRecord): Promise<void>;
}

/** The last canary that arrived in time (`canary#arrival` / `arrival`), written by accept. */
export interface CanaryArrival {
  at: Date;
  roundTripSeconds: number;
}

export interface CanaryArrivals {
  last(): Promise<CanaryArrival | undefined>;
  record(arrival: CanaryArrival): Promise<void>;
}

/** One condition the probe has seen on since `since`; `announced` once it lasted long enough to be told. */
export interface ConditionState {
  since: Date;
  announced: boolean;
}

/** What the probe found last, per scope: a route, or the stack. */
export interface ProblemState {
  conditions: Partial<Record<Condition, ConditionState>>;
  /** The stack's: when the probe first evaluated it (records that do not exist yet get a grace from here). */
  firstRoundAt?: Date;
}

/** A route's name, or STACK_SCOPE. */
export type ProblemScope = string;
/** The stack's scope (no route name is empty). */
export const STACK_SCOPE = '';

export interface ProblemStates {
  /** The scope's last state, or undefined when the probe has none yet. */
  get(scope: ProblemScope): Promise<ProblemState | undefined>;
  /** Written only when it changed (a condition began, was announced or ended). */
  save(scope: ProblemScope, state: ProblemState): Promise<void>;
}

/** A queue's depth, all messages together (the dead-letter queue: SQS's view, the second signal). */
export interface QueueDepth {
  depth(): Promise<number>;
}
