// What the drain and sweep use cases need (ports) and how they are tuned.
import type { MessageIndex } from '../accept/ports.js';
import type { CanaryRecogniser } from '../canary/recognise-canary.js';
import type { MessageSealer, MessageStore } from '../message/ports.js';
import type { AcceptedUnrecorded, InboundMessage, Route } from '../model.js';
import type { HeldNotices, NoticeBudget } from '../outcome/notice-ports.js';
import type { BounceMailer, DeadLetterStore, DelayNotices, Ledger } from '../outcome/ports.js';
import type { RetrySettings } from '../policy/retry-policy.js';
import type { RouteState } from '../probe/ports.js';
import type { DeliveryRecords } from '../problems/problem-ports.js';
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import type { MailQueue, SmtpTransportFactory } from './ports.js';

/** Turns a queue body into a message; throws (any error) when it is malformed. */
export type NotificationParser = (body: string) => InboundMessage;

export interface EngineDeps {
  /** The queue of one route (its queueUrl). */
  queues: (route: Route) => MailQueue;
  store: MessageStore;
  ledger: Ledger;
  index: MessageIndex;
  routeState: RouteState;
  deadLetters: DeadLetterStore;
  transports: SmtpTransportFactory;
  bounces: BounceMailer;
  log: DeliveryLog;
  metrics: Metrics;
  clock: Clock;
  parse: NotificationParser;
  /** Delay warnings sent (optional: without it none are sent). */
  delayNotices?: DelayNotices;
  /** Each route's notices per hour (optional: without it no budget applies). */
  noticeBudget?: NoticeBudget;
  /** Notices held for the operator (optional: without it a notice that cannot go now is a dead letter). */
  heldNotices?: HeldNotices;
  /** ARC sealing for routes with `arc`; absent: such routes deliver unsealed (with a warning). */
  sealer?: MessageSealer;
  /**
   * The queue body with its envelope recipients narrowed to `recipients`
   * (possibly none), carrying `accepted` (the recipients the primary took,
   * whose ledger rows are still to write) and the copy's whole recipient list
   * (InboundMessage.copyRecipients, acceptedUnrecorded). Optional: with it, a
   * message whose ledger write keeps failing after the primary accepted some
   * recipients is re-enqueued without them instead of being sent to them again.
   */
  narrow?: (body: string, recipients: string[], accepted: AcceptedUnrecorded[]) => string;
  /** Recognises the stack's canary, which the drain and the sweep drop unread (optional: without it none is). */
  canary?: CanaryRecogniser;
  /** The route's delivery record (core/problems): the drain updates it after each run that did something; the probe reads it. */
  deliveryRecords?: DeliveryRecords;
}

export interface EngineOptions extends Partial<RetrySettings> {
  /** Our host name: Received header, DSN Reporting-MTA and MAILER-DAEMON address. */
  hostname: string;
  /** More Received headers than this → dead-letter 'loop-detected' (default 50). */
  maxReceivedHeaders?: number;
  /** How long the route lease outlives the time budget (default 60): at least the
   *  longest a message already started may still take (the SMTP timeout). */
  leaseMarginSeconds?: number;
  /** Long-poll wait of the drain's receives, seconds (default 1). */
  receiveWaitSeconds?: number;
  /** Messages delivered at once over the pooled transport (default 10). */
  concurrency?: number;
  /** Waits (ms) between tries of the ledger write after a transaction (default 100, 400, 1600). */
  ledgerWriteRetryMs?: number[];
  /** Recipients per SMTP transaction at most (default 10): a long list is split so refusals alone cannot trip the primary's error limit. */
  maxRecipientsPerTransaction?: number;
  /** Transactions one message may take per turn before it goes back behind the queue's other mail (default 10). */
  maxTransactionsPerTurn?: number;
  /** Hide a message this long after its first connection-level failure (default 60),
   *  doubling with each further attempt until the normal backoff is shorter: short at
   *  first, because the probe, not a timer, decides when the primary is back. */
  connectionFailureDelaySeconds?: number;
  /** Largest header block read before giving up looking for its end (default 512 KiB). */
  maxHeadBytes?: number;
  /** Used in our Received header when the stored message names no SES host. */
  sesHost?: string;
  /** Sweep: how long a message it keeps stays hidden (default 900; at least the run's budget + 60 s). */
  sweepVisibilitySeconds?: number;
  /** Sweep: most messages looked at in one run (default 5000; a sweep that stops there starts another). */
  sweepMaxMessages?: number;
  /** Delay warnings after this many seconds on every route, overriding each route's setting (tests). */
  delayWarningSeconds?: number;
  /**
   * Sweep: make what it kept visible again when its pass is complete (default
   * true: a recovering primary drains at once). False leaves every kept message
   * hidden for the hold (fewer receives of a large backlog; slower recovery).
   */
  sweepReleasesAtEnd?: boolean;
  /** Sweep: a route that is up but finished nothing for this long is swept too (default 3600). */
  sweepStallSeconds?: number;
  /** Sweep: receive loops at once, each handling its batch of up to 10 together (default 4). */
  sweepConcurrency?: number;
}
