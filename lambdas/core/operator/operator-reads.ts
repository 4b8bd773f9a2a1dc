// What the operator's commands print beside their actions: the queue with each
// recipient's state (mailq), the dead letters, a route's health and hold
// (status, flush), the message ids a prefix names, a message's stored bytes
// (`show --raw`) and the time. Read through the ports the engine writes, so an
// admin surface reaches no store of its own.
import type { RecipientListStore, StoredRecipientList } from '../recipients/ports.js';
import type { Readable } from 'node:stream';
import type { MessageIndex, MessageSummary } from '../accept/ports.js';
import type { MailQueue } from '../drain/ports.js';
import type { MessageStore } from '../message/ports.js';
import type { DeadLetterRecord, PrimaryHealth, Route } from '../model.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { ProblemScope, ProblemState, ProblemStates } from '../problems/problem-ports.js';
import { withStateBefore, type HealthTransition } from '../probe/health-history.js';
import type { RouteState } from '../probe/ports.js';
import type { Clock } from '../runtime/ports.js';
import type { QueueDepth } from '../sweep/ports.js';
import { recipientViews, type RecipientView } from './message-details.js';
import { mergeCopies } from './message-copies.js';

export type { HealthTransition } from '../probe/health-history.js';

export interface OperatorReadDeps {
  index: Pick<MessageIndex, 'listQueued' | 'find' | 'lastDone'>;
  deadLetters: Pick<DeadLetterStore, 'list' | 'find'>;
  ledger: Pick<Ledger, 'outcomes'>;
  routeState: Pick<RouteState, 'health' | 'hold' | 'healthTransitions'>;
  store: Pick<MessageStore, 'open'>;
  queues: (route: Route) => MailQueue;
  problems: Pick<ProblemStates, 'get'>;
  clock: Clock;
  /** The synced routes' pushed recipient lists (core/recipients), which status shows. */
  recipientLists: Pick<RecipientListStore, 'read'>;
}

/** A queued message as mailq lists it: the index's summary (copies merged) and each envelope recipient's state. */
export interface QueuedMessage {
  summary: MessageSummary;
  recipients: RecipientView[];
}

export interface OperatorReads {
  /** The engine's clock: ages and "since" are counted from it, as the engine counts them. */
  now(): Date;
  /** The index's queued summaries of one route, or of every route. */
  listQueued(route?: string): Promise<MessageSummary[]>;
  /** mailq: the routes' queued messages, one per message (a message's copies merged), oldest first. */
  queuedMessages(routes: string[]): Promise<QueuedMessage[]>;
  /** The dead-letter records of one route, or of every route. */
  deadLetters(route?: string): Promise<DeadLetterRecord[]>;
  /** What the probe last found of the route's primary (undefined: not probed yet). */
  primaryHealth(route: string): Promise<PrimaryHealth | undefined>;
  /**
   * The primary's up/down transitions since `since` (kept about 8 days),
   * ascending; the first is the state the period began in when known (the
   * last transition before `since`, or the health item's own state and
   * since), its `at` then before `since`.
   */
  healthHistory(route: string, since: Date): Promise<HealthTransition[]>;
  /** The operator's hold on the route, if any. */
  routeHold(route: string): Promise<{ since: Date; reason?: string } | undefined>;
  /** When the route last finished a message (status). */
  lastDone(route: string): Promise<Date | undefined>;
  queueDepth(route: Route): Promise<QueueDepth>;
  /** The conditions the probe last recorded for a route or the stack (status); throws when the record cannot be read. */
  problemState(scope: ProblemScope): Promise<ProblemState | undefined>;
  /**
   * The ids `prefix` names, like `git show 1a2b3c`: `[prefix]` when a queued or
   * dead-lettered message has exactly that id, else every such id starting
   * with it (case-insensitive), sorted.
   */
  idsStartingWith(prefix: string): Promise<string[]>;
  /** The stored object, byte for byte (throws MessageMissingError when it is gone). */
  rawMessage(objectKey: string): Promise<Readable>;
  /** The route's pushed recipient list (status): undefined before the first push or seed, or when the route does not sync. */
  recipientList(route: string): Promise<StoredRecipientList | undefined>;
}

export function operatorReads(deps: OperatorReadDeps): OperatorReads {
  return {
    now: () => deps.clock.now(),
    recipientList: (route) => deps.recipientLists.read(route),
    listQueued: (route) => deps.index.listQueued(route),
    queuedMessages: async (routes) => {
      const summaries = mergeCopies((await Promise.all(routes.map((r) => deps.index.listQueued(r)))).flat());
      summaries.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
      return Promise.all(summaries.map(async (summary) => ({ summary, recipients: recipientViews(summary.recipients, await deps.ledger.outcomes(summary.messageId)) })));
    },
    deadLetters: (route) => deps.deadLetters.list(route),
    primaryHealth: (route) => deps.routeState.health(route),
    healthHistory: async (route, since) => {
      const [stored, current] = await Promise.all([deps.routeState.healthTransitions(route, since, deps.clock.now()), deps.routeState.health(route)]);
      return withStateBefore(stored, current, since);
    },
    routeHold: (route) => deps.routeState.hold(route),
    lastDone: (route) => deps.index.lastDone(route),
    queueDepth: (route) => deps.queues(route).depth(),
    problemState: (scope) => deps.problems.get(scope),
    idsStartingWith: (prefix) => idsStartingWith(deps, prefix),
    rawMessage: async (objectKey) => (await deps.store.open(objectKey)).body,
  };
}

async function idsStartingWith(deps: Pick<OperatorReadDeps, 'index' | 'deadLetters'>, prefix: string): Promise<string[]> {
  const [queued, dead] = await Promise.all([deps.index.find(prefix), deps.deadLetters.find(prefix)]);
  if (queued.length > 0 || dead.length > 0) return [prefix];
  const [allQueued, allDead] = await Promise.all([deps.index.listQueued(), deps.deadLetters.list()]);
  const lower = prefix.toLowerCase();
  const ids = new Set([...allQueued.map((m) => m.messageId), ...allDead.map((d) => d.messageId)]);
  return [...ids].filter((id) => id.toLowerCase().startsWith(lower)).sort();
}
