// Show: everything known about one message — envelope, key headers, SES
// verdicts, each recipient's state, dead-letter record, delay warning, the
// full attempt history and the operator's forwards. A message matched by two routes is one detail per
// route; the copies of a route split over several receipt rules are one.
import type { MessageIndex, MessageSummary } from '../accept/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import type { AttemptRecord, DeadLetterRecord, InboundMessage, NoticeResult, RecipientOutcome, RecipientState, SmtpReply } from '../model.js';
import type { DeadLetterStore, DelayNotices, Ledger } from '../outcome/ports.js';
import type { ForwardRecord, ForwardRecords } from './forward-records.js';
import { mergeCopies, mergeDeadCopies } from './message-copies.js';
import { originalMessageId } from './replay-messages.js';

/** The key header fields of a stored message and the verdicts SES wrote there. */
export interface StoredHead {
  /** Key fields present in the message, in a fixed order (From, To, Cc, Subject, Date, Message-ID). */
  headers: { name: string; value: string }[];
  /** spam/virus from X-SES-*-Verdict, spf/dkim/dmarc from Authentication-Results. */
  verdicts: Record<string, string>;
}

export interface MessageDetailsDeps {
  index: MessageIndex;
  deadLetters: DeadLetterStore;
  ledger: Ledger;
  delayNotices?: Pick<DelayNotices, 'find'>;
  parse: NotificationParser;
  /** The head of a stored object (its body is never read), or undefined when it is gone. */
  readHead(objectKey: string): Promise<StoredHead | undefined>;
  /** Where SES stores a route's copy of a message (`mail/<route>/<id>`). */
  mailKey(route: string, messageId: string): string;
  /** The operator's forwards of each message (listed with the attempts). */
  forwards: Pick<ForwardRecords, 'list'>;
}

export interface RecipientView {
  address: string;
  state: RecipientState;
  attempts: number;
  updatedAt?: string;
  lastReply?: SmtpReply;
  /** For a bounced or expired recipient: what became of its notice (DSN, suppressed, held, dead letter, discarded). */
  notice?: NoticeResult;
}

export interface MessageDetail {
  id: string;
  route: string;
  /**
   * queued / done from the index; 'dead-letter' when only a dead-letter record
   * knows it. A dead letter whose summary is still indexed reads 'done' (every
   * recipient is final): `deadLetter` is what says it is one (isDeadLetter).
   */
  state: MessageSummary['state'] | 'dead-letter';
  receivedAt?: string;
  size?: number;
  sender?: string;
  subject?: string;
  objectKey: string;
  /** False when the raw message is no longer in the bucket. */
  stored: boolean;
  headers: StoredHead['headers'];
  verdicts: Record<string, string>;
  recipients: RecipientView[];
  deadLetter?: { reason: string; detail: string; at: string };
  /** The one delay warning (RFC 3464 action=delayed) sent to the sender, if any. */
  delayWarning?: { at: string; recipients: string[] };
  attempts: (Omit<AttemptRecord, 'at' | 'messageId'> & { at: string })[];
  /** The operator's forwards of this route's copy, oldest first. */
  forwards: ForwardView[];
}

/** One forward as show lists it. */
export interface ForwardView {
  at: string;
  to: string;
  /** SES's message id, or the local outbox file. */
  sentAs?: string;
  by: string;
}

/** A dead letter, whatever `state` reads: its record, or only a record knows the message. */
export function isDeadLetter(detail: Pick<MessageDetail, 'state' | 'deadLetter'>): boolean {
  return detail.deadLetter !== undefined || detail.state === 'dead-letter';
}

/** The message's state in words for show and the console: "dead letter" for one, else queued / done. */
export function detailState(detail: Pick<MessageDetail, 'state' | 'deadLetter'>): 'queued' | 'done' | 'dead letter' {
  return isDeadLetter(detail) ? 'dead letter' : (detail.state as 'queued' | 'done');
}

/** One state per envelope recipient: the ledger's, queued until first tried. */
export function recipientViews(recipients: string[], outcomes: Map<string, RecipientOutcome>): RecipientView[] {
  return recipients.map((address) => {
    const outcome = outcomes.get(address);
    const view: RecipientView = { address, state: outcome?.state ?? 'queued', attempts: outcome?.attempts ?? 0 };
    if (outcome) view.updatedAt = outcome.updatedAt.toISOString();
    if (outcome?.reply) view.lastReply = outcome.reply;
    if (outcome?.noticeResult) view.notice = outcome.noticeResult;
    return view;
  });
}

export class MessageDetails {
  constructor(private readonly deps: MessageDetailsDeps) {}

  /** Every route's copy of the message (or only `route`'s); [] when nothing knows it. */
  async show(id: string, route?: string): Promise<MessageDetail[]> {
    const { deps } = this;
    const onRoute = <T extends { route?: string }>(list: T[]) => list.filter((x) => route === undefined || x.route === route);
    const [summaries, deads] = await Promise.all([deps.index.find(id).then(onRoute), deps.deadLetters.find(id).then(onRoute)]);
    const routes = [...new Set([...summaries.map((s) => s.route), ...deads.map((d) => d.route ?? '')])];
    if (routes.length === 0) return [];
    const [outcomes, attempts, forwards] = await Promise.all([deps.ledger.outcomes(id), deps.ledger.attempts(id), deps.forwards.list(id)]);
    return Promise.all(routes.map((name) => this.onRoute(id, name, summaries, deads, outcomes, attempts, forwards.filter((f) => f.route === name))));
  }

  private async onRoute(id: string, name: string, summaries: MessageSummary[], deads: DeadLetterRecord[], outcomes: Map<string, RecipientOutcome>, attempts: AttemptRecord[], forwards: ForwardRecord[]): Promise<MessageDetail> {
    const { deps } = this;
    // Every copy of the message on the route (split receipt rules) counts: one detail with all their recipients.
    const summary = mergeCopies(summaries.filter((s) => s.route === name))[0];
    const routeDeads = deads.filter((d) => (d.route ?? '') === name);
    const dead = mergeDeadCopies(routeDeads);
    const notified = this.parseQuietly(dead);
    const deadRecipients = routeDeads.flatMap((d) => this.parseQuietly(d)?.recipients ?? []);
    const recipients = [...new Set([...(summary?.recipients ?? []), ...deadRecipients])];
    // A replay shares the raw object of the message it replays.
    const objectKey = dead?.objectKey ?? notified?.objectKey ?? objectKeyNamedIn(dead) ?? deps.mailKey(name, originalMessageId(id));
    const head = await deps.readHead(objectKey);
    const detail: MessageDetail = {
      id,
      route: name,
      state: summary?.state ?? 'dead-letter',
      objectKey,
      stored: head !== undefined,
      headers: head?.headers ?? [],
      // The notification's verdicts are SES's own; the stored headers are the fallback.
      verdicts: notified ? { ...notified.verdicts } : (head?.verdicts ?? {}),
      recipients: recipientViews(recipients, outcomes),
      attempts: attempts
        .filter((a) => recipients.length === 0 || recipients.includes(a.recipient))
        .map(({ messageId: _id, at, ...rest }) => ({ ...rest, at: at.toISOString() })),
      forwards: forwards.map((f) => ({ at: f.at.toISOString(), to: f.to, by: f.by, ...(f.sentAs !== undefined ? { sentAs: f.sentAs } : {}) })),
    };
    const receivedAt = summary?.receivedAt ?? notified?.receivedAt;
    if (receivedAt) detail.receivedAt = receivedAt.toISOString();
    const sender = summary?.sender ?? notified?.sender;
    if (sender !== undefined) detail.sender = sender;
    if (summary?.size !== undefined) detail.size = summary.size;
    const subject = summary?.subject ?? notified?.subject;
    if (subject !== undefined) detail.subject = subject;
    if (dead) detail.deadLetter = { reason: dead.reason, detail: dead.detail, at: dead.at.toISOString() };
    // One warning per copy of a split message: shown as one, from the first, for all their recipients.
    const warned = ((await deps.delayNotices?.find(id, name)) ?? []).sort((a, b) => a.at.getTime() - b.at.getTime());
    if (warned.length > 0) detail.delayWarning = { at: warned[0]!.at.toISOString(), recipients: [...new Set(warned.flatMap((w) => w.recipients))] };
    return detail;
  }

  private parseQuietly(dead: DeadLetterRecord | undefined): InboundMessage | undefined {
    if (!dead) return undefined;
    try {
      return this.deps.parse(dead.notification);
    } catch {
      return undefined;
    }
  }
}

/**
 * The stored object a notification names, read without the parser: a
 * notification it refused (an envelope address outside the grammar) is
 * dead-lettered under a made-up id, and this finds its raw message for `--raw`.
 */
function objectKeyNamedIn(dead: DeadLetterRecord | undefined): string | undefined {
  if (!dead) return undefined;
  try {
    let json = JSON.parse(dead.notification) as { Type?: unknown; Message?: unknown; receipt?: { action?: { objectKey?: unknown } } };
    if (json.Type === 'Notification' && typeof json.Message === 'string') json = JSON.parse(json.Message) as typeof json;
    const key = json.receipt?.action?.objectKey;
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    return undefined;
  }
}
