// The console's bulk actions on the queue page's selection: delete it,
// requeue its dead letters, hold or release its queued messages. The confirmation page is the dry run: it lists
// exactly the messages the filter selects now (the same filter code as the
// list and as `delete` / `requeue` with filters) and its form carries their
// ids. The POST acts only on those ids: the filter is applied again to read
// each message's current records, and whatever it selects that was not
// confirmed (mail that arrived since) is left alone; a confirmed message no
// longer selected is counted as skipped. Then target.operator.bulk, as the CLI.
import { describeFilter } from '../../../lambdas/core/operator/message-filter.js';
import type { SelectedMessage } from '../../../lambdas/core/operator/select-messages.js';
import { countsLine } from '../../bulk-output.js';
import { printCopyCleanup } from '../../dead-letter-cleanup.js';
import { UsageError } from '../../errors.js';
import { ageSeconds, formatAge, formatSender } from '../../format.js';
import { heldMessagesNote, releasedMessagesNote } from '../../held-message-lines.js';
import { bulkRequeuedLine, refusalText } from '../../message-action-lines.js';
import { forgetSpooled } from '../../spool-forget.js';
import type { Target } from '../../target.js';
import { html, type Html } from '../html.js';
import { lineCollector, result, type ActionFields, type ConsoleAction } from './action-fields.js';
import { queueQuery, selectQueue } from './queue.js';
import { SELECTION_MAX } from './selection-max.js';

/** The queue page's filter fields, carried from the list to the confirmation to the POST. */
const FILTER = ['route', 'state', 'sender', 'sender-domain', 'recipient', 'older-than', 'verdict', 'subject'] as const;

/** The filter fields given (an empty box is no criterion). */
const filterOf = (fields: ActionFields): [string, string][] => FILTER.flatMap((f) => (fields[f] !== undefined && fields[f]!.trim() !== '' ? [[f, fields[f]!.trim()] as [string, string]] : []));

type Which = 'delete' | 'requeue' | 'hold' | 'release';

/** The selection as the queue page makes it; requeue looks at dead letters only (as `requeue` with filters). */
async function select(target: Target, fields: ActionFields, which: Which): Promise<SelectedMessage[] & { described: string }> {
  const params = new URLSearchParams(filterOf(fields));
  if (which === 'requeue') params.set('state', 'dead');
  if (which === 'hold' || which === 'release') params.set('state', 'queued');
  const { filter, selection } = await selectQueue(target, queueQuery(params));
  // hold / release act on what `hold` / `release` with the same filters would: not yet held, or held.
  const acting = which === 'hold' ? target.operator.holdMessages.toHold(selection) : which === 'release' ? target.operator.holdMessages.toRelease(selection) : selection.matched;
  return Object.assign(acting, { described: describeFilter(filter) });
}

const key = (route: string, id: string) => `${route}\n${id}`;

/** The confirmed [route, id] pairs from the form; anything else is a refusal (a form of ours never sends it). */
function confirmedIds(fields: ActionFields): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fields.messages ?? '');
  } catch {
    throw new UsageError('messages: not the list the confirmation page carries; open the action from the queue page again');
  }
  const ok = Array.isArray(parsed) && parsed.length <= SELECTION_MAX && parsed.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === 'string'));
  if (!ok) throw new UsageError(`messages: not a list of at most ${SELECTION_MAX} [route, id] pairs; open the action from the queue page again`);
  return parsed as [string, string][];
}

function selectionTable(messages: SelectedMessage[], now: Date): Html {
  return html`<table class="queue confirm-list">
<thead><tr><th>ID</th><th>Route</th><th>State</th><th>Sender</th><th>Age</th><th>Subject</th></tr></thead>
<tbody>
${messages.map(
  (m) => html`<tr data-id="${m.id}"><td class="id">${m.id}</td><td>${m.route || '-'}</td><td>${m.state}</td><td>${formatSender(m.sender)}</td><td class="num">${
    m.receivedAt ? formatAge(ageSeconds(m.receivedAt, now)) : '?'
  }</td><td class="subject">${m.subject ?? ''}</td></tr>
`,
)}</tbody>
</table>`;
}

function bulkAction(which: Which): ConsoleAction {
  return {
    fields: [...FILTER, 'messages'],
    back: '/queue',
    // The ids of up to SELECTION_MAX messages (SES ids are 60 characters), JSON-encoded.
    maxFormBytes: 256 * 1024,
    async confirm(target, fields) {
      const matched = await select(target, fields, which);
      const filter = Object.fromEntries(filterOf(fields));
      const none = { delete: 'message', requeue: 'dead-lettered message', hold: 'queued message that is not held yet', release: 'held message' }[which];
      if (matched.length === 0) throw new UsageError(`nothing to ${which}: the filter selects no ${none} now`);
      if (matched.length > SELECTION_MAX) {
        throw new UsageError(`${matched.length} messages are selected: the console acts on at most ${SELECTION_MAX} at once; narrow the filter, or use \`backup-mx ${which}\` with the same filters`);
      }
      const n = matched.length;
      const records = matched.reduce((sum, m) => sum + m.deadLetters.length, 0);
      const these = n === 1 ? 'this message' : `these ${n} messages`;
      return {
        question: {
          delete: `Delete ${these} for good? ${n === 1 ? 'It' : 'They'} will not be delivered.`,
          requeue: `Requeue the dead letters of ${these} (${records} record${records === 1 ? '' : 's'})?`,
          hold: `Hold ${these}? ${n === 1 ? 'It stays' : 'They stay'} queued, not delivered, while the rest of the route flows.`,
          release: `Release ${these}? ${n === 1 ? 'It is' : 'They are'} queued afresh for the next drain.`,
        }[which],
        details: html`<p class="count">${n} message${n === 1 ? '' : 's'}${fields.route ? ` of route ${fields.route}` : ''}${matched.described ? ` matching ${matched.described}` : ''}: exactly these, and nothing that arrives after this page.</p>${selectionTable(matched, target.operator.now())}`,
        button: `${which[0]!.toUpperCase()}${which.slice(1)} ${n === 1 ? 'it' : `these ${n}`}`,
        fields: { ...filter, messages: JSON.stringify(matched.map((m) => [m.route, m.id])) },
      };
    },
    async run(target, fields) {
      const confirmed = confirmedIds(fields);
      const wanted = new Set(confirmed.map(([route, id]) => key(route, id)));
      const now = (await select(target, fields, which)).filter((m) => wanted.has(key(m.route, m.id)));
      const gone = confirmed.length - now.length;
      if (which === 'hold' || which === 'release') return holdThese(target, which, now, confirmed.length, gone);
      return which === 'delete' ? deleteThese(target, now, confirmed.length, gone) : requeueThese(target, now, gone);
    },
  };
}

async function deleteThese(target: Target, messages: SelectedMessage[], confirmed: number, gone: number) {
  const out = lineCollector();
  const report = await target.operator.bulk.delete(messages);
  let unspooled = 0;
  for (const o of report.outcomes) {
    if ('failed' in o) out.lines.push(`${o.message.id} (route ${o.message.route}): not deleted: ${o.failed.message}`);
    if ('acted' in o && target.spool && (await forgetSpooled(target.spool, o.message.id, [o.message.route])) !== 'absent') unspooled += 1;
  }
  if (unspooled > 0) out.lines.push(`${unspooled} removed from the local spool (a restart will not restore them)`);
  if (report.copies) printCopyCleanup(report.copies, out.io);
  const count = (k: 'acted' | 'skipped' | 'failed') => report.outcomes.filter((o) => k in o).length;
  // Counts first: the line is capped, the details follow.
  return result([countsLine('deleted', count('acted'), confirmed, count('skipped') + gone, count('failed')), ...out.lines], count('failed') === 0);
}

async function requeueThese(target: Target, messages: SelectedMessage[], gone: number) {
  const out = lineCollector();
  const counts = { requeued: 0, skipped: gone, failed: 0 };
  const report = await target.operator.bulk.requeue(messages, {}, (_done, _total, r) => {
    if ('refused' in r) {
      counts.skipped += 1;
      out.lines.push(`${r.record.messageId}: skipped: ${refusalText(r.record, r.refused)}`);
    } else if ('failed' in r) {
      counts.failed += 1;
      out.lines.push(`${r.record.messageId}: not requeued: ${r.failed.message}`);
    } else counts.requeued += 1;
  });
  printCopyCleanup(report.copies, out.io);
  return result([bulkRequeuedLine(counts, report.results.length + gone, messages.length + gone), ...out.lines], counts.failed === 0);
}

async function holdThese(target: Target, which: 'hold' | 'release', messages: SelectedMessage[], confirmed: number, gone: number) {
  const holds = target.operator.holdMessages;
  const outcomes = which === 'hold' ? await holds.hold(messages, undefined) : await holds.release(messages);
  const count = (k: 'acted' | 'skipped' | 'failed') => outcomes.filter((o) => k in o).length;
  const acted = outcomes.flatMap((o) => ('acted' in o ? [o] : []));
  const later = acted.filter((o) => !o.queuedAgain).length;
  const note = acted.length === 0 ? undefined : which === 'hold' ? heldMessagesNote(holds.firstExpiry(messages)) : releasedMessagesNote(acted.length - later, later, false);
  const failures = outcomes.flatMap((o) => ('failed' in o ? [`${o.message.id} (route ${o.message.route}): not ${which === 'hold' ? 'held' : 'released'}: ${o.failed.message}`] : []));
  return result([countsLine(which === 'hold' ? 'held' : 'released', count('acted'), confirmed, count('skipped') + gone, count('failed')), note, ...failures], count('failed') === 0);
}

export const BULK_ACTIONS: [string, ConsoleAction][] = [
  ['bulk-delete', bulkAction('delete')],
  ['bulk-requeue', bulkAction('requeue')],
  ['bulk-hold', bulkAction('hold')],
  ['bulk-release', bulkAction('release')],
];
