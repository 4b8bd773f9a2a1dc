// delete and requeue on a selection (select-messages.ts), through the same
// per-message use cases as `delete <id>` and `requeue <id>`: a failure on one
// message is counted and the rest go on; the DLQ copies are removed once, at
// the end, for every message handled (one scan of the dead-letter queue, not
// one per message).
import type { MessageIndex } from '../accept/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { CopyCleanup } from './dead-letter-cleanup.js';
import type { Deleted, DeleteMessage, DeletionSubject } from './delete-message.js';
import { mergeCopies } from './message-copies.js';
import { recipientViews } from './message-details.js';
import type { RequeueDeadLetters, RequeueReport, RequeueResult } from './requeue-dead-letters.js';
import type { SelectedMessage } from './select-messages.js';

export interface BulkDeps {
  index: Pick<MessageIndex, 'find'>;
  deadLetters: Pick<DeadLetterStore, 'find'>;
  ledger: Pick<Ledger, 'outcomes'>;
  parse: NotificationParser;
  delete: DeleteMessage;
  requeue: RequeueDeadLetters;
}

/** What became of one selected message. */
export type BulkOutcome =
  | { message: SelectedMessage; acted: true; deleted: Deleted }
  /** Not acted on, and not an error: it was finished or removed since it was selected. */
  | { message: SelectedMessage; skipped: string }
  | { message: SelectedMessage; failed: Error };

export interface BulkDeleteReport {
  outcomes: BulkOutcome[];
  /** The DLQ copies of what was deleted (undefined when the DLQ was not looked at: empty and no record read). */
  copies?: CopyCleanup;
}

export type BulkProgress<T> = (done: number, total: number, last: T) => void;

export class BulkActions {
  constructor(private readonly deps: BulkDeps) {}

  /**
   * Deletes each message as `delete <id> --route <route>` does. Its state is
   * read again just before (not taken from the selection, which may be
   * minutes old after a confirmation): a recipient delivered meanwhile stays
   * delivered, and a message finished meanwhile is skipped.
   */
  async delete(messages: SelectedMessage[], progress: BulkProgress<BulkOutcome> = () => {}): Promise<BulkDeleteReport> {
    const outcomes: BulkOutcome[] = [];
    const deleted: Deleted[] = [];
    let recordRead = false;
    for (const message of messages) {
      let outcome: BulkOutcome;
      try {
        const subject = await this.subjectNow(message);
        if (typeof subject === 'string') {
          outcome = { message, skipped: subject };
        } else {
          if (subject.state === 'dead-letter' || message.deadLetters.length > 0) recordRead = true;
          const done = await this.deps.delete.delete(subject);
          deleted.push(done);
          outcome = { message, acted: true, deleted: done };
        }
      } catch (error) {
        outcome = { message, failed: error as Error };
      }
      outcomes.push(outcome);
      progress(outcomes.length, messages.length, outcome);
    }
    const copies = deleted.length > 0 ? await this.deps.delete.removeCopies(deleted, recordRead) : undefined;
    return copies ? { outcomes, copies } : { outcomes };
  }

  /**
   * Requeues the selected messages' dead letters as `requeue <id>` does (one
   * call: refusals and failures are per record, the DLQ is scanned once).
   */
  async requeue(messages: SelectedMessage[], options: { renewLifetime?: boolean }, progress: BulkProgress<RequeueResult> = () => {}): Promise<RequeueReport> {
    const records = messages.flatMap((m) => m.deadLetters);
    let done = 0;
    return this.deps.requeue.run(records, options, (result) => progress(++done, records.length, result));
  }

  /** The message as `show` would give it to `delete`, read now; or why it is no longer there to delete. */
  private async subjectNow(message: SelectedMessage): Promise<DeletionSubject | string> {
    const { deps } = this;
    const { id, route } = message;
    const [summaries, records, outcomes] = await Promise.all([deps.index.find(id), deps.deadLetters.find(id), deps.ledger.outcomes(id)]);
    const summary = mergeCopies(summaries.filter((s) => s.route === route))[0];
    const dead = records.filter((r) => (r.route ?? '') === route);
    if (dead.length === 0 && summary?.state !== 'queued') return summary ? 'finished since it was selected' : 'no longer queued or dead-lettered (removed since it was selected)';
    const deadRecipients = dead.flatMap((r) => {
      try {
        return deps.parse(r.notification).recipients;
      } catch {
        return [];
      }
    });
    const recipients = [...new Set([...(summary?.recipients ?? []), ...message.recipients, ...deadRecipients])];
    return {
      id,
      route,
      state: summary?.state ?? 'dead-letter',
      objectKey: dead[0]?.objectKey ?? message.objectKey,
      recipients: recipientViews(recipients, outcomes),
    };
  }
}
