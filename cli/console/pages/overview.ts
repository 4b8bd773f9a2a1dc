// The overview page: one row per route with what `status` reads
// (cli/commands/status.ts routeStatuses: the same reads, not a copy), a synced
// list whose rules stay pending, and each route's maintenance windows, with
// the route actions (each a link to its confirmation page, pages/confirm.ts),
// and each route's primary health over the last day and week
// (operator.healthHistory). Every value is escaped by `html`.
import { ageSeconds, formatAge, formatAgo } from '../../format.js';
import { routeStatuses, type RouteStatus } from '../../commands/status.js';
import { listUnreadableLine, rulesStuckLine } from '../../recipient-list-status.js';
import type { Target } from '../../target.js';
import { html, page, type Html } from '../html.js';
import { consoleHref } from '../paths.js';
import { actionLink, resultBanner } from './confirm.js';
import { healthTimeline, type HealthTimelineInput } from './health-timeline.js';

/** One route's up/down history for the overview's two spans. */
export interface RouteTimelines {
  day: HealthTimelineInput;
  week: HealthTimelineInput;
}

/** Per route: its timelines, or why its history could not be read; a route missing here shows "no history yet". */
export type OverviewTimelines = ReadonlyMap<string, RouteTimelines | { error: string }>;

const DAY_MS = 24 * 3600 * 1000;
const WEEK_MS = 7 * DAY_MS;

/**
 * Each route's health transitions over the last week (operator.healthHistory:
 * one read per route, begun with the state before the week when known), drawn
 * for the day and the week. A read that fails is shown as such, never as up.
 */
export async function readTimelines(target: Target, routes: string[], now: Date): Promise<OverviewTimelines> {
  const entries = await Promise.all(
    routes.map(async (route): Promise<[string, RouteTimelines | { error: string }]> => {
      try {
        const transitions = await target.operator.healthHistory(route, new Date(now.getTime() - WEEK_MS));
        return [route, { day: { transitions, now, spanMs: DAY_MS }, week: { transitions, now, spanMs: WEEK_MS } }];
      } catch (error) {
        return [route, { error: (error as Error).message }];
      }
    }),
  );
  return new Map(entries);
}

export async function overviewPage(target: Target, params: URLSearchParams = new URLSearchParams(), timelines?: OverviewTimelines): Promise<string> {
  const statuses = await routeStatuses(target);
  const now = target.operator.now();
  const lines = timelines ?? (await readTimelines(target, statuses.map((s) => s.route), now));
  const rows = statuses.map((s) => routeRow(s, now, target.kind));
  const windows = statuses.flatMap((s) => s.windows.map((w) => windowRow(s.route, w, now)));
  return page(
    'Overview',
    'overview',
    target.label,
    html`${resultBanner(params)}<h1>Routes</h1>
<table class="routes">
<thead><tr><th>Route</th><th>Primary</th><th>Health</th><th>Held</th><th>Queued</th><th>Oldest</th><th>Dead letters</th><th>Last finished</th><th>Actions</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
<h2>Primary health over time</h2>
${statuses.map((s) => timelineSection(s.route, lines.get(s.route)))}
<h2>Maintenance windows</h2>
${windows.length > 0
  ? html`<table class="windows"><thead><tr><th>Route</th><th>Window</th><th>From</th><th>Until</th><th>Reason</th><th></th></tr></thead><tbody>${windows}</tbody></table>`
  : html`<p class="none">No maintenance window planned.</p>`}
${scheduleForm(statuses.map((s) => s.route))}`,
  );
}

function timelineSection(route: string, t: RouteTimelines | { error: string } | undefined): Html {
  const body =
    t === undefined
      ? html`<p class="none" data-route="${route}">No history yet.</p>`
      : 'error' in t
        ? html`<p class="error" data-route="${route}">The health history could not be read: ${t.error}</p>`
        : html`<section class="timelines" data-route="${route}">${healthTimeline(t.day, 'Last 24 hours')}${healthTimeline(t.week, 'Last 7 days')}</section>`;
  return html`<h3>${route}</h3>
${body}
`;
}

/** `backup-mx redirect`: where the mail goes instead, or why a stale redirect is ignored. */
function redirected(s: RouteStatus): Html | '' {
  const r = s.redirect;
  if (!r) return '';
  if (r.ignored) return html`<div class="muted">redirect to ${r.to} ignored: ${r.ignored}</div>`;
  return html`<div class="state held">redirected to ${r.to} <span class="muted">(TLS ${r.tls}${r.auth ? ', AUTH' : ''})</span></div>`;
}

/** A synced list whose rules stay pending past the writer's longest run, or whose body cannot be used (what `status` lists under problems). */
function rulesStuck(s: RouteStatus, now: Date, kind: Target['kind']): Html | '' {
  const list = s.recipientList;
  const line = list ? (rulesStuckLine(s.route, list, now, kind) ?? listUnreadableLine(s.route, list)) : undefined;
  return line ? html`<div class="alert">${line}</div>` : '';
}

function routeRow(s: RouteStatus, now: Date, kind: Target['kind']): Html {
  return html`<tr data-route="${s.route}">
<th scope="row"><a href="${consoleHref(`/queue?route=${encodeURIComponent(s.route)}`)}">${s.route}</a></th>
<td>${s.primary} <span class="muted">(TLS ${s.tls})</span>${redirected(s)}${rulesStuck(s, now, kind)}</td>
<td>${health(s, now)}</td>
<td>${held(s, now)}</td>
<td class="num">${s.queued}</td>
<td class="num">${s.oldestAgeSeconds !== undefined ? formatAge(s.oldestAgeSeconds) : '-'}</td>
<td class="num${s.deadLettered > 0 ? ' alert' : ''}">${s.deadLettered}</td>
<td>${formatAgo(s.lastDoneAt ? new Date(s.lastDoneAt) : undefined, now)}</td>
<td class="actions">${s.held ? actionLink('release', { route: s.route }, 'Release') : actionLink('hold', { route: s.route }, 'Hold')} ${actionLink('flush', { route: s.route }, 'Flush')}</td>
</tr>
`;
}

/** "up since 3h 0m", "down since 10m 0s (connect: ECONNREFUSED)", "unknown (not probed yet)". */
function health(s: RouteStatus, now: Date): Html {
  if (s.status === 'unknown' || !s.since) return html`<span class="state unknown">unknown</span> <span class="muted">(not probed yet)</span>`;
  const since = formatAge(ageSeconds(new Date(s.since), now));
  const word = s.authRefused ? 'AUTH refused' : s.status;
  return html`<span class="state ${s.status}">${word}</span> for ${since}${s.probeStale ? html` <span class="alert">(probe stopped?)</span>` : ''}${
    s.status === 'down' && s.lastError ? html`<div class="muted">${s.lastError}</div>` : ''
  }`;
}

function held(s: RouteStatus, now: Date): Html {
  if (s.held) return html`<span class="state held">held</span> ${formatAgo(s.holdSince ? new Date(s.holdSince) : undefined, now)}${s.holdReason ? html`<div class="muted">${s.holdReason}</div>` : ''}`;
  const current = s.windows.find((w) => w.current);
  if (current) return html`<span class="state held">window ${current.id}</span>, ${formatAge(ageSeconds(now, new Date(current.until)))} left`;
  return html`no`;
}

function windowRow(route: string, w: RouteStatus['windows'][number], now: Date): Html {
  const when = w.current ? html`<strong>now</strong>` : html`${w.from} <span class="muted">(in ${formatAge(ageSeconds(now, new Date(w.from)))})</span>`;
  return html`<tr><td>${route}</td><td>${w.id}</td><td>${when}</td><td>${w.until}</td><td>${w.reason ?? ''}</td><td>${actionLink('cancel-window', { route, window: w.id }, 'Cancel')}</td></tr>`;
}

/** `hold <route> --from … --until …` as a form: it GETs the confirmation page, which resolves the times. */
function scheduleForm(routes: string[]): Html {
  return html`<form class="schedule" method="get" action="${consoleHref('/confirm/schedule')}">
<h3>Schedule a window</h3>
<label>Route <select name="route">${routes.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
<label>From <input type="text" name="from" placeholder="(empty: now) +1h, 2026-11-30T08:00Z"></label>
<label>Until <input type="text" name="until" placeholder="+2h, 2026-11-30T10:00Z" required></label>
<label>Reason <input type="text" name="reason" placeholder="kernel update"></label>
<button type="submit">Schedule…</button>
</form>`;
}
