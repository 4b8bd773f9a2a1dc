// The console's actions as a person takes them, in a real headless Chromium:
// schedule a maintenance window from the overview's form (confirm, see it
// listed) and forward a message from the queue page (address, confirm, then
// the outbox holds it with the original attached byte for byte). The browser
// posts the forms itself, so its own Origin and the embedded CSRF token are
// what let them through; no script runs (the CSP has none) and no request
// leaves 127.0.0.1.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';
import { cspViolations, watchedPage } from '../support/console/browser-page.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console actions browser test');

describe.skipIf(unavailable !== undefined)('console actions in Chromium', () => {
  let c: ConsoleFixture;
  let browser: Browser;
  let page: Page;
  let id: string;
  let requests: string[] = [];
  let consoleLines: string[] = [];

  beforeAll(async () => {
    c = await startConsoleFixture();
    id = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME' });
    browser = await launchChromium();
    ({ page, requests, consoleLines } = await watchedPage(browser));
    await page.goto(c.console.url, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  const text = (selector: string) => page.$eval(selector, (el) => (el as unknown as { innerText: string }).innerText);
  const submit = (selector: string) => Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);

  it('schedules a window from the overview: fill the form, confirm, see it listed', async () => {
    await page.select('form.schedule select[name="route"]', 'other');
    await page.type('form.schedule input[name="from"]', '+2h');
    await page.type('form.schedule input[name="until"]', '+3h');
    await page.type('form.schedule input[name="reason"]', 'kernel update');
    await submit('form.schedule button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/confirm/schedule');
    expect(await text('h1')).toBe('Schedule a maintenance window on route other?');
    await submit('form.confirm button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/');
    expect(await text('p.result')).toContain('route other: maintenance window');
    const windows = await c.target.operator.hold.windows('other');
    expect(windows.map((w) => w.reason)).toEqual(['kernel update']);
    expect(await text('table.windows')).toContain(windows[0]!.id);
  });

  it('forwards a message from the queue page; the outbox holds it with the original attached byte for byte', async () => {
    await page.goto(c.url('/queue'), { waitUntil: 'load' });
    await submit(`tr[data-id="${id}"] a[href*="/confirm/forward"]`);
    await page.type('form.forward input[name="to"]', 'boss@elsewhere.example');
    await submit('form.forward button[type="submit"]');
    expect(await text('h1')).toBe(`Forward message ${id} to boss@elsewhere.example?`);
    await submit('form.confirm button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/queue');
    expect(await text('p.result')).toContain('forwarded to <boss@elsewhere.example>');
    const dir = c.target.bounceDir!;
    const files = (await readdir(dir)).filter((n) => n.includes('-forward-'));
    expect(files).toHaveLength(1);
    const parsed = await simpleParser(await readFile(path.join(dir, files[0]!)));
    const [detail] = await c.target.operator.show(id, 'main');
    const { body } = await c.fx.deps.store.open(detail!.objectKey);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const attached = parsed.attachments.filter((a) => a.contentType === 'message/rfc822');
    expect(attached).toHaveLength(1);
    expect(Buffer.compare(attached[0]!.content, Buffer.concat(chunks))).toBe(0);
  });

  it('no CSP violation, no request to any host but the console', async () => {
    expect(cspViolations({ consoleLines })).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(8);
    for (const url of requests) expect(new URL(url).host, url).toBe(`127.0.0.1:${c.console.port}`);
  });
});
