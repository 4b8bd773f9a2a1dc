// The console's replay (`backup-mx replay --route R --since T [--until T]
// [--recipient A]`): delivers again what a route received in a window
// (target.operator.replay). The confirmation page is the dry run: the window
// resolved to two instants, and the plan's messages listed with the count;
// the POST carries those ids and queues only them (a message received since
// is outside the resolved window anyway).
import { UsageError } from '../../errors.js';
import { formatSender, formatSize } from '../../format.js';
import { replayQueuedLine } from '../../route-action-lines.js';
import { routeOf, type Target } from '../../target.js';
import { parseTimeArg } from '../../time-arg.js';
import { html } from '../html.js';
import { field, required, result, type ActionFields, type ConsoleAction } from './action-fields.js';
import { SELECTION_MAX } from './selection-max.js';

/** The window as the CLI reads it: --since required, --until now by default, until after since. */
function window(target: Target, fields: ActionFields) {
  const now = target.operator.now();
  const since = parseTimeArg('since', required(fields, 'since'), now);
  const untilText = field(fields, 'until');
  const until = untilText !== undefined ? parseTimeArg('until', untilText, now) : now;
  if (until <= since) throw new UsageError(`until (${until.toISOString()}) must be after since (${since.toISOString()})`);
  const recipient = field(fields, 'recipient');
  return { since, until, ...(recipient !== undefined ? { recipient } : {}) };
}

async function plan(target: Target, fields: ActionFields) {
  const route = routeOf(target, required(fields, 'route'));
  const w = window(target, fields);
  return { route, window: w, plan: await target.operator.replay.plan(route, w) };
}

export const REPLAY_ACTION: [string, ConsoleAction] = [
  'replay',
  {
    fields: ['route', 'since', 'until', 'recipient', 'messages'],
    back: '/queue',
    maxFormBytes: 256 * 1024,
    async confirm(target, fields) {
      const { route, window: w, plan: p } = await plan(target, fields);
      const n = p.items.length;
      if (n === 0) throw new UsageError(`nothing to replay: route ${route.name} received nothing to deliver again from ${w.since.toISOString()} to ${w.until.toISOString()}${p.skipped.length ? ` (${p.skipped.length} skipped: ${p.skipped[0]!.why}, …)` : ''}`);
      if (n > SELECTION_MAX) throw new UsageError(`${n} messages in the window: the console replays at most ${SELECTION_MAX} at once; narrow the window, or use \`backup-mx replay\``);
      const recipients = p.items.reduce((sum, i) => sum + i.recipients.length, 0);
      return {
        question: `Deliver ${n === 1 ? 'this message' : `these ${n} messages`} to ${route.primary.host} again?`,
        details: html`<p class="count">Route ${route.name}, received ${w.since.toISOString()} – ${w.until.toISOString()}${w.recipient ? ` to <${w.recipient}>` : ''}: ${n} message${n === 1 ? '' : 's'} to ${recipients} recipient${
          recipients === 1 ? '' : 's'
        }${p.skipped.length ? `, ${p.skipped.length} skipped` : ''}. Each becomes a new queue entry of the normal drain.</p>
<table class="queue confirm-list"><thead><tr><th>ID</th><th>Received</th><th>Size</th><th>From</th><th>To again</th></tr></thead>
<tbody>${p.items.map((i) => html`<tr data-id="${i.messageId}"><td class="id">${i.messageId}</td><td>${i.receivedAt.toISOString()}</td><td class="num">${formatSize(i.size)}</td><td>${formatSender(i.sender)}</td><td>${i.recipients.join(', ')}</td></tr>`)}</tbody></table>
${p.skipped.length ? html`<ul class="muted">${p.skipped.map((s) => html`<li>skipped ${s.messageId}: ${s.why}</li>`)}</ul>` : ''}`,
        button: n === 1 ? 'Replay it' : `Replay these ${n}`,
        fields: { route: route.name, since: w.since.toISOString(), until: w.until.toISOString(), ...(w.recipient ? { recipient: w.recipient } : {}), messages: JSON.stringify(p.items.map((i) => i.messageId)) },
      };
    },
    async run(target, fields) {
      let confirmed: unknown;
      try {
        confirmed = JSON.parse(fields.messages ?? '');
      } catch {
        confirmed = undefined;
      }
      if (!Array.isArray(confirmed) || !confirmed.every((id) => typeof id === 'string')) throw new UsageError('messages: not the list the confirmation page carries; open replay from the queue page again');
      const wanted = new Set(confirmed as string[]);
      const { route, plan: p } = await plan(target, fields);
      const items = p.items.filter((i) => wanted.has(i.messageId));
      const ids = await target.operator.replay.run(route, { ...p, items });
      const missing = wanted.size - items.length;
      return result([replayQueuedLine(route.name, ids.length, p.generation, target.settings.probeIntervalSeconds), missing > 0 ? `${missing} confirmed no longer replayable (delivered again or gone since)` : undefined]);
    },
  },
];
