// One route's primary up/down history over a span (the overview's last day and
// last week) as inline SVG: no script, no remote library, no `style` attribute
// (the CSP allows none). Colour is never the only label: each bar has a
// <title>, the figure a legend and the share of time up as text. A stretch with
// no known state is drawn grey as "no data", never as up.
import { html, type Html } from '../html.js';

export interface HealthTransition {
  at: Date;
  up: boolean;
  /** Why the probe found it down (an SMTP reply, a connect error): text from the network. */
  error?: string;
}

/** What `operator.healthHistory(route, since)` supplies for one span, ascending. */
export interface HealthTimelineInput {
  transitions: readonly HealthTransition[];
  /** The state when the span began, if known. */
  before?: { at: Date; up: boolean };
  now: Date;
  spanMs: number;
}

export type SegmentState = 'up' | 'down' | 'unknown';

export interface Segment {
  state: SegmentState;
  from: Date;
  to: Date;
  error?: string;
}

/**
 * The span [now - spanMs, now] cut at each change of state. A transition
 * before the span's start only sets the state it starts in; one after `now`
 * is ignored. Repeated states (a probe saying "up" twice) merge; a down stretch
 * keeps the error of the transition that began it.
 */
export function timelineSegments(input: HealthTimelineInput): Segment[] {
  const end = input.now.getTime();
  const start = end - input.spanMs;
  let current: { state: SegmentState; error?: string } = input.before && input.before.at.getTime() <= start ? { state: input.before.up ? 'up' : 'down' } : { state: 'unknown' };
  let from = start;
  // `before` said since when: anything before that is unknown.
  const changes: { at: number; state: SegmentState; error?: string }[] = [];
  if (input.before && input.before.at.getTime() > start) changes.push({ at: input.before.at.getTime(), state: input.before.up ? 'up' : 'down' });
  for (const t of input.transitions) changes.push({ at: t.at.getTime(), state: t.up ? 'up' : 'down', ...(t.up || t.error === undefined ? {} : { error: t.error }) });
  changes.sort((a, b) => a.at - b.at);
  const segments: Segment[] = [];
  for (const change of changes) {
    if (change.at > end) break;
    if (change.at <= start) {
      current = { state: change.state, ...(change.error !== undefined ? { error: change.error } : {}) };
      continue;
    }
    if (change.state === current.state) continue;
    if (change.at > from) segments.push(segment(current, from, change.at));
    current = { state: change.state, ...(change.error !== undefined ? { error: change.error } : {}) };
    from = change.at;
  }
  if (end > from) segments.push(segment(current, from, end));
  return segments;
}

function segment(s: { state: SegmentState; error?: string }, from: number, to: number): Segment {
  return { state: s.state, from: new Date(from), to: new Date(to), ...(s.error !== undefined ? { error: s.error } : {}) };
}

/** Milliseconds in each state over the span. */
export function timeIn(segments: readonly Segment[]): Record<SegmentState, number> {
  const total: Record<SegmentState, number> = { up: 0, down: 0, unknown: 0 };
  for (const s of segments) total[s.state] += s.to.getTime() - s.from.getTime();
  return total;
}

/** The viewBox: the bars span x 0..WIDTH; the SVG scales to its box (console.css). */
export const WIDTH = 600;
const BAR_Y = 4;
const BAR_H = 22;
const TICK_Y = BAR_Y + BAR_H;
const HEIGHT = 46;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const WORD: Record<SegmentState, string> = { up: 'up', down: 'down', unknown: 'no data' };
/** Presentation attributes (not CSS) so the picture keeps its colours when saved or printed on its own. */
const FILL: Record<SegmentState, string> = { up: '#15803d', down: '#b91c1c', unknown: '#9ca3af' };

/** "95.2%": one decimal, but never "100.0%" for a route that was down a moment. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  const p = (part / whole) * 100;
  if (part === whole) return '100%';
  if (part === 0) return '0%';
  return `${Math.min(99.9, Math.max(0.1, Math.round(p * 10) / 10)).toFixed(1)}%`;
}

/** "2026-12-07 09:00Z": the time in a bar's title (UTC, as the ticks). */
const stamp = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;

const x = (at: number, start: number, spanMs: number): number => Math.round(((at - start) / spanMs) * WIDTH * 100) / 100;

/**
 * The figure: a caption ("Last 24 hours: up 97.5%, down 2.5%"), the bars, the
 * ticks (whole UTC hours for a span of two days or less, else UTC midnights)
 * and a legend. `caption` names the span ("Last 24 hours").
 */
export function healthTimeline(input: HealthTimelineInput, caption: string): Html {
  const segments = timelineSegments(input);
  const end = input.now.getTime();
  const start = end - input.spanMs;
  const time = timeIn(segments);
  const shares = (['up', 'down', 'unknown'] as const).filter((s) => s === 'up' || time[s] > 0).map((s) => `${WORD[s]} ${percent(time[s], input.spanMs)}`);
  const summary = `${caption}: ${shares.join(', ')}`;
  const bars = segments.map((s) => {
    const x0 = x(s.from.getTime(), start, input.spanMs);
    const width = Math.round((x(s.to.getTime(), start, input.spanMs) - x0) * 100) / 100;
    const title = `${WORD[s.state]} from ${stamp(s.from)} to ${stamp(s.to)}${s.error !== undefined ? `: ${s.error}` : ''}`;
    return html`<rect class="tl-${s.state}" x="${x0}" y="${BAR_Y}" width="${width}" height="${BAR_H}" fill="${FILL[s.state]}"><title>${title}</title></rect>`;
  });
  return html`<figure class="timeline" data-span="${input.spanMs}">
<figcaption>${summary}</figcaption>
<svg class="timeline" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${summary}" xmlns="http://www.w3.org/2000/svg">
${bars}
${ticks(start, input.spanMs)}
</svg>
<p class="legend"><span class="key tl-up">■ up</span> <span class="key tl-down">■ down</span> <span class="key tl-unknown">■ no data</span> <span class="muted">(times UTC; hover a bar for its times${segments.some((s) => s.error !== undefined) ? ' and error' : ''})</span></p>
</figure>`;
}

/** Hour ticks (labelled every 6 h) for a day, day ticks (labelled with the date) for longer. */
function ticks(start: number, spanMs: number): Html[] {
  const step = spanMs <= 2 * DAY ? HOUR : DAY;
  const every = step === HOUR ? 6 : 1;
  const out: Html[] = [];
  for (let t = Math.ceil(start / step) * step; t <= start + spanMs; t += step) {
    const at = x(t, start, spanMs);
    const d = new Date(t);
    const labelled = step === DAY || d.getUTCHours() % every === 0;
    out.push(html`<line class="tick" x1="${at}" x2="${at}" y1="${TICK_Y}" y2="${TICK_Y + (labelled ? 6 : 3)}" stroke="currentColor"/>`);
    if (labelled && at > 15 && at < WIDTH - 15) {
      const label = step === HOUR ? `${String(d.getUTCHours()).padStart(2, '0')}:00` : `${DAYS[d.getUTCDay()]} ${d.getUTCDate()}`;
      out.push(html`<text x="${at}" y="${HEIGHT - 2}" text-anchor="middle" font-size="11" fill="currentColor">${label}</text>`);
    }
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
