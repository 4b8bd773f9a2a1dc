// The console's journey as an operator takes it during an outage, in one
// headless Chromium session on the local backup MX holding messages: find the
// contract by searching the queue (the filter form, typed and submitted), open
// it, read the body preview and the attachment names, download the .eml (the
// stored bytes), forward it to another address from the message page (the
// local outbox holds it, the original attached byte for byte), schedule a
// maintenance window from the overview (listed afterwards), and see an action
// refused (403, nothing done) when the browser posts it without the token
// cookie or without the form's CSRF field. A screenshot of each page goes to
// test-output/console/ at the repository root (its path is printed).
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import type { Browser, Cookie, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickAndWait, cspViolations, innerText, previewPainted, storedObject, textOf, watchedPage, type WatchedPage } from '../support/console/browser-page.js';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';
import { multipartWithAttachments, storeRaw } from '../support/console/mime-messages.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console journey browser test');
/** Kept after the run (ignored by git) for a person, and for docs/console.md. */
const SHOTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));

describe.skipIf(unavailable !== undefined)('the console journey in Chromium', () => {
  let c: ConsoleFixture;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  const ids = { contract: '', lunch: '', numbers: '', dead: '' };
  /** The console's pages: its origin and prefix ('${base()}/queue'). */
  const base = () => c.url('/').slice(0, -1);
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const queued = async (id: string) => (await c.target.operator.show(id)).map((d) => d.state);

  beforeAll(async () => {
    await rm(SHOTS, { recursive: true, force: true });
    await mkdir(SHOTS, { recursive: true });
    c = await startConsoleFixture();
    const hour = 3_600_000;
    ids.numbers = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'cfo@acme.example', subject: 'Quarterly numbers', receivedAt: new Date(Date.now() - 3 * hour) });
    ids.contract = await c.fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME', receivedAt: new Date(Date.now() - 2 * hour) });
    await storeRaw(c, ids.contract, multipartWithAttachments());
    // A dead letter (the primary refuses its recipient for good), made before the lunch menu, which the flush would deliver.
    c.fx.primary.script = { rcpt: { 'nobody@example.net': { code: 550, enhanced: '5.1.1', text: 'no such user' } } };
    ids.dead = await c.fx.queue({ recipients: ['nobody@example.net'], sender: 'someone@else.example', subject: 'Lost soul' });
    expect((await c.fx.cli('flush', 'other')).code).toBe(0);
    c.fx.primary.script = {};
    ids.lunch = await c.fx.queue({ recipients: ['dan@example.net'], sender: 'canteen@example.org', subject: 'Lunch menu' });
    browser = await launchChromium();
    w = await watchedPage(browser);
    page = w.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    console.info(`console journey screenshots: ${SHOTS}`);
  });

  it('finds the contract by typing its subject into the queue\'s filter form', async () => {
    await page.goto(c.console.url, { waitUntil: 'load' });
    expect(page.url()).toBe(`${base()}/`);
    await shot('01-overview');
    await page.goto(`${base()}/queue`, { waitUntil: 'load' });
    expect(await page.$$eval('tr[data-id]', (trs) => trs.length)).toBe(4);
    await page.type('form.filters input[name="subject"]', 'acme');
    await clickAndWait(page, 'form.filters button[type="submit"]');
    expect(new URL(page.url()).searchParams.get('subject')).toBe('acme');
    expect(await page.$$eval('tr[data-id]', (trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual([ids.contract]);
    expect(await textOf(page, 'p.count')).toMatch(/^1 of 4 messages/);
    await shot('02-queue-search');
  });

  it('opens it: the body preview\'s text, the attachment names, and its actions as links', async () => {
    await clickAndWait(page, `tr[data-id="${ids.contract}"] td.id a`);
    expect(c.consolePath(page.url())).toBe('/message');
    const frames = page.mainFrame().childFrames();
    expect(frames).toHaveLength(1);
    expect(await frames[0]!.$eval('body', innerText)).toBe('Hello Bob, the signed contract is attached.');
    expect(await page.$$eval('td.attachment-name', (tds) => tds.map((td) => td.textContent))).toEqual(['contract-signed.pdf', 'prévisions.csv']);
    // Queued, not dead: forward and delete, no requeue; each only a link to its confirmation page.
    const actions = await page.$$eval('section.route-copy a.action', (as) => as.map((a) => [a.textContent, a.getAttribute('href')!])).then((links) => links.map(([text, href]) => [text, c.consoleLink(href)]));
    expect(actions).toEqual([
      ['Forward', `/confirm/forward?id=${ids.contract}&route=main`],
      ['Hold', `/confirm/hold-message?id=${ids.contract}&route=main`],
      ['Delete', `/confirm/delete?id=${ids.contract}&route=main`],
    ]);
    await page.setViewport({ width: 1280, height: 1400 });
    await previewPainted(page);
    await shot('03-message');
    await page.setViewport({ width: 1280, height: 800 });
  });

  it('downloads the raw .eml: the file\'s bytes are the stored object\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backupmx-console-journey-download-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    await page.click('a[download]');
    await expect.poll(async () => (await readdir(dir)).filter((f) => !f.endsWith('.crdownload')), { timeout: 10_000 }).toEqual([`${ids.contract}.eml`]);
    const downloaded = await readFile(join(dir, `${ids.contract}.eml`));
    expect(downloaded.equals(await storedObject(c, ids.contract))).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it('forwards it from the message page: the outbox holds it, the original attached byte for byte, and it stays queued', async () => {
    await clickAndWait(page, 'section.route-copy a.action[href*="/confirm/forward"]');
    await page.type('form.forward input[name="to"]', 'ceo-phone@elsewhere.example');
    await shot('04-forward-address');
    await clickAndWait(page, 'form.forward button[type="submit"]');
    expect(await textOf(page, 'h1')).toBe(`Forward message ${ids.contract} to ceo-phone@elsewhere.example?`);
    await shot('05-forward-confirm');
    await clickAndWait(page, 'form.confirm button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/queue');
    expect(await textOf(page, 'p.result')).toContain('forwarded to <ceo-phone@elsewhere.example>');
    await shot('06-forward-done');
    const dir = c.target.bounceDir!;
    const files = (await readdir(dir)).filter((n) => n.includes('-forward-'));
    expect(files).toHaveLength(1);
    const forward = await simpleParser(await readFile(join(dir, files[0]!)));
    expect(forward.to && !Array.isArray(forward.to) ? forward.to.value.map((a) => a.address) : []).toEqual(['ceo-phone@elsewhere.example']);
    const attached = forward.attachments.filter((a) => a.contentType === 'message/rfc822');
    expect(attached).toHaveLength(1);
    expect(attached[0]!.content.equals(await storedObject(c, ids.contract))).toBe(true);
    expect(await queued(ids.contract)).toEqual(['queued']);
  });

  it('schedules a maintenance window from the overview; the overview lists it afterwards', async () => {
    await page.goto(`${base()}/`, { waitUntil: 'load' });
    await page.select('form.schedule select[name="route"]', 'main');
    await page.type('form.schedule input[name="from"]', '+1h');
    await page.type('form.schedule input[name="until"]', '+4h');
    await page.type('form.schedule input[name="reason"]', 'primary migration');
    await clickAndWait(page, 'form.schedule button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/confirm/schedule');
    expect(await textOf(page, 'h1')).toBe('Schedule a maintenance window on route main?');
    await shot('07-schedule-confirm');
    await clickAndWait(page, 'form.confirm button[type="submit"]');
    expect(c.consolePath(page.url())).toBe('/');
    expect(await textOf(page, 'p.result')).toContain('route main: maintenance window');
    const windows = await c.target.operator.hold.windows('main');
    expect(windows.map((x) => x.reason)).toEqual(['primary migration']);
    const listed = await textOf(page, 'table.windows');
    expect(listed).toContain(windows[0]!.id);
    expect(listed).toContain('primary migration');
    await shot('08-overview-window');
  });

  /** Opens the message page's Delete confirmation for the lunch menu; returns its path. */
  const openDeleteConfirmation = async () => {
    await page.goto(`${base()}/message?id=${ids.lunch}`, { waitUntil: 'load' });
    await clickAndWait(page, 'section.route-copy a.action[href*="/confirm/delete"]');
    expect(await textOf(page, 'h1')).toBe(`Delete message ${ids.lunch} for good? It will not be delivered.`);
  };
  /** Posts the confirmation's form as the browser does; the response it lands on. */
  const post = async () => {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form.confirm button[type="submit"]')]);
    return { status: response!.status(), text: await textOf(page, 'body') };
  };

  it('an action posted without the CSRF field is refused (403) and the message stays queued', async () => {
    await openDeleteConfirmation();
    await page.$eval('form.confirm input[name="csrf"]', (input) => input.remove());
    const refused = await post();
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('CSRF token is missing or wrong');
    await shot('09-refused-no-csrf');
    expect(await queued(ids.lunch)).toEqual(['queued']);
  });

  it('an action posted without the token cookie is refused (403) and the message stays queued; with both it runs', async () => {
    await openDeleteConfirmation();
    const cookies: Cookie[] = await browser.cookies();
    expect(cookies).toHaveLength(1);
    await browser.deleteCookie(...cookies);
    const refused = await post();
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('forbidden: open the URL');
    await shot('10-refused-no-cookie');
    expect(await queued(ids.lunch)).toEqual(['queued']);
    // The control: the same form with the cookie back runs, so the refusals above were the missing cookie and field.
    await browser.setCookie(...cookies);
    await openDeleteConfirmation();
    const done = await post();
    expect(done.status).toBe(200);
    expect(c.consolePath(page.url())).toBe('/queue');
    expect(await textOf(page, 'p.result')).toMatch(/deleted/);
    expect(await queued(ids.lunch)).toEqual([]);
  });

  it('a dead letter\'s page offers Requeue as well', async () => {
    await page.goto(`${base()}/message?id=${ids.dead}`, { waitUntil: 'load' });
    const actions = await page.$$eval('section.route-copy a.action', (as) => as.map((a) => [a.textContent, a.getAttribute('href')!])).then((links) => links.map(([text, href]) => [text, c.consoleLink(href)]));
    expect(actions).toEqual([
      ['Forward', `/confirm/forward?id=${ids.dead}&route=other`],
      ['Requeue', `/confirm/requeue?id=${ids.dead}&route=other`],
      ['Delete', `/confirm/delete?id=${ids.dead}&route=other`],
    ]);
    await shot('11-message-dead-letter');
  });

  it('over the whole journey: no dialog, no CSP violation, no request to any host but the console', () => {
    expect(w.dialogs).toEqual([]);
    expect(cspViolations(w)).toEqual([]);
    expect(w.requests.length).toBeGreaterThanOrEqual(20);
    for (const url of w.requests) expect(new URL(url).host, url).toBe(`127.0.0.1:${c.console.port}`);
  });
});
