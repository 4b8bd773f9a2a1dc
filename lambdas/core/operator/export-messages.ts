// Emergency read: writes a route's messages, bytes as stored, into a mailbox
// (mbox, Maildir) that any mail client opens, for the people whose primary is
// down. Queued messages come from the index; "all" adds what was delivered,
// from the envelope archive (kept as long as the raw objects). Replays share
// their original's object and are not written twice.
import type { EnvelopeArchive } from '../accept/ports.js';
import type { MailboxWriter } from './ports.js';
import type { Route } from '../model.js';
import type { Clock } from '../runtime/ports.js';
import type { MessageIndex } from '../accept/ports.js';
import type { MessageStore } from '../message/ports.js';
import { MessageMissingError } from '../message/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import { isReplayId } from './replay-messages.js';

export interface ExportDeps {
  archive: EnvelopeArchive;
  index: MessageIndex;
  store: MessageStore;
  parse: NotificationParser;
  clock: Clock;
  /** Where a message's raw object is when its envelope was never archived. */
  objectKeyFor: (route: string, messageId: string) => string;
}

export interface ExportSelection {
  since?: Date;
  state: 'queued' | 'all';
  /** How far back "all" looks without --since: the bucket's retention. */
  retentionSeconds: number;
}

export interface ExportItem {
  messageId: string;
  sender: string;
  receivedAt: Date;
  objectKey: string;
  state: 'queued' | 'done';
}

export interface ExportResult {
  written: number;
  bytes: number;
  /** Listed but gone from the bucket. */
  missing: string[];
}

export class ExportMessages {
  constructor(private readonly deps: ExportDeps) {}

  async select(route: Route, selection: ExportSelection): Promise<ExportItem[]> {
    const now = this.deps.clock.now();
    const since = selection.since ?? new Date(now.getTime() - selection.retentionSeconds * 1000);
    const until = new Date(now.getTime() + 1);
    const queued = (await this.deps.index.listQueued(route.name)).filter((s) => s.receivedAt >= since && !isReplayId(s.messageId));
    const archived = new Map<string, ExportItem>();
    for (const envelope of await this.deps.archive.list(route.name, since, until)) {
      try {
        const m = this.deps.parse(envelope.notification);
        archived.set(m.messageId, { messageId: m.messageId, sender: m.sender, receivedAt: m.receivedAt, objectKey: m.objectKey, state: 'done' });
      } catch {
        // an unreadable archived envelope: the index (queued) or nothing covers it
      }
    }
    const items = new Map<string, ExportItem>();
    for (const s of queued) {
      const key = archived.get(s.messageId)?.objectKey ?? this.deps.objectKeyFor(route.name, s.messageId);
      items.set(s.messageId, { messageId: s.messageId, sender: s.sender, receivedAt: s.receivedAt, objectKey: key, state: 'queued' });
    }
    if (selection.state === 'all') for (const [id, item] of archived) if (!items.has(id)) items.set(id, item);
    return [...items.values()].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  /** Streams each object into the writer, in order; `progress` after each. Closes the writer. */
  async run(items: ExportItem[], writer: MailboxWriter, progress: (done: number, total: number, bytes: number) => void = () => {}): Promise<ExportResult> {
    const result: ExportResult = { written: 0, bytes: 0, missing: [] };
    try {
      for (const [i, item] of items.entries()) {
        let opened;
        try {
          opened = await this.deps.store.open(item.objectKey);
        } catch (error) {
          if (!(error instanceof MessageMissingError)) throw error;
          result.missing.push(item.messageId);
          continue;
        }
        await writer.add({ messageId: item.messageId, sender: item.sender, receivedAt: item.receivedAt }, opened.body);
        result.written += 1;
        result.bytes += opened.size;
        progress(i + 1, items.length, result.bytes);
      }
    } finally {
      await writer.close();
    }
    return result;
  }
}
