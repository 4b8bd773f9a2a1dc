// The overview's up/down timeline: segments cut from transitions, clipped at
// the span's start, unknown stretches grey (never up), and the SVG's text
// (titles, legend, share up) escaped.
import { describe, expect, it } from 'vitest';
import { healthTimeline, percent, timeIn, timelineSegments, WIDTH, type HealthTimelineInput } from '../../../../cli/console/pages/health-timeline.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date('2026-12-07T12:00:00Z');
const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);

/** Each bar as the SVG draws it: its class, x, width and title text. */
function bars(svg: string): { state: string; x: number; width: number; title: string }[] {
  return [...svg.matchAll(/<rect class="tl-(\w+)" x="([\d.]+)" y="\d+" width="([\d.]+)"[^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => ({
    state: m[1]!,
    x: Number(m[2]),
    width: Number(m[3]),
    title: m[4]!,
  }));
}

describe('timelineSegments', () => {
  it('cuts the span at each transition: up 18 h, down 2 h, up 4 h over a day', () => {
    const input: HealthTimelineInput = {
      before: { at: ago(30), up: true },
      transitions: [
        { at: ago(6), up: false, error: 'connect: ECONNREFUSED' },
        { at: ago(4), up: true },
      ],
      now,
      spanMs: DAY,
    };
    const segments = timelineSegments(input);
    expect(segments.map((s) => [s.state, s.from.toISOString(), s.to.toISOString(), s.error])).toEqual([
      ['up', ago(24).toISOString(), ago(6).toISOString(), undefined],
      ['down', ago(6).toISOString(), ago(4).toISOString(), 'connect: ECONNREFUSED'],
      ['up', ago(4).toISOString(), now.toISOString(), undefined],
    ]);
    expect(timeIn(segments)).toEqual({ up: 22 * HOUR, down: 2 * HOUR, unknown: 0 });
    // The bars' widths are the segments' shares of the viewBox.
    expect(bars(healthTimeline(input, 'Last 24 hours').text).map((b) => [b.state, b.x, b.width])).toEqual([
      ['up', 0, 450],
      ['down', 450, 50],
      ['up', 500, 100],
    ]);
  });

  it('clips at the span\'s start: a transition before it only sets the state the span starts in', () => {
    const segments = timelineSegments({
      transitions: [
        { at: ago(50), up: true },
        { at: ago(30), up: false, error: '421 too busy' },
        { at: ago(20), up: true },
      ],
      now,
      spanMs: DAY,
    });
    expect(segments.map((s) => [s.state, s.from.toISOString(), s.error])).toEqual([
      ['down', ago(24).toISOString(), '421 too busy'],
      ['up', ago(20).toISOString(), undefined],
    ]);
  });

  it('no known state is grey "no data", never up: before the first transition, and a whole span with no history', () => {
    const partial = timelineSegments({ transitions: [{ at: ago(10), up: true }], now, spanMs: DAY });
    expect(partial.map((s) => [s.state, s.from.toISOString()])).toEqual([
      ['unknown', ago(24).toISOString()],
      ['up', ago(10).toISOString()],
    ]);
    const none = healthTimeline({ transitions: [], now, spanMs: 7 * DAY }, 'Last 7 days').text;
    expect(bars(none).map((b) => [b.state, b.width])).toEqual([['unknown', WIDTH]]);
    expect(none).toContain('<figcaption>Last 7 days: up 0%, no data 100%</figcaption>');
    // A `before` that starts inside the span: unknown until then.
    const late = timelineSegments({ transitions: [], before: { at: ago(3), up: true }, now, spanMs: DAY });
    expect(late.map((s) => s.state)).toEqual(['unknown', 'up']);
    expect(timeIn(late).up).toBe(3 * HOUR);
  });

  it('a route never down: one green bar, 100% up', () => {
    const input = { transitions: [{ at: ago(5), up: true }], before: { at: ago(200), up: true }, now, spanMs: 7 * DAY };
    const svg = healthTimeline(input, 'Last 7 days').text;
    expect(bars(svg)).toEqual([{ state: 'up', x: 0, width: WIDTH, title: 'up from 2026-11-30 12:00Z to 2026-12-07 12:00Z' }]);
    expect(svg).toContain('<figcaption>Last 7 days: up 100%</figcaption>');
  });

  it('ignores a transition after now', () => {
    const segments = timelineSegments({ transitions: [{ at: new Date(now.getTime() + HOUR), up: false }], before: { at: ago(48), up: true }, now, spanMs: DAY });
    expect(segments.map((s) => s.state)).toEqual(['up']);
  });
});

describe('healthTimeline', () => {
  it('escapes an error text: a <script> in an SMTP reply is text in the bar\'s title', () => {
    const svg = healthTimeline(
      { transitions: [{ at: ago(2), up: false, error: '554 <script>alert(1)</script> "x" & y' }], before: { at: ago(48), up: true }, now, spanMs: DAY },
      'Last 24 hours',
    ).text;
    expect(svg).not.toContain('<script');
    expect(bars(svg)[1]!.title).toBe('down from 2026-12-07 10:00Z to 2026-12-07 12:00Z: 554 &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot; &amp; y');
  });

  it('is labelled in text, not colour alone: a legend, the shares, no script and no style attribute', () => {
    const svg = healthTimeline({ transitions: [{ at: ago(6), up: false, error: 'x' }], before: { at: ago(30), up: true }, now, spanMs: DAY }, 'Last 24 hours').text;
    expect(svg).toContain('<figcaption>Last 24 hours: up 75.0%, down 25.0%</figcaption>');
    expect(svg).toMatch(/<p class="legend">.*■ up.*■ down.*■ no data/);
    expect(svg).toMatch(/viewBox="0 0 600 \d+"/);
    expect(svg).not.toMatch(/<script|style=/i);
  });

  it('ticks whole UTC hours for a day (labelled every 6 h) and UTC midnights for a week (labelled with the date)', () => {
    const day = healthTimeline({ transitions: [], now, spanMs: DAY }, 'Last 24 hours').text;
    expect(day.match(/<line class="tick"/g)).toHaveLength(25);
    expect([...day.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['18:00', '00:00', '06:00']);
    const week = healthTimeline({ transitions: [], now, spanMs: 7 * DAY }, 'Last 7 days').text;
    expect(week.match(/<line class="tick"/g)).toHaveLength(7);
    expect([...week.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['Tue 1', 'Wed 2', 'Thu 3', 'Fri 4', 'Sat 5', 'Sun 6', 'Mon 7']);
  });
});

describe('percent', () => {
  it('never rounds a short outage away: 100% only when never down, 0% only when never up', () => {
    expect(percent(DAY, DAY)).toBe('100%');
    expect(percent(DAY - 1000, DAY)).toBe('99.9%');
    expect(percent(1000, DAY)).toBe('0.1%');
    expect(percent(0, DAY)).toBe('0%');
  });
});
