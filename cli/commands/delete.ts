// `backup-mx delete <id>`: removes a message for good, after confirmation
// (unless --yes). core/operator/delete-message.ts does it (recipients marked
// final first, then the raw message, index, dead-letter record and ledger,
// last the DLQ copies of only the records read); this shows what will go,
// asks, calls and prints. Locally, the runner's restart spool entry goes
// too, or the next start would restore it.
import type { Deleted } from '../../lambdas/core/operator/delete-message.js';
import type { CliIo } from '../cli-io.js';
import { printCopyCleanup } from '../dead-letter-cleanup.js';
import { EXIT, UsageError } from '../errors.js';
import { listSome } from '../../local/words.js';
import { formatSender } from '../format.js';
import { forgetSpooled } from '../spool-forget.js';
import type { Target } from '../target.js';
import { messageDetails, type MessageDetail } from './show.js';

export async function deleteCommand(target: Target, id: string, options: { yes?: boolean; route?: string }, io: CliIo): Promise<number> {
  const details = await messageDetails(target, id, options.route);
  for (const d of details) {
    io.out(`${d.id} on route ${d.route} (${d.state}): from ${formatSender(d.sender ?? '?')} to ${listSome(d.recipients.map((r) => r.address))}${d.subject ? `, ${JSON.stringify(d.subject)}` : ''}`);
  }
  if (!options.yes) {
    if (!io.interactive) throw new UsageError('refusing to delete without confirmation: no terminal to ask; pass --yes');
    const copies = details.length > 1 ? ` (${details.length} routes)` : '';
    if (!(await io.confirm(`Delete message ${id}${copies} for good? It will not be delivered.`))) {
      io.out('Nothing deleted');
      return EXIT.usage;
    }
  }
  const deleted: Deleted[] = [];
  for (const detail of details) {
    const done = await target.operator.delete.delete(detail);
    io.out(deletedLine(detail, done));
    deleted.push(done);
  }
  if (target.spool) {
    const forgot = await forgetSpooled(target.spool, id, options.route === undefined ? undefined : details.map((d) => d.route));
    if (forgot === 'removed') io.out(`${id}: removed from the local spool (a restart will not restore it)`);
    if (forgot === 'trimmed') io.out(`${id}: removed from the local spool for route ${options.route}; its other routes stay`);
  }
  // A redriven (poison) copy has no record: the use case looks whenever the DLQ is not empty.
  const cleanup = await target.operator.delete.removeCopies(deleted, details.some((d) => d.deadLetter !== undefined));
  if (cleanup) printCopyCleanup(cleanup, io);
  return EXIT.ok;
}

function deletedLine(detail: MessageDetail, done: Deleted): string {
  const parts = [`${detail.id}: deleted from route ${detail.route}`];
  parts.push(done.ledgerPurged ? 'raw message, index, ledger' : 'raw message and index; its recipients stay marked final, so the drain drops its queue entry without delivering');
  const line = parts.join(': ');
  if (done.deadAgain === 0) return line;
  return `${line}; a drain dead-lettered it again while this ran: its new dead-letter record stays (run delete again to remove it)`;
}
