// The console's actions: each is the CLI verb itself (cli/commands/*), called
// with the fields its confirmation page carried, so the console does exactly
// what `backup-mx hold|release|flush|requeue|delete` does, through the same
// operator use cases. A confirmation page (confirm.ts) describes what will
// happen; only its form's POST (server.ts: cookie, CSRF token, Origin) runs it.
import { RecordingIo } from '../../cli-io.js';
import { deleteCommand } from '../../commands/delete.js';
import { flushCommand } from '../../commands/flush.js';
import { forwardCommand } from '../../commands/forward.js';
import { holdCommand, releaseCommand } from '../../commands/hold.js';
import { requeueCommand } from '../../commands/requeue.js';
import { messageDetails } from '../../commands/show.js';
import { CliError, EXIT, UsageError } from '../../errors.js';
import { formatSender } from '../../format.js';
import { listSome } from '../../../local/words.js';
import { ForwardRefusedError, forwardAddress } from '../../../lambdas/core/operator/forward-message.js';
import { routeOf, type Target } from '../../target.js';
import { parseTimeArg } from '../../time-arg.js';
import { html, type Html } from '../html.js';

/** The fields a form sends (text only; absent and empty are the same). */
export type ActionFields = Readonly<Record<string, string>>;

export interface Confirmation {
  question: string;
  details: Html;
  button: string;
  /** The fields the form carries to the POST (resolved: what was confirmed is what runs). */
  fields: Record<string, string>;
}

export interface ConsoleAction {
  /** The form's fields; anything else in a request is ignored. */
  fields: readonly string[];
  /** The page the result is shown on (a fixed path: never a redirect the request chooses). */
  back: '/' | '/queue';
  /** A GET form asking for what the action still needs (forward's address), or undefined when nothing is missing. */
  ask?(fields: ActionFields): Html | undefined;
  /** What the confirmation page says; throws a CliError for a bad field (a 400 naming it). */
  confirm(target: Target, fields: ActionFields): Promise<Confirmation>;
  /** Runs the CLI verb; its printed lines are the result. */
  run(target: Target, fields: ActionFields, io: RecordingIo): Promise<number>;
}

const field = (fields: ActionFields, name: string): string | undefined => {
  const value = fields[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const required = (fields: ActionFields, name: string): string => {
  const value = field(fields, name);
  if (value === undefined) throw new UsageError(`${name}: required`);
  return value;
};

/** The route field, checked against the configuration (an unknown name is a UsageError naming the routes). */
const routeField = (target: Target, fields: ActionFields): string => routeOf(target, required(fields, 'route')).name;

/** A message's copies as `show` reads them, for the confirmation's details. */
async function messageSummary(target: Target, fields: ActionFields): Promise<{ details: Html; fields: Record<string, string>; id: string }> {
  const id = required(fields, 'id');
  const route = field(fields, 'route');
  const copies = await messageDetails(target, id, route);
  const details = html`<dl class="subject">${copies.map(
    (d) => html`<dt>${d.id}</dt><dd>route ${d.route} (${d.state}): from ${formatSender(d.sender ?? '?')} to ${listSome(d.recipients.map((r) => r.address))}${
      d.subject ? html`, “${d.subject}”` : ''
    }${d.deadLetter ? html`<br><span class="muted">dead letter: ${d.deadLetter.reason}: ${d.deadLetter.detail}</span>` : ''}</dd>`,
  )}</dl>`;
  return { details, id, fields: { id, ...(route !== undefined ? { route } : {}) } };
}

export const ACTIONS: ReadonlyMap<string, ConsoleAction> = new Map<string, ConsoleAction>([
  [
    'hold',
    {
      fields: ['route', 'reason'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        const reason = field(fields, 'reason');
        return {
          question: `Hold route ${route} now?`,
          details: html`<p>Mail is still accepted and queued, but nothing is delivered to the primary until you release the route${reason ? html` (reason: ${reason})` : ''}.</p>`,
          button: `Hold ${route}`,
          fields: { route, ...(reason ? { reason } : {}) },
        };
      },
      run: (target, fields, io) => holdCommand(target, routeField(target, fields), { ...(field(fields, 'reason') ? { reason: field(fields, 'reason')! } : {}) }, io),
    },
  ],
  [
    'release',
    {
      fields: ['route'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        return { question: `Release route ${route}?`, details: html`<p>Deliveries resume at the next probe (or now with Flush).</p>`, button: `Release ${route}`, fields: { route } };
      },
      run: (target, fields, io) => releaseCommand(target, routeField(target, fields), {}, io),
    },
  ],
  [
    'flush',
    {
      fields: ['route'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        return {
          question: `Flush route ${route} now?`,
          details: html`<p>One drain of the queue to the primary now${target.kind === 'aws' ? ' (the drain function, synchronously)' : ''}; a hold or a window still stops it.</p>`,
          button: `Flush ${route}`,
          fields: { route },
        };
      },
      run: (target, fields, io) => flushCommand(target, routeField(target, fields), {}, io),
    },
  ],
  [
    'schedule',
    {
      fields: ['route', 'from', 'until', 'reason'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        const now = target.operator.now();
        const fromText = field(fields, 'from');
        // The times are resolved here and carried as ISO: the window confirmed is the window scheduled.
        const from = fromText !== undefined ? parseTimeArg('from', fromText, now) : now;
        const until = parseTimeArg('until', required(fields, 'until'), now);
        if (until <= now) throw new UsageError(`until: ${until.toISOString()} is in the past (a bare 2h is an age: write +2h for two hours from now)`);
        if (until <= from) throw new UsageError(`until: ${until.toISOString()} is not after from (${from.toISOString()})`);
        const reason = field(fields, 'reason');
        return {
          question: `Schedule a maintenance window on route ${route}?`,
          details: html`<p>From ${from.toISOString()} until ${until.toISOString()}${reason ? html` (${reason})` : ''}: mail is accepted and queued, nothing is delivered inside it even when the primary answers, and it ends by itself.</p>`,
          button: 'Schedule the window',
          fields: { route, ...(fromText !== undefined ? { from: from.toISOString() } : {}), until: until.toISOString(), ...(reason ? { reason } : {}) },
        };
      },
      run(target, fields, io) {
        const from = field(fields, 'from');
        const reason = field(fields, 'reason');
        return holdCommand(target, routeField(target, fields), { ...(from ? { from } : {}), until: required(fields, 'until'), ...(reason ? { reason } : {}) }, io);
      },
    },
  ],
  [
    'cancel-window',
    {
      fields: ['route', 'window'],
      back: '/',
      async confirm(target, fields) {
        const route = routeField(target, fields);
        const id = required(fields, 'window');
        const window = (await target.operator.hold.windows(route)).find((w) => w.id === id);
        if (!window) throw new UsageError(`window: route ${route} has no maintenance window ${id}`);
        return {
          question: `Cancel maintenance window ${id} of route ${route}?`,
          details: html`<p>${window.from.toISOString()} until ${window.until.toISOString()}${window.reason ? html` (${window.reason})` : ''}${
            window.from <= target.operator.now() ? ': it is on now, so it ends now' : ''
          }.</p>`,
          button: 'Cancel the window',
          fields: { route, window: id },
        };
      },
      run: (target, fields, io) => releaseCommand(target, routeField(target, fields), { window: required(fields, 'window') }, io),
    },
  ],
  [
    'requeue',
    {
      fields: ['id', 'route'],
      back: '/queue',
      async confirm(target, fields) {
        const m = await messageSummary(target, fields);
        return { question: `Requeue dead letter ${m.id}?`, details: m.details, button: 'Requeue', fields: m.fields };
      },
      run: (target, fields, io) => requeueCommand(target, required(fields, 'id'), { ...(field(fields, 'route') ? { route: field(fields, 'route')! } : {}) }, io),
    },
  ],
  [
    'delete',
    {
      fields: ['id', 'route'],
      back: '/queue',
      async confirm(target, fields) {
        const m = await messageSummary(target, fields);
        return { question: `Delete message ${m.id} for good? It will not be delivered.`, details: m.details, button: 'Delete for good', fields: m.fields };
      },
      // The confirmation page was the question `delete` asks on a terminal.
      run: (target, fields, io) => deleteCommand(target, required(fields, 'id'), { yes: true, ...(field(fields, 'route') ? { route: field(fields, 'route')! } : {}) }, io),
    },
  ],
  [
    'forward',
    {
      fields: ['id', 'route', 'to'],
      back: '/queue',
      ask(fields) {
        if (field(fields, 'to') !== undefined) return undefined;
        const route = field(fields, 'route');
        return html`<form class="forward" method="get" action="/confirm/forward">
<input type="hidden" name="id" value="${fields.id ?? ''}">${route !== undefined ? html`<input type="hidden" name="route" value="${route}">` : ''}
<label>Forward message ${fields.id ?? ''} to <input type="email" name="to" placeholder="ceo@example.org" required></label>
<button type="submit">Next…</button> <a href="/queue">Cancel</a>
</form>`;
      },
      async confirm(target, fields) {
        let to: string;
        try {
          to = forwardAddress(required(fields, 'to'));
        } catch (error) {
          if (error instanceof ForwardRefusedError) throw new UsageError(error.message);
          throw error;
        }
        const m = await messageSummary(target, fields);
        return {
          question: `Forward message ${m.id} to ${to}?`,
          details: html`${m.details}<p>A new message from the backup MX with the original attached unchanged${
            target.kind === 'local' ? ', written to the local outbox (a local run sends no mail)' : ', sent through SES'
          }. The message stays queued for its primary.</p>`,
          button: `Forward to ${to}`,
          fields: { ...m.fields, to },
        };
      },
      run: (target, fields, io) => forwardCommand(target, required(fields, 'id'), { to: required(fields, 'to'), ...(field(fields, 'route') ? { route: field(fields, 'route')! } : {}) }, io),
    },
  ],
]);

/** Progress lines a terminal wants and a one-line result does not. */
const PROGRESS = /^(waiting \d+ s |flush \S+: draining|\s+\S+\s+to=<)/;

export interface ActionResult {
  ok: boolean;
  line: string;
}

/** Runs the action, turning what the verb printed (or the error it threw) into one line for the page. */
export async function runAction(action: ConsoleAction, target: Target, fields: ActionFields): Promise<ActionResult> {
  const io = new RecordingIo();
  let code: number;
  try {
    code = await action.run(target, fields, io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { ok: false, line: error.message };
  }
  const lines = [...io.stdout.filter((l) => !PROGRESS.test(l)), ...io.stderr].map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.join(' — ').slice(0, 1000);
  return { ok: code === EXIT.ok, line: line || (code === EXIT.ok ? 'done' : `failed (exit ${code})`) };
}
