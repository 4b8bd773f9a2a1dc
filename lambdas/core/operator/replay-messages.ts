// Replay: delivers again what a route received in a time window, delivered
// mail included (the primary accepted it, then lost its disk). Each message
// becomes a new queue entry of the normal drain, so lease, hold, pacing,
// retries and the bounce policy all apply. The entry carries the original
// envelope (archived at accept: sender, the recipients SES matched, verdicts)
// and points at the same raw object, under its own id `<id>.replay-<generation>`
// so the ledger of the first delivery does not skip it, and a second replay
// of the same window is a new generation. Its queue lifetime starts at the replay.
import type { ArchivedEnvelope, EnvelopeArchive } from '../accept/ports.js';
import { copyOf } from '../message/message-copy.js';
import { FINAL_STATES, type InboundMessage, type Route } from '../model.js';
import type { Clock, DeliveryLog } from '../runtime/ports.js';
import type { Ledger } from '../outcome/ports.js';
import type { MailQueue } from '../drain/ports.js';
import type { MessageIndex } from '../accept/ports.js';
import type { MessageStore } from '../message/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';

const REPLAY_MARK = '.replay-';

/** `<id>.replay-<generation>` → `<id>`; any other id unchanged. */
export function originalMessageId(id: string): string {
  const at = id.indexOf(REPLAY_MARK);
  return at < 0 ? id : id.slice(0, at);
}

export const isReplayId = (id: string) => id.includes(REPLAY_MARK);

export interface ReplayDeps {
  archive: EnvelopeArchive;
  store: MessageStore;
  ledger: Ledger;
  index: MessageIndex;
  queues: (route: Route) => MailQueue;
  parse: NotificationParser;
  clock: Clock;
  log: DeliveryLog;
}

export interface ReplayWindow {
  since: Date;
  until: Date;
  /** Only this envelope recipient (case-insensitive). */
  recipient?: string;
}

export interface ReplayItem {
  messageId: string;
  receivedAt: Date;
  sender: string;
  /** The recipients it goes to again. */
  recipients: string[];
  size: number;
  subject?: string;
  envelope: ArchivedEnvelope;
}

export interface ReplayPlan {
  route: string;
  generation: string;
  items: ReplayItem[];
  /** In the window but not replayable, with why. */
  skipped: { messageId: string; why: string }[];
}

export class ReplayMessages {
  constructor(private readonly deps: ReplayDeps) {}

  /** What a replay of the window would send; changes nothing. */
  async plan(route: Route, window: ReplayWindow): Promise<ReplayPlan> {
    const now = this.deps.clock.now();
    const generation = now.getTime().toString(36);
    const wanted = window.recipient?.toLowerCase();
    const plan: ReplayPlan = { route: route.name, generation, items: [], skipped: [] };
    for (const envelope of await this.deps.archive.list(route.name, window.since, window.until)) {
      if (isReplayId(envelope.messageId)) continue; // replays are not archived; be safe anyway
      let message: InboundMessage;
      try {
        message = this.deps.parse(envelope.notification);
      } catch (error) {
        plan.skipped.push({ messageId: envelope.messageId, why: `archived notification unreadable: ${(error as Error).message}` });
        continue;
      }
      const matching = message.recipients.filter((r) => wanted === undefined || r.toLowerCase() === wanted);
      if (matching.length === 0) continue;
      // Recipients the first delivery has not finished keep their own queue entry: no duplicate.
      const outcomes = await this.deps.ledger.outcomes(message.messageId);
      const recipients = matching.filter((r) => FINAL_STATES.includes(outcomes.get(r)?.state ?? 'queued'));
      if (recipients.length === 0) {
        plan.skipped.push({ messageId: message.messageId, why: 'still queued: its queue entry delivers it' });
        continue;
      }
      const size = await this.deps.store.size(message.objectKey);
      if (size === undefined) {
        plan.skipped.push({ messageId: message.messageId, why: `raw message gone from the bucket (${message.objectKey})` });
        continue;
      }
      plan.items.push({
        messageId: message.messageId,
        receivedAt: message.receivedAt,
        sender: message.sender,
        recipients,
        size,
        ...(message.subject !== undefined ? { subject: message.subject } : {}),
        envelope,
      });
    }
    return plan;
  }

  /** Queues every item of the plan; `progress` after each. Returns the new ids. */
  async run(route: Route, plan: ReplayPlan, progress: (done: number, total: number) => void = () => {}): Promise<string[]> {
    const queue = this.deps.queues(route);
    const ids: string[] = [];
    for (const item of plan.items) {
      const id = `${item.messageId}${REPLAY_MARK}${plan.generation}`;
      const now = this.deps.clock.now();
      const body = replayNotification(item.envelope.notification, id, item.recipients, now, plan.generation);
      const message = this.deps.parse(body); // the drain must read what we enqueue
      // Indexed first, so mailq shows it; then the queue entry the drain delivers.
      await this.deps.index.add({
        messageId: id,
        route: route.name,
        sender: message.sender,
        recipients: message.recipients,
        receivedAt: message.receivedAt,
        size: item.size,
        state: 'queued',
        copy: copyOf(message), // two copies of one message replay under one id
        ...(message.subject !== undefined ? { subject: message.subject } : {}),
      });
      await queue.enqueue(body);
      ids.push(id);
      this.deps.log.info('replay queued', { route: route.name, messageId: id, of: item.messageId, recipients: item.recipients });
      progress(ids.length, plan.items.length);
    }
    return ids;
  }
}

/**
 * The archived notification with the replay's id, recipients and arrival time;
 * everything else (sender, verdicts, object) as SES wrote it. The original id
 * and time are kept under `backupMxReplay` for people reading it.
 */
export function replayNotification(notification: string, id: string, recipients: string[], now: Date, generation: string): string {
  let json = JSON.parse(notification) as Record<string, any>;
  if (json.Type === 'Notification' && typeof json.Message === 'string') json = JSON.parse(json.Message);
  const copy = structuredClone(json);
  const original = { messageId: copy.mail.messageId, timestamp: copy.mail.timestamp, generation };
  copy.mail.messageId = id;
  copy.mail.timestamp = now.toISOString();
  copy.receipt.recipients = recipients;
  delete copy.backupMxCopy; // a re-enqueued entry's bookkeeping: the replay is a new copy of its own
  copy.backupMxReplay = original;
  return JSON.stringify(copy);
}
