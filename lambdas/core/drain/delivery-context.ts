// What one drain run shares with each message's delivery, and how a delivered
// message is finished (in line, or off the worker's path when the run has a
// FinishQueue).
import type { MessageHold } from '../accept/ports.js';
import type { DrainSummary } from './drain-summary.js';
import type { FinishQueue } from './finish-queue.js';
import type { MessageOutcomes } from '../outcome/message-outcomes.js';
import type { InboundMessage, RecipientOutcome, Route } from '../model.js';
import type { MailQueue, QueuedMessage, SmtpTransport } from './ports.js';

export interface DeliveryContext {
  route: Route;
  /** Epoch ms after which no new transaction starts (the drain's budget). */
  deadline?: number;
  /** Aborted when the drain is told to stop (the runner's stop, a reload): no new transaction starts. */
  signal?: AbortSignal;
  /**
   * The route's hold (a read at most a few seconds old), checked before every
   * transaction. True also when the hold could not be read (maybe held); a
   * rejection counts as held too.
   */
  isHeld?: () => Promise<boolean>;
  queue: MailQueue;
  /** The pooled transport, opened on first use; rejects when the primary cannot be reached. */
  transport: () => Promise<SmtpTransport>;
  summary: DrainSummary;
  /** Message ids being delivered right now in this run (shared by its workers). */
  inFlight?: Set<string>;
  /** Where delivered messages are finished off the worker's path; without it, finished in line. */
  finishing?: FinishQueue;
  /** Parsed notifications and ledger reads made when their receive returned (early-reads.ts). */
  prefetched?: Map<QueuedMessage, Prefetched>;
  /** Message ids whose delivery started in this run: a later copy reads the ledger afresh. */
  started?: Set<string>;
}

/** A received message parsed, and its ledger rows and hold mark asked for, when its receive returned. */
export interface Prefetched {
  message: InboundMessage;
  outcomes: Promise<Map<string, RecipientOutcome>>;
  /** The operator's hold on this copy (`hold --message`), read in the same grouped call as the rows. */
  held: Promise<MessageHold | undefined>;
}

/** How the attempt ended for the route: only a session failure stops the drain. */
export type DeliveryEnd = { connectionFailed: false } | { connectionFailed: true; error: string; /** The primary refused our AUTH credentials. */ authRefused?: boolean };

/** Index done, then the queue entry deleted: off the worker's path when the run has a FinishQueue. */
export async function finishDelivered(outcomes: MessageOutcomes, ctx: DeliveryContext, qm: QueuedMessage, message: InboundMessage, size?: number): Promise<void> {
  if (ctx.finishing) ctx.finishing.add(ctx.route, ctx.queue, qm, message, size);
  else await outcomes.finish(ctx.route, ctx.queue, qm, message, size);
}
