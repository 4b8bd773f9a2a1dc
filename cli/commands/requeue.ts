// `backup-mx requeue <id>` / `--all-dead` / filters: puts dead-lettered
// messages back in their route's queue (core/operator/requeue-dead-letters.ts
// does it, with the guards against a running drain); this parses, calls and
// prints. Filters select among the dead letters (core/operator/select-messages.ts);
// more than one selected is listed and asked about first.
import type { DeadLetterRecord } from '../../lambdas/core/model.js';
import type { MessageFilter } from '../../lambdas/core/operator/message-filter.js';
import { confirmBulk, printSelection, progressEvery, selectionLine } from '../bulk-output.js';
import type { CliIo } from '../cli-io.js';
import { CliError, EXIT, UnknownMessageError, UsageError } from '../errors.js';
import { table } from '../format.js';
import { bulkRequeuedLine, printRequeueAfter, refusalText, requeuedLine } from '../message-action-lines.js';
import { routeOf, routesOf, type Target } from '../target.js';

export interface RequeueOptions {
  allDead?: boolean;
  route?: string;
  /** Give an expired message a fresh queue lifetime (else the drain would expire it again at once). */
  renewLifetime?: boolean;
  /** List what would be requeued; change nothing. */
  dryRun?: boolean;
  yes?: boolean;
  /** Requeue the dead letters this selects (message-filter-options.ts), not one id. */
  filter?: MessageFilter;
}

export async function requeueCommand(target: Target, id: string | undefined, options: RequeueOptions, io: CliIo): Promise<number> {
  if (options.filter) return requeueSelected(target, id, options.filter, options, io);
  const records = await deadRecords(target, id, options);
  if (options.dryRun) {
    for (const line of table(['ID', 'ROUTE', 'REASON', 'DETAIL'], records.map((r) => [r.messageId, r.route ?? '-', r.reason, r.detail]))) io.out(line);
    io.out(`dry run: nothing requeued (${records.length} dead letter${records.length === 1 ? '' : 's'})`);
    return EXIT.ok;
  }
  let failed = 0;
  let deadAgain = 0;
  const report = await target.operator.requeue.run(records, options.renewLifetime ? { renewLifetime: true } : {}, (result) => {
    if ('refused' in result || 'failed' in result) {
      failed += 1;
      io.err(`${result.record.messageId}: ${'refused' in result ? refusalText(result.record, result.refused) : `failed: ${result.failed.message}`}`);
      return;
    }
    if (result.removal.kind === 'dead-again') deadAgain += 1;
    io.out(requeuedLine(result));
  });
  if (records.length === 0) io.out('No dead letters to requeue');
  else io.out(`-- ${records.length - failed} of ${records.length} requeued${deadAgain ? ` (${deadAgain} dead-lettered again by a running drain: see \`mailq --dead\`)` : ''}`);
  printRequeueAfter(report, io);
  if (records.length === 0) return EXIT.usage; // docs/cli.md: "nothing to requeue" is exit 2
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

/**
 * The dead letters the filter selects: listed; asked about when more than
 * one; requeued with a progress line every 100 on stderr; counted. A refusal
 * (expired, raw message gone, ...) is a skip with its reason; an error is a
 * failure (exit 1); neither stops the rest.
 */
async function requeueSelected(target: Target, id: string | undefined, filter: MessageFilter, options: RequeueOptions, io: CliIo): Promise<number> {
  if (id !== undefined) throw new UsageError('give a message id or filters (--sender, --older-than, ...), not both');
  // No --route: every route's, and dead letters that name none (an unknown route).
  const routes = options.route === undefined ? undefined : [routeOf(target, options.route).name];
  const selection = await target.operator.select(filter, { ...(routes ? { routes } : {}), queued: false, dead: true });
  const { matched } = selection;
  if (matched.length === 0) {
    io.out(`No dead letter to requeue: ${selectionLine(filter, selection, 'dead-lettered message')}`);
    return EXIT.ok; // an empty selection is an answer, not a mistake (a scheduled bulk requeue); `requeue <id>` of nothing is still exit 2
  }
  printSelection(matched, target.operator.now(), io);
  io.out(selectionLine(filter, selection, 'dead-lettered message'));
  if (options.dryRun) {
    io.out('dry run: nothing requeued');
    return EXIT.ok;
  }
  if (matched.length > 1 && !(await confirmBulk(io, options, 'requeue', `Requeue these ${matched.length} messages for delivery?`))) {
    io.out('Nothing requeued');
    return EXIT.usage;
  }
  const counts = { requeued: 0, skipped: 0, failed: 0 };
  const progress = progressEvery(io, (done, total) => `requeue: ${done}/${total} dead letters`);
  const report = await target.operator.bulk.requeue(matched, options.renewLifetime ? { renewLifetime: true } : {}, (done, total, result) => {
    if ('refused' in result) {
      counts.skipped += 1;
      io.out(`${result.record.messageId}: skipped: ${refusalText(result.record, result.refused)}`);
    } else if ('failed' in result) {
      counts.failed += 1;
      io.err(`${result.record.messageId}: not requeued: ${result.failed.message}`);
    } else {
      counts.requeued += 1;
      if (result.removal.kind !== 'removed') io.out(requeuedLine(result));
    }
    progress(done, total);
  });
  printRequeueAfter(report, io);
  const records = report.results.length;
  io.out(bulkRequeuedLine(counts, records, matched.length));
  return counts.failed > 0 ? EXIT.failed : EXIT.ok;
}

async function deadRecords(target: Target, id: string | undefined, options: RequeueOptions): Promise<DeadLetterRecord[]> {
  if (options.allDead) {
    if (id !== undefined) throw new UsageError('give a message id or --all-dead, not both');
    return target.operator.requeue.all(routesOf(target, options.route).map((r) => r.name));
  }
  if (id === undefined) throw new UsageError('give the id of a dead-lettered message, or --all-dead');
  if (options.route !== undefined) routeOf(target, options.route);
  const found = await target.operator.requeue.find(id, options.route);
  if ('records' in found) return found.records;
  if ('queued' in found) throw new CliError(`message ${id} is not dead-lettered (it is ${found.queued.state} on route ${found.queued.route}): nothing to requeue`, EXIT.usage);
  throw new UnknownMessageError(id, `among the dead letters of the ${target.label}`);
}
