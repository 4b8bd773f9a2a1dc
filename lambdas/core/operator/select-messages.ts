// The messages a filter (message-filter.ts) selects among the queued ones and
// the dead letters: what `mailq`, bulk `delete` / `requeue` and the console's
// queue page act on, one entry per message and route (a route's copies merged,
// as mailq and show count them).
//
// Cost on AWS: the index (one DynamoDB query per route) and the dead-letter
// records (one query per route) are read once; the envelope criteria are
// matched on what they hold. Only a `--verdict` criterion reads more: a queued
// message's verdicts are kept only in the head of its stored object, so each
// queued message that passed the other criteria costs one S3 GetObject (one
// request, $0.0004 per 1,000, and at most the 64 KiB head is read before the
// stream is dropped), read once; a dead letter's verdicts are in its
// notification (no read). Then one ledger query per queued match for its
// recipients' states.
import type { MessageIndex, MessageSummary } from '../accept/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import type { DeadLetterRecord, InboundMessage } from '../model.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { Clock } from '../runtime/ports.js';
import { mergeCopies } from './message-copies.js';
import { recipientViews, type StoredHead } from './message-details.js';
import { matchesEnvelope, matchesVerdicts, type MessageFilter } from './message-filter.js';
import type { QueuedMessage } from './operator-reads.js';
import { originalMessageId } from './replay-messages.js';

export interface SelectDeps {
  index: Pick<MessageIndex, 'listQueued'>;
  deadLetters: Pick<DeadLetterStore, 'list'>;
  ledger: Pick<Ledger, 'outcomes'>;
  parse: NotificationParser;
  /** The head of a stored object (its body is never read), or undefined when it is gone. */
  readHead(objectKey: string): Promise<StoredHead | undefined>;
  mailKey(route: string, messageId: string): string;
  clock: Clock;
}

/** Where to look: these routes (every one, and dead letters with no route, when undefined), their queued messages and/or their dead letters. */
export interface SelectScope {
  routes?: string[];
  queued: boolean;
  dead: boolean;
}

/** One message on one route that the filter selected. */
export interface SelectedMessage {
  id: string;
  route: string;
  /** 'queued' when the index lists it as queued (it may have dead letters too: a partial bounce). */
  state: 'queued' | 'dead-letter';
  receivedAt?: Date;
  /** The envelope sender ('' for <>). */
  sender: string;
  subject?: string;
  recipients: string[];
  objectKey: string;
  /** The index's view with each recipient's state, when queued (what mailq prints). */
  queued?: QueuedMessage;
  /** Its dead-letter records on the route, one per copy ([] when only queued). */
  deadLetters: DeadLetterRecord[];
  /** The verdicts, when a criterion needed them. */
  verdicts?: Record<string, string>;
}

export interface Selection {
  /** Oldest first. */
  matched: SelectedMessage[];
  /** How many messages were looked at (the "M" of "N of M shown"). */
  total: number;
}

/** Head reads in flight at once: a backlog of thousands is read in a steady trickle, not all at once. */
const HEAD_READS_AT_ONCE = 16;

export class SelectMessages {
  constructor(private readonly deps: SelectDeps) {}

  async select(filter: MessageFilter, scope: SelectScope): Promise<Selection> {
    const { deps } = this;
    const now = deps.clock.now();
    const [summaries, records] = await Promise.all([
      scope.queued ? perRoute(scope.routes, (r) => deps.index.listQueued(r)).then(mergeCopies) : Promise.resolve([]),
      scope.dead ? perRoute(scope.routes, (r) => deps.deadLetters.list(r)) : Promise.resolve([]),
    ]);
    const candidates = new Map<string, SelectedMessage>();
    for (const s of summaries) candidates.set(keyOf(s.route, s.messageId), this.fromSummary(s));
    for (const record of records) {
      const key = keyOf(record.route ?? '', record.messageId);
      const known = candidates.get(key);
      if (known) known.deadLetters.push(record);
      else candidates.set(key, this.fromDeadLetter(record));
    }
    const all = [...candidates.values()];
    const envelopeMatches = all.filter((m) => matchesEnvelope(filter, m, now));
    const matched = filter.verdicts.length === 0 ? envelopeMatches : await this.byVerdicts(filter, envelopeMatches);
    matched.sort((a, b) => (a.receivedAt?.getTime() ?? 0) - (b.receivedAt?.getTime() ?? 0));
    await inTurns(
      matched.filter((m) => m.state === 'queued'),
      HEAD_READS_AT_ONCE,
      async (m) => {
        m.queued = { summary: m.queued!.summary, recipients: recipientViews(m.recipients, await deps.ledger.outcomes(m.id)) };
      },
    );
    return { matched, total: all.length };
  }

  private fromSummary(summary: MessageSummary): SelectedMessage {
    const selected: SelectedMessage = {
      id: summary.messageId,
      route: summary.route,
      state: 'queued',
      receivedAt: summary.receivedAt,
      sender: summary.sender,
      recipients: summary.recipients,
      objectKey: this.deps.mailKey(summary.route, originalMessageId(summary.messageId)),
      queued: { summary, recipients: [] },
      deadLetters: [],
    };
    if (summary.subject !== undefined) selected.subject = summary.subject;
    return selected;
  }

  private fromDeadLetter(record: DeadLetterRecord): SelectedMessage {
    const route = record.route ?? '';
    const message = this.parseQuietly(record);
    const selected: SelectedMessage = {
      id: record.messageId,
      route,
      state: 'dead-letter',
      // A notification the parser refused still has its record's time: the age filter uses that.
      receivedAt: message?.receivedAt ?? record.at,
      sender: message?.sender ?? '',
      recipients: message?.recipients ?? [],
      objectKey: record.objectKey ?? message?.objectKey ?? this.deps.mailKey(route, originalMessageId(record.messageId)),
      deadLetters: [record],
    };
    if (message?.subject !== undefined) selected.subject = message.subject;
    if (message) selected.verdicts = { ...message.verdicts };
    return selected;
  }

  /** Keeps the messages whose verdicts match; a queued message's come from its stored head, read once. */
  private async byVerdicts(filter: MessageFilter, messages: SelectedMessage[]): Promise<SelectedMessage[]> {
    await inTurns(
      messages.filter((m) => m.verdicts === undefined),
      HEAD_READS_AT_ONCE,
      async (m) => {
        m.verdicts = (await this.deps.readHead(m.objectKey))?.verdicts ?? {};
      },
    );
    return messages.filter((m) => matchesVerdicts(filter, m.verdicts ?? {}));
  }

  private parseQuietly(record: DeadLetterRecord): InboundMessage | undefined {
    try {
      return this.deps.parse(record.notification);
    } catch {
      return undefined;
    }
  }
}

const keyOf = (route: string, id: string) => `${route}\n${id}`;

/** One read per route, or one for all of them (undefined). */
async function perRoute<T>(routes: string[] | undefined, read: (route?: string) => Promise<T[]>): Promise<T[]> {
  if (routes === undefined) return read();
  return (await Promise.all(routes.map((r) => read(r)))).flat();
}

/** Runs `work` on each item, at most `atOnce` at a time. */
async function inTurns<T>(items: T[], atOnce: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
}
