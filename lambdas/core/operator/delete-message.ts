// Delete: removes a message for good. Its recipients are first marked final
// in the ledger so no drain delivers it, then the raw message, the index
// summary and the dead-letter record go, and last its copies on the SQS
// dead-letter queue (so the DLQ alarm clears). Only the records read here go,
// and only their DLQ copies: a drain that dead-letters the message meanwhile
// keeps its new record and the copy that stands for it. The queue is not
// searched (receiving every visible entry would push the whole backlog
// towards SQS's redrive): a queued message's final ledger rows stay, and the
// drain or sweep drops its entry without delivering when it meets it.
import type { MessageIndex } from '../accept/ports.js';
import type { MessageStore } from '../message/ports.js';
import { FINAL_STATES, type RecipientState } from '../model.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { Clock } from '../runtime/ports.js';
import { removeDeadLetterCopies, type CopyCleanup, type WantedCopy } from './dead-letter-cleanup.js';
import type { ForwardRecords } from './forward-records.js';
import type { DeadLetterQueue, LedgerPurge } from './mail-ports.js';
import { isReplayId } from './replay-messages.js';

export interface DeleteDeps {
  ledger: Ledger;
  purge: LedgerPurge;
  /** The route copy's forward records go with its ledger rows. */
  forwards: Pick<ForwardRecords, 'remove'>;
  store: MessageStore;
  index: MessageIndex;
  deadLetters: DeadLetterStore;
  deadLetterQueue: DeadLetterQueue;
  clock: Clock;
  /** Where SES stores a route's copy of a message (`mail/<route>/<id>`). */
  mailKey(route: string, messageId: string): string;
}

/** One route's copy of the message as read before the delete (the details `show` gives). */
export interface DeletionSubject {
  id: string;
  route: string;
  state: 'queued' | 'done' | 'dead-letter';
  objectKey: string;
  recipients: { address: string; state: RecipientState; attempts: number }[];
}

export interface Deleted {
  /** False for a queued message: its final ledger rows stay, so the drain drops its entry without delivering. */
  ledgerPurged: boolean;
  /** Dead-letter records a drain wrote again while this ran (they stay). */
  deadAgain: number;
  /** The DLQ copies of the records removed (removeCopies takes them). */
  copies: WantedCopy[];
}

/** With no record read, only copies no record stands for go (redriven poison). */
const NO_RECORD = new Date(0);

export class DeleteMessage {
  constructor(private readonly deps: DeleteDeps) {}

  async delete(subject: DeletionSubject): Promise<Deleted> {
    const { deps } = this;
    const { id } = subject;
    const now = deps.clock.now();
    for (const r of subject.recipients) {
      if (FINAL_STATES.includes(r.state)) continue;
      await deps.ledger.record(id, {
        recipient: r.address,
        state: 'dead-lettered',
        reply: { text: 'deleted by an operator (backup-mx delete)' },
        attempts: r.attempts,
        updatedAt: now,
      });
    }
    // A replay shares the raw object of the message it replays: that one keeps it.
    if (!isReplayId(id)) await deps.store.remove(subject.objectKey);
    const routeKey = deps.mailKey(subject.route, id);
    if (!isReplayId(id) && subject.objectKey !== routeKey) await deps.store.remove(routeKey);
    await deps.index.remove(id, subject.route);
    const route = subject.route !== '' ? { route: subject.route } : {};
    const copies: WantedCopy[] = [];
    let deadAgain = 0;
    for (const record of (await deps.deadLetters.find(id)).filter((r) => (r.route ?? '') === subject.route)) {
      if ((await deps.deadLetters.remove(id, subject.route, record.copy ?? '', record.at)) === 0 && (await deps.deadLetters.get(id, subject.route, record.copy ?? ''))) deadAgain += 1;
      copies.push({ messageId: id, ...route, ...(record.copy ? { copy: record.copy } : {}), writtenUpTo: record.at });
    }
    if (copies.length === 0) copies.push({ messageId: id, ...route, expected: false, writtenUpTo: NO_RECORD });
    if (subject.state === 'queued') return { ledgerPurged: false, deadAgain, copies };
    await deps.purge.purge(id, subject.recipients.map((r) => r.address));
    await deps.forwards.remove(id, subject.route);
    return { ledgerPurged: true, deadAgain, copies };
  }

  /**
   * Removes the DLQ copies of what was deleted. When no record was read the
   * DLQ is looked at only if it holds anything (a redriven poison copy has no
   * record); undefined when it was not looked at.
   */
  async removeCopies(deleted: Deleted[], anyRecordRead: boolean): Promise<CopyCleanup | undefined> {
    const look = anyRecordRead || (await this.deps.deadLetterQueue.depth().catch(() => 1)) > 0;
    if (!look) return undefined;
    return removeDeadLetterCopies(this.deps.deadLetterQueue, deleted.flatMap((d) => d.copies));
  }
}
