// A bulk delete as a person takes it, in a real headless Chromium: filter the
// queue page by sender domain, follow "Delete these N…", read the confirmation
// listing exactly those messages (screenshot to test-output/console/), confirm,
// see the counts; the browser posts the form itself (its Origin, the embedded
// CSRF token). The messages the filter did not select stay queued.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';
import { clickAndWait, cspViolations, textOf, watchedPage } from '../support/console/browser-page.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console bulk actions browser test');
const SHOTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));

describe.skipIf(unavailable !== undefined)('console bulk delete in Chromium', () => {
  let c: ConsoleFixture;
  let browser: Browser;
  let page: Page;
  let junk: string[];
  let keep: string;
  let requests: string[] = [];
  let consoleLines: string[] = [];

  beforeAll(async () => {
    c = await startConsoleFixture();
    junk = [];
    for (const [i, subject] of ['Cheap watches', 'You won <b>a prize</b>', 'Re: invoice 4471'].entries()) {
      junk.push(await c.fx.queue({ recipients: ['bob@example.com'], sender: `promo${i}@junk.example`, subject, receivedAt: new Date(Date.now() - (3 - i) * 3600_000) }));
    }
    keep = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME' });
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    ({ page, requests, consoleLines } = await watchedPage(browser));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(c.console.url, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
  });

  it('filters, confirms the listed selection, deletes exactly it', async () => {
    await page.goto(c.url('/queue'), { waitUntil: 'load' });
    await page.type('form.filters input[name="sender-domain"]', 'junk.example');
    await clickAndWait(page, 'form.filters button[type="submit"]');
    expect(await textOf(page, 'p.count')).toMatch(/^3 of 4 messages/);
    await clickAndWait(page, 'p.selection-actions a[href*="/confirm/bulk-delete"]');
    expect(c.consolePath(page.url())).toBe('/confirm/bulk-delete');
    expect(await textOf(page, 'h1')).toBe('Delete these 3 messages for good? They will not be delivered.');
    const listed = await page.$$eval('table.confirm-list tbody tr', (rows) => rows.map((r) => (r as unknown as { dataset: { id: string } }).dataset.id));
    expect(listed).toEqual(junk);
    expect(await textOf(page, 'p.count')).toBe('3 messages matching sender domain junk.example: exactly these, and nothing that arrives after this page.');
    expect(await textOf(page, 'table.confirm-list')).toContain('You won <b>a prize</b>');
    await page.screenshot({ path: join(SHOTS, 'bulk-delete-confirm.png'), fullPage: true });
    console.info(`console bulk delete screenshot: ${join(SHOTS, 'bulk-delete-confirm.png')}`);
    await clickAndWait(page, 'form.confirm button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/queue');
    expect(await textOf(page, 'p.result')).toMatch(/^-- deleted 3 of 3 messages; 0 skipped; 0 failed/);
    for (const id of junk) expect((await c.target.operator.show(id, 'main')).some((d) => d.state === 'queued'), id).toBe(false);
    expect((await c.target.operator.show(keep, 'main')).map((d) => d.state)).toEqual(['queued']);
  });

  it('no CSP violation, no request to any host but the console', async () => {
    expect(cspViolations({ consoleLines })).toEqual([]);
    for (const url of requests) expect(new URL(url).host, url).toBe(`127.0.0.1:${c.console.port}`);
    expect(requests.length).toBeGreaterThanOrEqual(4);
  });
});
