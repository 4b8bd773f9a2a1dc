// `backup-mx requeue <id>` / `--all-dead`: puts dead-lettered messages back in
// their route's queue (core/operator/requeue-dead-letters.ts does it, with
// the guards against a running drain); this parses, calls and prints.
import type { DeadLetterRecord } from '../../lambdas/core/model.js';
import type { RecordRemoval } from '../../lambdas/core/operator/record-removal.js';
import type { RequeueRefusal, RequeueResult } from '../../lambdas/core/operator/requeue-dead-letters.js';
import type { CliIo } from '../cli-io.js';
import { printCopyCleanup } from '../dead-letter-cleanup.js';
import { CliError, EXIT, UnknownMessageError, UsageError } from '../errors.js';
import { formatAgo } from '../format.js';
import { routeOf, routesOf, type Target } from '../target.js';

export interface RequeueOptions {
  allDead?: boolean;
  route?: string;
  /** Give an expired message a fresh queue lifetime (else the drain would expire it again at once). */
  renewLifetime?: boolean;
}

export async function requeueCommand(target: Target, id: string | undefined, options: RequeueOptions, io: CliIo): Promise<number> {
  const records = await deadRecords(target, id, options);
  let failed = 0;
  let deadAgain = 0;
  const report = await target.operator.requeue.run(records, options.renewLifetime ? { renewLifetime: true } : {}, (result) => {
    if ('refused' in result) {
      failed += 1;
      io.err(`${result.record.messageId}: ${refusalText(result.record, result.refused)}`);
      return;
    }
    if (result.removal.kind === 'dead-again') deadAgain += 1;
    io.out(resultLine(result));
  });
  if (records.length === 0) io.out('No dead letters to requeue');
  else io.out(`-- ${records.length - failed} of ${records.length} requeued${deadAgain ? ` (${deadAgain} dead-lettered again by a running drain: see \`mailq --dead\`)` : ''}`);
  printCopyCleanup(report.copies, io);
  for (const { record, reason } of report.deadAgain) {
    io.out(`${record.messageId}: a drain of route ${record.route} dead-lettered it again since it was requeued (${reason}): see \`mailq --dead\``);
  }
  if (records.length === 0) return EXIT.usage; // docs/cli.md: "nothing to requeue" is exit 2
  return failed > 0 ? EXIT.failed : EXIT.ok;
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

function resultLine(result: Exclude<RequeueResult, { refused: RequeueRefusal }>): string {
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

function refusalText(record: DeadLetterRecord, refusal: RequeueRefusal): string {
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
