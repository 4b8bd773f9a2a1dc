// The overview's health timelines as a person sees them, in a real headless
// Chromium. The console draws what operator.healthHistory reads; a made-up
// week with outages is rendered by overviewPage itself and served by a
// test-only server here, with the console's own headers and stylesheet
// (production has no hook for it).
// The screenshot is kept in test-output/console/overview-timeline.png.
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overviewPage, type OverviewTimelines } from '../../cli/console/pages/overview.js';
import { SECURITY_HEADERS } from '../../cli/console/security.js';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';
import { cspViolations, innerText, watchedPage, type WatchedPage } from '../support/console/browser-page.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console timeline browser test');
const SHOTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));
const STYLESHEET = fileURLToPath(new URL('../../cli/console/console.css', import.meta.url));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** main: up, down 6 h → 4 h ago (an SMTP reply with markup in it), up since; a week with a day-long outage and no data at its start. */
function madeUpHistory(now: Date): OverviewTimelines {
  const ago = (h: number) => new Date(now.getTime() - h * HOUR);
  const reply = '554 5.3.2 <script>alert(1)</script> shutting down';
  const transitions = [
    { at: ago(150), up: true },
    { at: ago(96), up: false, error: 'connect: ECONNREFUSED' },
    { at: ago(72), up: true },
    { at: ago(6), up: false, error: reply },
    { at: ago(4), up: true },
  ];
  return new Map([
    [
      'main',
      {
        day: { transitions: transitions.filter((t) => t.at >= ago(24)), before: { at: ago(72), up: true }, now, spanMs: DAY },
        week: { transitions, now, spanMs: 7 * DAY },
      },
    ],
  ]);
}

describe.skipIf(unavailable !== undefined)('the overview\'s health timelines in Chromium', () => {
  let c: ConsoleFixture;
  let server: Server;
  let base: string;
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    c = await startConsoleFixture();
    const css = await readFile(STYLESHEET);
    const timelines = madeUpHistory(c.target.operator.now());
    server = createServer((req, res) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      if (req.url === '/console.css') {
        res.setHeader('Content-Type', 'text/css; charset=utf-8');
        res.end(css);
        return;
      }
      overviewPage(c.target, new URLSearchParams(), timelines).then(
        (body) => {
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.end(body);
        },
        (error: Error) => {
          res.statusCode = 500;
          res.end(error.message);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    watched = await watchedPage(browser);
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await c?.stop();
  });

  it('the console itself draws each route from operator.healthHistory: unknown before the probe, up once it saw the primary', async () => {
    const before = await c.get('/', { cookie: c.cookie });
    expect(before.body).toMatch(/<section class="timelines" data-route="main">[\s\S]*?Last 24 hours: up 0%, no data 100%/);
    expect(before.body).not.toContain('class="tl-up"');
    // One probe round (drains not started): the primary answers, so each route's first health is a transition to up.
    await c.fx.engine.probe({ start: async () => {} });
    const res = await c.get('/', { cookie: c.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<h2>Primary health over time</h2>');
    for (const route of ['main', 'other']) {
      const section = new RegExp(`<section class="timelines" data-route="${route}">([\\s\\S]*?)</section>`).exec(res.body)?.[1];
      expect(section, route).toBeDefined();
      expect(section).toMatch(/Last 24 hours: up [\d.]+%/);
      expect(section).toContain('class="tl-up"');
    }
    expect(res.body).not.toContain('No history yet.');
  });

  it('a history that cannot be read is said so, never drawn as up', async () => {
    const body = await overviewPage(c.target, new URLSearchParams(), new Map([['main', { error: 'AccessDeniedException: <not allowed>' }]]));
    expect(body).toContain('<p class="error" data-route="main">The health history could not be read: AccessDeniedException: &lt;not allowed&gt;</p>');
    expect(body).not.toMatch(/<section class="timelines" data-route="main">/);
  });

  it('draws main\'s day and week as bars with their shares, titles and legend; other has no history', async () => {
    await page.goto(base, { waitUntil: 'load' });
    const figures = await page.$$eval('section.timelines[data-route="main"] figure', (fs) =>
      fs.map((f) => ({
        caption: f.querySelector('figcaption')!.textContent,
        bars: [...f.querySelectorAll('rect')].map((r) => ({ state: r.getAttribute('class'), title: r.querySelector('title')!.textContent })),
      })),
    );
    expect(figures.map((f) => f.caption)).toEqual(['Last 24 hours: up 91.7%, down 8.3%', 'Last 7 days: up 73.8%, down 15.5%, no data 10.7%']);
    expect(figures[0]!.bars.map((b) => b.state)).toEqual(['tl-up', 'tl-down', 'tl-up']);
    // The reply's markup is a title's text, not an element.
    expect(figures[0]!.bars[1]!.title).toMatch(/^down from .* to .*: 554 5\.3\.2 <script>alert\(1\)<\/script> shutting down$/);
    expect(figures[1]!.bars.map((b) => b.state)).toEqual(['tl-unknown', 'tl-up', 'tl-down', 'tl-up', 'tl-down', 'tl-up']);
    expect(await page.$$eval('main script', (s) => s.length)).toBe(0);
    expect(await page.$eval('p.none[data-route="other"]', innerText)).toBe('No history yet.');
    // Drawn at the column's width (console.css), the bars coloured by their fill attributes.
    const box = await page.$eval('section.timelines svg', (s) => s.getBoundingClientRect().width);
    expect(box).toBeGreaterThan(400);
    expect(await page.evaluate("getComputedStyle(document.querySelector('rect.tl-down')).fill")).toBe('rgb(185, 28, 28)');
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'overview-timeline.png'), fullPage: true });
    console.info(`console timeline screenshot: ${join(SHOTS, 'overview-timeline.png')}`);
  });

  it('no dialog, no CSP violation (no inline style), no request but the page and its stylesheet', () => {
    expect(watched.dialogs).toEqual([]);
    expect(cspViolations(watched)).toEqual([]);
    expect(watched.requests.map((u) => new URL(u).pathname).sort()).toEqual(['/', '/console.css']);
    for (const url of watched.requests) expect(new URL(url).origin).toBe(base);
  });
});
