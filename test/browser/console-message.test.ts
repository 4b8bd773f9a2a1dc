// The message page in a real headless Chromium: opened from the queue, it
// shows the envelope, the attachment names and the cleaned HTML in its
// sandboxed frame; the .eml downloads byte for byte; a hostile HTML mail
// (script, handlers, remote image, form, remote stylesheet, fixed overlay,
// meta refresh, iframe) runs nothing, opens no dialog and sends no request
// beyond 127.0.0.1; a message past the bound says it is too large.
// Screenshots go to a temporary folder (its path is printed).
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIEW_MAX_BYTES } from '../../cli/console/pages/message-preview.js';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';
import { hostileHtml, multipartWithAttachments, oversized, storeRaw } from '../support/console/mime-messages.js';
import { cspViolations, watchedPage } from '../support/console/browser-page.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console message browser test');
const innerText = (el: unknown) => (el as { innerText: string }).innerText;

describe.skipIf(unavailable !== undefined)('the message page in Chromium', () => {
  let c: ConsoleFixture;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const ids: Record<'contract' | 'hostile' | 'huge', string> = { contract: '', hostile: '', huge: '' };
  let requests: string[] = [];
  let dialogs: string[] = [];
  let consoleLines: string[] = [];
  /** The console's pages: its origin and prefix ('${base()}/queue'). */
  const base = () => c.url('/').slice(0, -1);

  beforeAll(async () => {
    c = await startConsoleFixture();
    shots = await mkdtemp(join(tmpdir(), 'backupmx-console-message-shots-'));
    ids.contract = await c.fx.queue({ recipients: ['bob@example.com', 'carol@example.com'], sender: 'ceo@acme.example', subject: 'Contract from ACME', receivedAt: new Date(Date.now() - 3_600_000) });
    await storeRaw(c, ids.contract, multipartWithAttachments());
    // An attempt on record: the flush delivers to bob, carol's mailbox is busy (deferred, one try).
    c.fx.primary.script = { rcpt: { 'carol@example.com': { code: 450, enhanced: '4.2.1', text: 'mailbox busy' } } };
    expect((await c.fx.cli('flush', 'main')).code).toBe(0);
    c.fx.primary.script = {};
    // Queued after the flush, which would have delivered them: the queue page lists three.
    ids.hostile = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'mallory@evil.example', subject: 'Invoice overdue', receivedAt: new Date(Date.now() - 1_200_000) });
    await storeRaw(c, ids.hostile, hostileHtml());
    ids.huge = await c.fx.queue({ recipients: ['bob@example.com'], sender: 'scanner@acme.example', subject: 'Huge scan' });
    await storeRaw(c, ids.huge, oversized(PREVIEW_MAX_BYTES));

    browser = await launchChromium();
    ({ page, requests, dialogs, consoleLines } = await watchedPage(browser));
    await page.goto(c.console.url, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    if (shots) console.info(`console message screenshots: ${shots}`);
  });

  /** The preview frame (srcdoc, sandboxed): the page's only child frame. */
  const previewFrame = (): Frame => {
    const frames = page.mainFrame().childFrames();
    expect(frames).toHaveLength(1);
    return frames[0]!;
  };

  /**
   * The frame scrolled into view, two of the page's animation frames and a
   * moment passed, so its content is drawn before a screenshot: load fires
   * before a srcdoc frame paints, and Chromium leaves a frame out of the
   * viewport undrawn (a full-page screenshot shows it blank: the test makes
   * the viewport tall enough for the page). The page's animation frames, not
   * the frame's: a sandbox without allow-scripts runs no callback, not even
   * the test's.
   */
  const painted = async () => {
    await page.$eval('iframe.preview-html', (f) => (f as unknown as { scrollIntoView(): void }).scrollIntoView());
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await new Promise((r) => setTimeout(r, 500));
    await page.evaluate('window.scrollTo(0, 0)');
  };

  it('opens from the queue: envelope, recipient states, attachment names and the cleaned HTML body', async () => {
    await page.goto(`${base()}/queue`, { waitUntil: 'load' });
    expect(await page.$$eval('tr[data-id]', (trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual([ids.contract, ids.hostile, ids.huge]);
    await page.screenshot({ path: join(shots, 'queue.png'), fullPage: true });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`tr[data-id="${ids.contract}"] td.id a`)]);
    expect(c.consolePath(page.url())).toBe('/message');
    expect(await page.$eval('td.sender', innerText)).toBe('<ceo@acme.example>');
    const states = await page.$$eval('tr[data-recipient]', (trs) => trs.map((tr) => [tr.getAttribute('data-recipient'), tr.querySelector('.state')!.textContent]));
    expect(states).toEqual([['bob@example.com', 'delivered'], ['carol@example.com', 'deferred']]);
    expect(await page.$$eval('td.attachment-name', (tds) => tds.map((td) => td.textContent))).toEqual(['contract-signed.pdf', 'prévisions.csv']);
    const frame = previewFrame();
    expect(await frame.$eval('body', innerText)).toBe('Hello Bob, the signed contract is attached.');
    expect(await frame.$eval('strong', (s) => s.textContent)).toBe('signed contract');
    await page.setViewport({ width: 1280, height: 1600 });
    await painted();
    await page.screenshot({ path: join(shots, 'message.png'), fullPage: true });
    await page.setViewport({ width: 1280, height: 800 });
  });

  it('downloads the raw .eml: the file\'s bytes are the stored object\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backupmx-console-download-'));
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir });
    await page.click('a[download]');
    await expect.poll(async () => (await readdir(dir)).filter((f) => !f.endsWith('.crdownload')), { timeout: 10_000 }).toEqual([`${ids.contract}.eml`]);
    const [detail] = await c.target.operator.show(ids.contract);
    const object = await c.fx.clients.s3.send(new GetObjectCommand({ Bucket: c.fx.resources.bucketName, Key: detail!.objectKey }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect((await readFile(join(dir, `${ids.contract}.eml`))).equals(stored)).toBe(true);
  });

  it('a hostile HTML mail runs nothing: no script, no dialog, no form, no overlay on the page', async () => {
    const before = requests.length;
    await page.goto(`${base()}/message?id=${ids.hostile}`, { waitUntil: 'networkidle0' });
    const frame = previewFrame();
    expect(await frame.$eval('body', innerText)).toContain('Pay the invoice [image: tracking pixel] now.');
    expect(await frame.$$eval('script, style, form, input, iframe, img, link, meta, svg', (els) => els.length)).toBe(0);
    // The page under the frame is still the console's: the top left is its header, not the mail's red overlay.
    expect(await page.evaluate('document.elementFromPoint(5, 5).closest("header") !== null')).toBe(true);
    // Even a script the sanitizer had missed could not run: the frame's sandbox has no allow-scripts.
    expect(await page.$eval('iframe.preview-html', (f) => f.getAttribute('sandbox'))).toBe('');
    await painted();
    expect(dialogs).toEqual([]);
    expect(requests.slice(before).length).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(shots, 'message-hostile.png'), fullPage: true });
  });

  it('a message past the bound says it is too large to preview', async () => {
    await page.goto(`${base()}/message?id=${ids.huge}`, { waitUntil: 'load' });
    expect(await page.$eval('.preview-too-large', innerText)).toMatch(/^Too large to preview: over the 5\.0 MiB the console parses/);
    expect(page.mainFrame().childFrames()).toHaveLength(0);
  });

  it('no dialog, no CSP violation, no request to any host but the console, over the whole run', async () => {
    expect(dialogs).toEqual([]);
    expect(cspViolations({ consoleLines })).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(8);
    for (const url of requests) expect(new URL(url).host, url).toBe(`127.0.0.1:${c.console.port}`);
  });
});
