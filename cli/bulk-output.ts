// What bulk `delete` and `requeue` print around the use case: the messages a
// filter selected (the dry run shows exactly these, and the real run acts on
// exactly these), the question before acting, progress on stderr for long
// runs, and the counts.
import { describeFilter, type MessageFilter } from '../lambdas/core/operator/message-filter.js';
import type { SelectedMessage, Selection } from '../lambdas/core/operator/select-messages.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './errors.js';
import { ageSeconds, formatAge, formatSender, table } from './format.js';

/** A progress line every this many messages (and at the end) when there are more. */
export const PROGRESS_EVERY = 100;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One row per selected message: id, route, state, sender, age, subject. */
export function printSelection(messages: SelectedMessage[], now: Date, io: CliIo): void {
  const rows = messages.map((m) => [
    m.id,
    m.route || '-',
    m.state,
    formatSender(m.sender),
    m.receivedAt ? formatAge(ageSeconds(m.receivedAt, now)) : '?',
    m.subject !== undefined ? JSON.stringify(m.subject) : '',
  ]);
  for (const line of table(['ID', 'ROUTE', 'STATE', 'SENDER', 'AGE', 'SUBJECT'], rows)) io.out(line);
}

/** "3 of 40 queued or dead-lettered messages match sender domain example.org, older than 2h" */
export function selectionLine(filter: MessageFilter, selection: Selection, what: string): string {
  const n = selection.matched.length;
  return `${n} of ${plural(selection.total, what)} match${n === 1 ? 'es' : ''} ${describeFilter(filter)}`;
}

/**
 * Asks before acting unless --yes; refuses without a terminal. Returns false
 * when the answer is no.
 */
export async function confirmBulk(io: CliIo, options: { yes?: boolean }, verb: string, question: string): Promise<boolean> {
  if (options.yes) return true;
  if (!io.interactive) throw new UsageError(`refusing to ${verb} without confirmation: no terminal to ask; pass --yes (or --dry-run to only list them)`);
  return io.confirm(question);
}

/** Calls back every PROGRESS_EVERY messages and at the last, only when there are more than PROGRESS_EVERY. */
export function progressEvery(io: CliIo, label: (done: number, total: number) => string): (done: number, total: number) => void {
  return (done, total) => {
    if (total <= PROGRESS_EVERY) return;
    if (done % PROGRESS_EVERY === 0 || done === total) io.err(label(done, total));
  };
}

/** "-- deleted 3 of 4 messages; 1 skipped; 0 failed" */
export function countsLine(verb: string, acted: number, total: number, skipped: number, failed: number, noun = 'message'): string {
  return `-- ${verb} ${acted} of ${plural(total, noun)}; ${skipped} skipped; ${failed} failed`;
}
