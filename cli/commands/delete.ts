// `backup-mx delete <id>`: removes a message for good, after confirmation
// (unless --yes): its recipients are first marked final in the ledger so no
// drain delivers it, then the raw message, the index summary and the
// dead-letter record go, and last its copies on the SQS dead-letter queue (so
// the DLQ alarm clears). Only the records read here go, and only their DLQ
// copies: a drain that dead-letters the message meanwhile keeps its new record
// and the copy that stands for it. The queue is not searched (receiving every visible
// entry would push the whole backlog towards SQS's redrive): a queued
// message's final ledger rows stay, and the drain or sweep drops its entry
// without delivering when it meets it. Locally, the runner's restart spool
// entry goes too, or the next start would restore it.
import { routePrefix } from '../../lambdas/config/mail-layout.js';
import { FINAL_STATES } from '../../lambdas/core/model.js';
import { isReplayId } from '../../lambdas/core/operator/replay-messages.js';
import type { CliIo } from '../cli-io.js';
import { removeDeadLetterCopies, type WantedCopy } from '../dead-letter-cleanup.js';
import { DeadLetterQueue } from '../dead-letter-queue.js';
import { EXIT, UsageError } from '../errors.js';
import { listSome } from '../../local/words.js';
import { formatSender } from '../format.js';
import { purgeLedgerRows } from '../ledger-purge.js';
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
  const copies: WantedCopy[] = [];
  for (const detail of details) {
    const done = await deleteOne(target, detail);
    io.out(done.line);
    copies.push(...done.copies);
  }
  if (target.spool) {
    const forgot = await forgetSpooled(target.spool, id, options.route === undefined ? undefined : details.map((d) => d.route));
    if (forgot === 'removed') io.out(`${id}: removed from the local spool (a restart will not restore it)`);
    if (forgot === 'trimmed') io.out(`${id}: removed from the local spool for route ${options.route}; its other routes stay`);
  }
  // A redriven (poison) copy has no record: look whenever the DLQ is not empty.
  const dead = details.some((d) => d.deadLetter !== undefined) || (await DeadLetterQueue.of(target).depth().catch(() => 1)) > 0;
  if (dead) await removeDeadLetterCopies(target, copies, io);
  return EXIT.ok;
}

/** The DLQ copies of the records removed; with none read, only copies no record stands for (redriven poison). */
const NO_RECORD = new Date(0);

async function deleteOne(target: Target, detail: MessageDetail): Promise<{ line: string; copies: WantedCopy[] }> {
  const { deps, clients } = target.engine;
  const { id } = detail;
  const now = deps.clock.now();
  const recipients = detail.recipients.map((r) => r.address);
  for (const r of detail.recipients) {
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
  if (!isReplayId(id)) await deps.store.remove(detail.objectKey);
  if (!isReplayId(id) && detail.objectKey !== `${routePrefix(detail.route)}${id}`) await deps.store.remove(`${routePrefix(detail.route)}${id}`);
  await deps.index.remove(id, detail.route);
  const route = detail.route !== '' ? { route: detail.route } : {};
  const copies: WantedCopy[] = [];
  let kept = 0;
  for (const record of (await deps.deadLetters.find(id)).filter((r) => (r.route ?? '') === detail.route)) {
    if ((await deps.deadLetters.remove(id, detail.route, record.copy ?? '', record.at)) === 0 && (await deps.deadLetters.get(id, detail.route, record.copy ?? ''))) kept += 1;
    copies.push({ messageId: id, ...route, ...(record.copy ? { copy: record.copy } : {}), writtenUpTo: record.at });
  }
  if (copies.length === 0) copies.push({ messageId: id, ...route, expected: false, writtenUpTo: NO_RECORD });
  const parts = [`${id}: deleted from route ${detail.route}`];
  if (detail.state !== 'queued') {
    await purgeLedgerRows(clients.doc, target.settings.tableName, id, recipients);
    parts.push('raw message, index, ledger');
  } else {
    parts.push('raw message and index; its recipients stay marked final, so the drain drops its queue entry without delivering');
  }
  const line = parts.join(': ');
  if (kept === 0) return { line, copies };
  return { line: `${line}; a drain dead-lettered it again while this ran: its new dead-letter record stays (run delete again to remove it)`, copies };
}
