// What delete, requeue and forward say about each message they acted on:
// built here once, printed by the CLI verbs (commands/delete.ts, requeue.ts,
// forward.ts) and shown as the console's result (console/pages/message-actions.ts).
import { userInfo } from 'node:os';
import type { DeadLetterRecord } from '../lambdas/core/model.js';
import type { Deleted } from '../lambdas/core/operator/delete-message.js';
import type { MessageDetail } from '../lambdas/core/operator/message-details.js';
import type { RecordRemoval } from '../lambdas/core/operator/record-removal.js';
import type { RequeueRefusal, RequeueReport, RequeueResult } from '../lambdas/core/operator/requeue-dead-letters.js';
import type { CliIo } from './cli-io.js';
import { printCopyCleanup } from './dead-letter-cleanup.js';
import { formatAgo } from './format.js';
import type { Target } from './target.js';

/** The user running the CLI (or the console), for a forward's record; "an operator" when the system cannot say. */
export function operatorName(): string {
  try {
    return userInfo().username || 'an operator';
  } catch {
    return 'an operator';
  }
}

/** A forward sent whose history record could not be written: a warning, never a failure (a retry would send it twice). */
export const notRecordedLine = (why: string): string => `warning: the forward was sent, but \`show\` will not list it: its record could not be written (${why})`;

/** "message <id> (route main) forwarded to <to> …" */
export function forwardedLine(target: Pick<Target, 'kind'>, detail: Pick<MessageDetail, 'id' | 'route'>, done: { to: string; originalBytes: number }): string {
  return (
    `message ${detail.id} (route ${detail.route}) forwarded to <${done.to}>${target.kind === 'local' ? ' (into the local outbox: a local run sends no mail)' : ' through SES'}: ` +
    `the original (${done.originalBytes} bytes) attached unchanged; it stays queued for its primary`
  );
}

/** "<id>: deleted from route main: raw message, index, ledger" (and what a drain did meanwhile). */
export function deletedLine(detail: Pick<MessageDetail, 'id' | 'route'>, done: Deleted): string {
  const parts = [`${detail.id}: deleted from route ${detail.route}`];
  parts.push(done.ledgerPurged ? 'raw message, index, ledger' : 'raw message and index; its recipients stay marked final, so the drain drops its queue entry without delivering');
  const line = parts.join(': ');
  if (done.deadAgain === 0) return line;
  return `${line}; a drain dead-lettered it again while this ran: its new dead-letter record stays (run delete again to remove it)`;
}

/** What one requeued dead letter became. */
export function requeuedLine(result: Exclude<RequeueResult, { refused: RequeueRefusal } | { failed: Error }>): string {
  const id = result.record.messageId;
  if ('allDelivered' in result) return removalLine(result.removal, result.record) ?? `${id}: every recipient was already delivered; dead-letter record removed`;
  const { pending, reset } = result;
  const line = `${id}: requeued on route ${result.route} (${pending} recipient${pending === 1 ? '' : 's'} to deliver${reset ? `, ${reset} reset` : ''})`;
  const changed = removalLine(result.removal, result.record);
  if (changed) return `${line}; ${changed}`;
  const also = result.wasQueued ? '; it may also still have a queue entry: the ledger keeps the two copies from delivering twice' : '';
  return `${line}${also}`;
}

/** What took the record's place when it was not removed (undefined when it was). */
function removalLine(removal: RecordRemoval, record: DeadLetterRecord): string | undefined {
  if (removal.kind === 'removed') return undefined;
  if (removal.kind === 'dead-again') return `a drain of route ${record.route} dead-lettered it again while this ran (${removal.reason}); its new dead-letter record stays`;
  return 'its dead-letter record was already gone (removed by another requeue or delete meanwhile)';
}

/** Why a dead letter was not requeued, and what to do. */
export function refusalText(record: DeadLetterRecord, refusal: RequeueRefusal): string {
  switch (refusal.why) {
    case 'route-not-configured':
      return `its route (${refusal.route ?? 'none'}) is not configured: it cannot be requeued`;
    case 'envelope-unknown':
      return `SES never sent its notification, so its envelope is unknown: read it with \`backup-mx show ${record.messageId}\`, deliver it by hand, then \`backup-mx delete ${record.messageId}\``;
    case 'unparsable':
      return `its notification cannot be parsed (${refusal.detail}): it cannot be requeued`;
    case 'raw-message-gone':
      return `its raw message ${refusal.objectKey} is gone from the bucket: nothing to deliver`;
    case 'live-expired-entry':
      return (
        `it may still have a live entry on the queue of route ${refusal.route}, past the queue lifetime, which the drain will expire: ` +
        'requeue it with --renew-lifetime once `mailq` no longer lists it'
      );
    case 'expired':
      return (
        `it was received ${formatAgo(refusal.receivedAt, refusal.now)}, past the queue lifetime, so the drain would expire it again at once: ` +
        'add --renew-lifetime to give it a fresh lifetime from now'
      );
  }
}

/** The DLQ copies removed, and the records a drain wrote again meanwhile. */
export function printRequeueAfter(report: RequeueReport, io: CliIo): void {
  printCopyCleanup(report.copies, io);
  for (const { record, reason } of report.deadAgain) {
    io.out(`${record.messageId}: a drain of route ${record.route} dead-lettered it again since it was requeued (${reason}): see \`mailq --dead\``);
  }
}

/** "-- requeued 3 of 4 dead letters (3 messages); 1 skipped; 0 failed" */
export function bulkRequeuedLine(counts: { requeued: number; skipped: number; failed: number }, records: number, messages: number): string {
  return `-- requeued ${counts.requeued} of ${records} dead letter${records === 1 ? '' : 's'} (${messages} message${messages === 1 ? '' : 's'}); ${counts.skipped} skipped; ${counts.failed} failed`;
}
