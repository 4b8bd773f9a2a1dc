// The console as a person sees it, in a real headless Chromium: the overview
// and the queue with a backlog (a dead letter, a hold, a window, hostile
// subjects), what is on the screen, no script run, no CSP violation, no
// request leaving 127.0.0.1. Screenshots are kept in a temporary folder
// (its path is printed) for a person to look at.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';
import { cspViolations, watchedPage } from '../support/console/browser-page.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console browser test');

const HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>', '<style>body{display:none}</style>Invoice'];

describe.skipIf(unavailable !== undefined)('the console in Chromium', () => {
  let c: ConsoleFixture;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let requests: string[] = [];
  let dialogs: string[] = [];
  let consoleLines: string[] = [];

  beforeAll(async () => {
    c = await startConsoleFixture();
    shots = await mkdtemp(join(tmpdir(), 'backupmx-console-shots-'));
    // A backlog: three on main (two hostile), one on other, one dead letter, a hold and a planned window.
    const hour = 3_600_000;
    await c.fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME', receivedAt: new Date(Date.now() - 5 * hour) });
    await c.fx.queue({ recipients: ['bob@example.com'], sender: 'mallory@evil.example', subject: HOSTILE[0], receivedAt: new Date(Date.now() - 2 * hour) });
    await c.fx.queue({ recipients: ['bob@example.com'], sender: 'mallory@evil.example', subject: HOSTILE[1] });
    c.fx.primary.script = { rcpt: { 'nobody@example.net': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    await c.fx.queue({ recipients: ['nobody@example.net'], sender: 'someone@else.example', subject: 'Lost soul' });
    expect((await c.fx.cli('flush', 'other')).code).toBe(0);
    c.fx.primary.script = {};
    // Queued after the flush, which would have delivered it.
    await c.fx.queue({ recipients: ['dan@example.net'], sender: 'news@list.example', subject: HOSTILE[2] });
    expect((await c.fx.cli('hold', 'main', '--reason', 'disk replacement')).code).toBe(0);
    expect((await c.fx.cli('hold', 'other', '--from', '+2h', '--until', '+3h', '--reason', 'kernel update')).code).toBe(0);

    browser = await launchChromium();
    ({ page, requests, dialogs, consoleLines } = await watchedPage(browser));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    if (shots) console.info(`console screenshots: ${shots}`);
  });

  it('the token URL lands on the overview without the token, showing each route as status does', async () => {
    await page.goto(c.console.url, { waitUntil: 'load' });
    expect(page.url()).toBe(c.url('/'));
    const rows = await page.$$eval('tr[data-route]', (trs) =>
      trs.map((tr) => ({ route: tr.getAttribute('data-route'), cells: [...tr.querySelectorAll('td')].map((td) => (td as unknown as { innerText: string }).innerText.trim()) })),
    );
    expect(rows.map((r) => r.route)).toEqual(['main', 'other']);
    const [main, other] = rows;
    // Health, held, queued, oldest, dead letters (cells after the primary).
    expect(main!.cells[2]).toMatch(/^held .*ago\s+disk replacement$/);
    expect(main!.cells[3]).toBe('3');
    expect(main!.cells[4]).toMatch(/^5h/);
    expect(other!.cells[3]).toBe('1');
    expect(other!.cells[5]).toBe('1');
    const windowsText = await page.$eval('table.windows', (t) => (t as unknown as { innerText: string }).innerText);
    expect(windowsText).toContain('other');
    expect(windowsText).toContain('kernel update');
    // The stylesheet loaded under the CSP (style-src 'self').
    expect(await page.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse")).toBe('collapse');
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
  });

  it('the queue shows every message, hostile subjects as literal text, with no script run', async () => {
    await page.goto(c.url('/queue'), { waitUntil: 'load' });
    const subjects = await page.$$eval('td.subject', (tds) => tds.map((td) => td.textContent));
    expect(subjects).toEqual(expect.arrayContaining(['Contract from ACME', ...HOSTILE, 'Lost soul']));
    const states = await page.$$eval('tr[data-id]', (trs) => trs.map((tr) => tr.querySelector('.state')!.textContent));
    expect(states.filter((s) => s === 'dead-letter')).toHaveLength(1);
    expect(states.filter((s) => s === 'queued')).toHaveLength(4);
    expect(await page.$$eval('main script, main img, main style', (els) => els.length)).toBe(0);
    // The <style> subject hid nothing: the page is still drawn.
    expect(await page.evaluate('getComputedStyle(document.body).display')).toBe('block');
    await page.screenshot({ path: join(shots, 'queue.png'), fullPage: true });
  });

  it('the filter form narrows the list (the bulk commands\' filter)', async () => {
    await page.type('input[name="sender-domain"]', 'evil.example');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form.filters button[type="submit"]')]);
    expect(new URL(page.url()).searchParams.get('sender-domain')).toBe('evil.example');
    const subjects = await page.$$eval('td.subject', (tds) => tds.map((td) => td.textContent));
    expect(subjects.sort()).toEqual([HOSTILE[0], HOSTILE[1]].sort());
    expect(await page.$eval('p.count', (p) => p.textContent)).toMatch(/^2 of 5 messages \(sender domain evil\.example\)/);
    await page.screenshot({ path: join(shots, 'queue-filtered.png'), fullPage: true });
  });

  it('no dialog opened, no CSP violation, no request to any host but the console', async () => {
    expect(dialogs).toEqual([]);
    expect(cspViolations({ consoleLines })).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const url of requests) expect(new URL(url).host, url).toBe(`127.0.0.1:${c.console.port}`);
  });
});
