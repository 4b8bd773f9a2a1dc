// `backup-mx delete <id>`: removes a message for good, after confirmation
// (unless --yes). core/operator/delete-message.ts does it (recipients marked
// final first, then the raw message, index, dead-letter record and ledger,
// last the DLQ copies of only the records read); this shows what will go,
// asks, calls and prints. Locally, the runner's restart spool entry goes
// too, or the next start would restore it. With filters instead of an id
// (--sender-domain, --older-than, ...) it deletes every queued or
// dead-lettered message they select, the same way (core/operator/bulk-actions.ts).
import type { Deleted } from '../../lambdas/core/operator/delete-message.js';
import type { MessageFilter } from '../../lambdas/core/operator/message-filter.js';
import { detailState } from '../../lambdas/core/operator/message-details.js';
import { confirmBulk, countsLine, printSelection, progressEvery, selectionLine } from '../bulk-output.js';
import type { CliIo } from '../cli-io.js';
import { printCopyCleanup } from '../dead-letter-cleanup.js';
import { EXIT, UsageError } from '../errors.js';
import { listSome } from '../../local/words.js';
import { formatSender } from '../format.js';
import { deletedLine } from '../message-action-lines.js';
import { forgetLocally, forgetSpooled } from '../spool-forget.js';
import { routeOf, type Target } from '../target.js';
import { messageDetails } from './show.js';

export interface DeleteOptions {
  yes?: boolean;
  route?: string;
  dryRun?: boolean;
  /** Delete what this selects (message-filter-options.ts), not one id. */
  filter?: MessageFilter;
}

export async function deleteCommand(target: Target, id: string | undefined, options: DeleteOptions, io: CliIo): Promise<number> {
  if (id !== undefined && options.filter) throw new UsageError('give a message id or filters (--sender, --older-than, ...), not both');
  if (options.filter) return deleteSelected(target, options.filter, options, io);
  if (id === undefined) throw new UsageError('give the id of the message to delete, or filters that select messages (see `backup-mx help delete`)');
  return deleteOne(target, id, options, io);
}

async function deleteOne(target: Target, id: string, options: DeleteOptions, io: CliIo): Promise<number> {
  const details = await messageDetails(target, id, options.route);
  for (const d of details) {
    io.out(`${d.id} on route ${d.route} (${detailState(d)}): from ${formatSender(d.sender ?? '?')} to ${listSome(d.recipients.map((r) => r.address))}${d.subject ? `, ${JSON.stringify(d.subject)}` : ''}`);
  }
  if (options.dryRun) {
    io.out('dry run: nothing deleted');
    return EXIT.ok;
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
  const unspooled = await forgetLocally(target, id, options.route === undefined ? undefined : details.map((d) => d.route));
  if (unspooled) io.out(unspooled);
  // A redriven (poison) copy has no record: the use case looks whenever the DLQ is not empty.
  const cleanup = await target.operator.delete.removeCopies(deleted, details.some((d) => d.deadLetter !== undefined));
  if (cleanup) printCopyCleanup(cleanup, io);
  return EXIT.ok;
}

/** Every queued or dead-lettered message the filter selects: listed, asked about, then deleted one by one. */
async function deleteSelected(target: Target, filter: MessageFilter, options: DeleteOptions, io: CliIo): Promise<number> {
  // No --route: every route's, and dead letters that name none (an unknown route).
  const routes = options.route === undefined ? undefined : [routeOf(target, options.route).name];
  const selection = await target.operator.select(filter, { ...(routes ? { routes } : {}), queued: true, dead: true });
  const { matched } = selection;
  if (matched.length === 0) {
    io.out(`No message to delete: ${selectionLine(filter, selection, 'queued or dead-lettered message')}`);
    return EXIT.ok; // an empty selection is an answer, not a mistake: `delete --older-than 7d --yes` from cron
  }
  printSelection(matched, target.operator.now(), io);
  io.out(selectionLine(filter, selection, 'queued or dead-lettered message'));
  if (options.dryRun) {
    io.out('dry run: nothing deleted');
    return EXIT.ok;
  }
  // Always asked, as for one id: a delete cannot be undone.
  if (!(await confirmBulk(io, options, 'delete', `Delete these ${matched.length} messages for good? They will not be delivered.`))) {
    io.out('Nothing deleted');
    return EXIT.usage;
  }
  const progress = progressEvery(io, (done, total) => `delete: ${done}/${total}`);
  const report = await target.operator.bulk.delete(matched, (done, total, outcome) => {
    if ('failed' in outcome) io.err(`${outcome.message.id} (route ${outcome.message.route}): not deleted: ${outcome.failed.message}`);
    if ('skipped' in outcome) io.out(`${outcome.message.id} (route ${outcome.message.route}): skipped: ${outcome.skipped}`);
    if ('acted' in outcome && outcome.deleted.deadAgain > 0) io.out(deletedLine(outcome.message, outcome.deleted));
    progress(done, total);
  });
  let unspooled = 0;
  for (const o of report.outcomes) {
    if ('acted' in o && target.spool && (await forgetSpooled(target.spool, o.message.id, [o.message.route])) !== 'absent') unspooled += 1;
  }
  if (unspooled > 0) io.out(`${unspooled} removed from the local spool (a restart will not restore them)`);
  if (report.copies) printCopyCleanup(report.copies, io);
  const count = (key: 'acted' | 'skipped' | 'failed') => report.outcomes.filter((o) => key in o).length;
  io.out(countsLine('deleted', count('acted'), matched.length, count('skipped'), count('failed')));
  return count('failed') > 0 ? EXIT.failed : EXIT.ok;
}

