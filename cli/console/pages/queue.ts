// The queue page: every queued and dead-lettered message the filter selects,
// oldest first. The filter is the CLI's (core/operator/message-filter.ts,
// parsed by parseMessageFilter) and the selection the bulk commands' own
// (operator.select): the query string only names the same fields. Above the
// list, the selection's shape (`mailq --shape`, by `shape=sender|recipient`).
import { describeFilter, FilterError, parseMessageFilter, type FilterInput, type MessageFilter } from '../../../lambdas/core/operator/message-filter.js';
import { queueShape, SHAPE_BY, type ShapeBy } from '../../../lambdas/core/operator/queue-shape.js';
import type { SelectedMessage, Selection } from '../../../lambdas/core/operator/select-messages.js';
import { UsageError } from '../../errors.js';
import { ageSeconds, formatAge } from '../../format.js';
import { routesOf, type Target } from '../../target.js';
import { html, page, type Html } from '../html.js';
import { consoleHref } from '../paths.js';
import { actionLink, resultBanner } from './confirm.js';
import { shapeTable } from './queue-shape-table.js';
import { SELECTION_MAX } from './selection-max.js';

/** Rows drawn at most: a backlog of many thousands stays a page a browser draws at once; the count says how many more. */
export const QUEUE_PAGE_ROWS = 1000;

/** The query-string fields: the bulk commands' flags without their dashes, plus the scope (route, state). */
export const FILTER_FIELDS = ['sender', 'sender-domain', 'recipient', 'older-than', 'subject'] as const;

export type StateChoice = 'all' | 'queued' | 'dead';

export interface QueueQuery {
  route?: string;
  state: StateChoice;
  /** The shape's rows: sender domains (the default) or recipient domains. */
  shape: ShapeBy;
  input: FilterInput;
}

/** A bad query value: the page says which field and what it takes (status 400). */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/** The query string mapped onto the CLI's filter input; an empty field is no criterion (what an empty form box sends). */
export function queueQuery(params: URLSearchParams): QueueQuery {
  const input: FilterInput = {};
  const given = (name: string) => {
    const value = params.get(name);
    return value === null || value.trim() === '' ? undefined : value;
  };
  if (given('sender') !== undefined) input.sender = given('sender')!;
  if (given('sender-domain') !== undefined) input.senderDomain = given('sender-domain')!;
  if (given('recipient') !== undefined) input.recipient = given('recipient')!;
  if (given('older-than') !== undefined) input.olderThan = given('older-than')!;
  if (given('subject') !== undefined) input.subject = given('subject')!;
  const verdicts = params.getAll('verdict').filter((v) => v.trim() !== '');
  if (verdicts.length > 0) input.verdict = verdicts;
  const state = given('state') ?? 'all';
  if (state !== 'all' && state !== 'queued' && state !== 'dead') throw new QueryError(`state: expected all, queued or dead; got ${JSON.stringify(state)}`);
  const shape = given('shape') ?? 'sender';
  if (!(SHAPE_BY as readonly string[]).includes(shape)) throw new QueryError(`shape: expected sender or recipient; got ${JSON.stringify(shape)}`);
  const route = given('route');
  return { ...(route !== undefined ? { route } : {}), state, shape: shape as ShapeBy, input };
}

/** The query's selection, as `mailq` and the bulk commands make it (the list, its mbox and its bulk actions all use this). */
export async function selectQueue(target: Target, query: QueueQuery): Promise<{ filter: MessageFilter; selection: Selection }> {
  const filter = parseMessageFilter(query.input);
  const routes = routesOf(target, query.route).map((r) => r.name);
  const selection = await target.operator.select(filter, { routes, queued: query.state !== 'dead', dead: query.state !== 'queued' });
  return { filter, selection };
}

/** The query string of the current filter (the action result dropped), for the links that act on the selection. */
export function filterSearch(params: URLSearchParams): string {
  const kept = new URLSearchParams([...params].filter(([name, value]) => name !== 'result' && name !== 'ok' && value.trim() !== ''));
  return kept.toString();
}

/** A thrown error that is the query's fault: a 400 naming the field. */
export const isQueryError = (error: unknown): error is Error => error instanceof FilterError || error instanceof QueryError || error instanceof UsageError;

export async function queuePage(target: Target, params: URLSearchParams): Promise<{ status: number; body: string }> {
  let query: QueueQuery | undefined;
  try {
    query = queueQuery(params);
    const { filter, selection } = await selectQueue(target, query);
    const described = describeFilter(filter);
    const now = target.operator.now();
    const shown = selection.matched.slice(0, QUEUE_PAGE_ROWS);
    const summary = html`<p class="count">${selection.matched.length} of ${selection.total} message${selection.total === 1 ? '' : 's'}${
      described ? ` (${described})` : ''
    }${selection.matched.length > shown.length ? `; the oldest ${shown.length} shown` : ''}</p>`;
    // The shape counts the whole selection, not only the rows drawn.
    const shape = shapeTable(queueShape(selection.matched, now, query.shape));
    return { status: 200, body: render(target, params, query, html`${summary}${selectionActions(params, selection)}${shape}${messageTable(shown, now)}`) };
  } catch (error) {
    if (!isQueryError(error)) throw error;
    // "--sender: expected …": the form's field has the flag's name without the dashes.
    const message = error.message.replace(/^--/, '');
    return { status: 400, body: render(target, params, query, html`<p class="error" role="alert">${message}</p>`) };
  }
}

function render(target: Target, params: URLSearchParams, query: QueueQuery | undefined, body: Html): string {
  return page('Queue', 'queue', target.label, html`${resultBanner(params)}<h1>Queue</h1>
${filterForm(target, params, query)}
${body}
${replayForm(target)}`);
}

/** Links acting on the whole selection: its mbox, and the bulk delete / requeue / hold / release (each through its confirmation page). */
function selectionActions(params: URLSearchParams, selection: Selection): Html | '' {
  const n = selection.matched.length;
  if (n === 0) return '';
  const search = filterSearch(params);
  const dead = selection.matched.filter((m) => m.deadLetters.length > 0).length;
  const free = selection.matched.filter((m) => m.state === 'queued' && !m.queued?.summary.held).length;
  const held = selection.matched.filter((m) => m.state === 'queued' && m.queued?.summary.held).length;
  const query = search ? `?${search}` : '';
  // Past the cap the links would only be refused: say so here instead.
  if (n > SELECTION_MAX) return html`<p class="selection-actions muted">Download and bulk actions take at most ${SELECTION_MAX} messages: narrow the filter, or use the CLI with the same filters (\`backup-mx delete --older-than 7d …\`, \`backup-mx export\`).</p>`;
  const these = n === 1 ? 'this message' : `these ${n}`;
  return html`<p class="selection-actions"><a class="download" href="${consoleHref(`/queue/mbox${query}`)}">Download ${these} as mbox</a> ·
<a class="action" href="${consoleHref(`/confirm/bulk-delete${query}`)}">Delete ${these}…</a>${
    dead > 0 ? html` · <a class="action" href="${consoleHref(`/confirm/bulk-requeue${query}`)}">Requeue the ${dead} dead-lettered…</a>` : ''
  }${free > 0 ? html` · <a class="action" href="${consoleHref(`/confirm/bulk-hold${query}`)}">Hold the ${free} queued…</a>` : ''}${
    held > 0 ? html` · <a class="action" href="${consoleHref(`/confirm/bulk-release${query}`)}">Release the ${held} held…</a>` : ''
  }</p>`;
}

function messageTable(messages: SelectedMessage[], now: Date): Html {
  if (messages.length === 0) return html`<p class="none">No message.</p>`;
  const rows = messages.map(
    (m) => html`<tr data-id="${m.id}">
<td class="id"><a href="${consoleHref(`/message?id=${encodeURIComponent(m.id)}&route=${encodeURIComponent(m.route)}`)}">${m.id}</a></td><td>${m.route}</td><td><span class="state ${m.state}">${m.state}</span>${m.queued?.summary.held ? html` <span class="state held">held</span>` : ''}</td>
<td>${m.sender === '' ? '<>' : m.sender}</td><td class="num">${m.recipients.length}</td>
<td class="num">${m.receivedAt ? formatAge(ageSeconds(m.receivedAt, now)) : '-'}</td><td class="subject">${m.subject ?? ''}</td>
<td class="actions">${m.state === 'dead-letter' ? html`${actionLink('requeue', { id: m.id, route: m.route }, 'Requeue')} ` : ''}${actionLink('forward', { id: m.id, route: m.route }, 'Forward')} ${actionLink('delete', { id: m.id, route: m.route }, 'Delete')}</td>
</tr>
`,
  );
  return html`<table class="queue">
<thead><tr><th>ID</th><th>Route</th><th>State</th><th>Sender</th><th>Recipients</th><th>Age</th><th>Subject</th><th>Actions</th></tr></thead>
<tbody>
${rows}</tbody>
</table>`;
}

/** Replay asks its window here; its confirmation page lists what it would send (replay-action.ts). */
function replayForm(target: Target): Html {
  return html`<details class="replay"><summary>Replay received mail…</summary>
<form class="replay" method="get" action="${consoleHref('/confirm/replay')}">
<label>Route <select name="route">${target.settings.routes.map((r) => html`<option value="${r.name}">${r.name}</option>`)}</select></label>
<label>Received since <input type="text" name="since" placeholder="6h, 2026-11-30T08:00Z" required></label>
<label>until <input type="text" name="until" placeholder="now"></label>
<label>To <input type="text" name="recipient" placeholder="every recipient"></label>
<button type="submit">Next…</button>
</form></details>`;
}

/** A GET form: the filter lives in the URL (a view can be bookmarked while the console runs; the token is in the cookie, not the URL). */
function filterForm(target: Target, params: URLSearchParams, query: QueueQuery | undefined): Html {
  const value = (name: string) => params.get(name) ?? '';
  const text = (name: string, label: string, placeholder: string) =>
    html`<label>${label} <input type="text" name="${name}" value="${value(name)}" placeholder="${placeholder}"></label>`;
  const selected = (on: boolean) => (on ? html` selected` : '');
  const route = query?.route ?? value('route');
  const state = query?.state ?? value('state');
  const shape = query?.shape ?? value('shape');
  return html`<form class="filters" method="get" action="${consoleHref('/queue')}">
<label>Route <select name="route"><option value="">all</option>${target.settings.routes.map(
    (r) => html`<option value="${r.name}"${selected(r.name === route)}>${r.name}</option>`,
  )}</select></label>
<label>State <select name="state">${(['all', 'queued', 'dead'] as const).map((s) => html`<option value="${s}"${selected(s === state)}>${s}</option>`)}</select></label>
${text('sender', 'Sender', 'alice@example.org')}
${text('sender-domain', 'Sender domain', 'example.org')}
${text('recipient', 'Recipient', 'bob@example.com')}
${text('older-than', 'Older than', '2h, 3d')}
${text('verdict', 'Verdict', 'spam=FAIL')}
${text('subject', 'Subject', 'invoice')}
<label>Shape by <select name="shape">${SHAPE_BY.map((s) => html`<option value="${s}"${selected(s === shape)}>${s} domain</option>`)}</select></label>
<button type="submit">Filter</button> <a href="${consoleHref('/queue')}">clear</a>
</form>`;
}
