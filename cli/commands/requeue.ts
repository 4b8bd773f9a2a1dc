// `backup-mx requeue <id>` / `--all-dead`: puts dead-lettered messages back in
// their route's queue. The recipients that were not delivered are reset in the
// ledger so the drain tries them again (delivered ones stay skipped). A fresh
// copy is always enqueued, even when the message may still have a live entry
// (a partial bounce leaves the other recipients queued): the ledger makes two
// copies safe, while trusting the index (which a failed markDone or a late
// accept can leave stale) or searching the queue (receiving every visible
// entry, which pushes the backlog towards SQS's redrive) could lose the
// recipient. The dead-letter record is removed last, so a failure half-way
// leaves it listed as dead, never lost; then its copy on the SQS dead-letter
// queue goes, so the DLQ alarm clears. A drain may take the fresh copy at once
// and dead-letter it again (a virus verdict): the record is removed only while
// it is still the one read (its `at`), and only the DLQ copies of that record
// go, so the drain's new record keeps its copy and the alarm stays up.
import type { DeadLetterRecord, InboundMessage } from '../../lambdas/core/model.js';
import { copyOf } from '../../lambdas/core/message/message-copy.js';
import { FINAL_STATES } from '../../lambdas/core/model.js';
import { RetryPolicy } from '../../lambdas/core/policy/retry-policy.js';
import type { CliIo } from '../cli-io.js';
import { removeDeadLetterCopies } from '../dead-letter-cleanup.js';
import type { CopyKey } from '../dead-letter-queue.js';
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
  const reported = new Set<DeadLetterRecord>();
  const requeued: (CopyKey & { record: DeadLetterRecord })[] = [];
  for (const record of records) {
    try {
      const done = await requeueOne(target, record, options);
      io.out(done.line);
      if (done.deadAgain) {
        deadAgain += 1;
        reported.add(record);
      }
      // The copies of the record read (and older ones it carries), whether or not it was still there to remove.
      requeued.push({ messageId: record.messageId, ...(record.route !== undefined ? { route: record.route } : {}), ...(record.copy ? { copy: record.copy } : {}), writtenUpTo: record.at, record });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      failed += 1;
      io.err(`${record.messageId}: ${error.message}`);
    }
  }
  if (records.length === 0) io.out('No dead letters to requeue');
  else io.out(`-- ${records.length - failed} of ${records.length} requeued${deadAgain ? ` (${deadAgain} dead-lettered again by a running drain: see \`mailq --dead\`)` : ''}`);
  await removeDeadLetterCopies(target, requeued.map(({ record: _r, ...key }) => key), io);
  await reportDeadAgain(target, requeued, reported, io);
  if (records.length === 0) return EXIT.usage; // docs/cli.md: "nothing to requeue" is exit 2
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

async function deadRecords(target: Target, id: string | undefined, options: RequeueOptions): Promise<DeadLetterRecord[]> {
  const { deadLetters, index } = target.engine.deps;
  if (options.allDead) {
    if (id !== undefined) throw new UsageError('give a message id or --all-dead, not both');
    return (await Promise.all(routesOf(target, options.route).map((r) => deadLetters.list(r.name)))).flat();
  }
  if (id === undefined) throw new UsageError('give the id of a dead-lettered message, or --all-dead');
  if (options.route !== undefined) routeOf(target, options.route);
  const found = (await deadLetters.find(id)).filter((r) => options.route === undefined || r.route === options.route);
  if (found.length > 0) return found;
  const queued = await index.get(id, options.route);
  if (queued) throw new CliError(`message ${id} is not dead-lettered (it is ${queued.state} on route ${queued.route}): nothing to requeue`, EXIT.usage);
  throw new UnknownMessageError(id, `among the dead letters of the ${target.label}`);
}

/**
 * A drain may have taken the fresh copy and dead-lettered it again after its
 * record was removed: that new record (and its DLQ copy) stays; say so.
 */
async function reportDeadAgain(target: Target, requeued: { record: DeadLetterRecord }[], reported: Set<DeadLetterRecord>, io: CliIo): Promise<void> {
  for (const { record } of requeued) {
    if (reported.has(record)) continue;
    const now = await target.engine.deps.deadLetters.get(record.messageId, record.route ?? '', record.copy ?? '').catch(() => undefined);
    if (now && now.at.getTime() !== record.at.getTime()) {
      io.out(`${record.messageId}: a drain of route ${record.route} dead-lettered it again since it was requeued (${now.reason}): see \`mailq --dead\``);
    }
  }
}

/** What became of one record: the line to print, and whether a drain dead-lettered the message again meanwhile. */
interface Requeued {
  line: string;
  deadAgain?: boolean;
}

async function requeueOne(target: Target, record: DeadLetterRecord, options: RequeueOptions): Promise<Requeued> {
  const { deps, options: engineOptions } = target.engine;
  const id = record.messageId;
  const route = target.settings.routes.find((r) => r.name === record.route);
  if (!route) throw new CliError(`its route (${record.route ?? 'none'}) is not configured: it cannot be requeued`);
  if (record.reason === 'not-queued') {
    throw new CliError(`SES never sent its notification, so its envelope is unknown: read it with \`backup-mx show ${id}\`, deliver it by hand, then \`backup-mx delete ${id}\``);
  }
  let message: InboundMessage;
  try {
    message = deps.parse(record.notification);
  } catch (error) {
    throw new CliError(`its notification cannot be parsed (${(error as Error).message}): it cannot be requeued`);
  }
  // A route split over several receipt rules has one dead letter per copy: this one is the record's own.
  const copy = copyOf(message);
  const outcomes = await deps.ledger.outcomes(id);
  const pending = message.recipients.filter((r) => outcomes.get(r)?.state !== 'delivered');
  if (pending.length === 0) {
    const changed = await removeRecord(target, record, route.name);
    return changed ?? { line: `${id}: every recipient was already delivered; dead-letter record removed` };
  }
  const size = await deps.store.size(message.objectKey);
  if (size === undefined) throw new CliError(`its raw message ${message.objectKey} is gone from the bucket: nothing to deliver`);

  const now = deps.clock.now();
  let body = record.notification;
  let receivedAt = message.receivedAt;
  const expired = new RetryPolicy(engineOptions).isExpired(message.receivedAt, now);
  if (expired) {
    // A live entry with the old timestamp would expire the reset recipients: the index says whether one may remain.
    if ((await deps.index.get(id, route.name, copy))?.state === 'queued') {
      throw new CliError(
        `it may still have a live entry on the queue of route ${route.name}, past the queue lifetime, which the drain will expire: ` +
          'requeue it with --renew-lifetime once `mailq` no longer lists it',
      );
    }
    if (!options.renewLifetime) {
      throw new CliError(
        `it was received ${formatAgo(message.receivedAt, now)}, past the queue lifetime, so the drain would expire it again at once: ` +
          'add --renew-lifetime to give it a fresh lifetime from now',
      );
    }
    body = withTimestamp(body, now);
    receivedAt = now;
  }

  // Reset what was not delivered, so the drain attempts it again. Before the
  // live-entry check: a drain finishing that entry from now on sees them.
  let reset = 0;
  for (const recipient of message.recipients) {
    const outcome = outcomes.get(recipient);
    if (!outcome || outcome.state === 'delivered' || !FINAL_STATES.includes(outcome.state)) continue;
    await deps.ledger.record(id, { ...outcome, state: 'queued', updatedAt: now });
    reset += 1;
  }
  // The index before the enqueue: a drain may finish the fresh copy at once, and
  // its 'done' must come after this 'queued', or mailq would list it for good.
  const wasQueued = (await deps.index.get(id, route.name, copy))?.state === 'queued';
  if (!wasQueued) {
    await deps.index.remove(id, route.name, copy); // a done summary or tombstone
    await deps.index.add({
      messageId: id,
      route: route.name,
      sender: message.sender,
      recipients: message.recipients,
      receivedAt,
      size,
      state: 'queued',
      copy,
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
    });
  }
  await target.engine.queue(route).enqueue(body);
  const line = `${id}: requeued on route ${route.name} (${pending.length} recipient${pending.length === 1 ? '' : 's'} to deliver${reset ? `, ${reset} reset` : ''})`;
  const changed = await removeRecord(target, record, route.name);
  if (changed) return { ...changed, line: `${line}; ${changed.line}` };
  const also = wasQueued ? '; it may also still have a queue entry: the ledger keeps the two copies from delivering twice' : '';
  return { line: `${line}${also}` };
}

/**
 * Removes the record if it is still the one read; otherwise says what took its
 * place (undefined when it was removed): a drain's new dead letter of the
 * message stays, with its DLQ copy, for the operator to look at again.
 */
async function removeRecord(target: Target, record: DeadLetterRecord, route: string): Promise<Requeued | undefined> {
  const { deadLetters } = target.engine.deps;
  const copy = record.copy ?? '';
  if ((await deadLetters.remove(record.messageId, route, copy, record.at)) > 0) return undefined;
  const now = await deadLetters.get(record.messageId, route, copy);
  if (now) {
    return { line: `a drain of route ${route} dead-lettered it again while this ran (${now.reason}); its new dead-letter record stays`, deadAgain: true };
  }
  return { line: 'its dead-letter record was already gone (removed by another requeue or delete meanwhile)' };
}

/** The notification with mail.timestamp set to `at` (inside an SNS envelope too). */
function withTimestamp(body: string, at: Date): string {
  const outer = JSON.parse(body) as Record<string, any>;
  if (outer.Type === 'Notification' && typeof outer.Message === 'string') {
    return JSON.stringify({ ...outer, Message: withTimestamp(outer.Message, at) });
  }
  outer.mail = { ...outer.mail, timestamp: at.toISOString() };
  return JSON.stringify(outer);
}
