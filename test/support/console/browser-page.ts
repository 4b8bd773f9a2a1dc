// What the console's browser tests do with a page: watch it (every request,
// dialog and console line, the page's own CSP violation reports), read text,
// submit a form and wait for the page it leads to, wait for the sandboxed
// preview frame to be drawn before a screenshot, and read the stored object a
// download or a forward must equal.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'puppeteer-core';
import type { ConsoleFixture } from './console-fixture.js';

export interface WatchedPage {
  page: Page;
  /** Every URL the page (and its frames) asked for. */
  requests: string[];
  dialogs: string[];
  consoleLines: string[];
}

/** A new page recording what it does; dialogs are dismissed (none should open). */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  const watched: WatchedPage = { page, requests: [], dialogs: [], consoleLines: [] };
  page.on('request', (r) => watched.requests.push(r.url()));
  page.on('dialog', async (d) => {
    watched.dialogs.push(d.message());
    await d.dismiss();
  });
  page.on('console', (m) => watched.consoleLines.push(`${m.type()}: ${m.text()}`));
  // The page's own report of a blocked load (devtools-injected, so the CSP does not block this listener).
  // (A string: this project type-checks without the DOM library; the page runs it as it is.)
  await page.evaluateOnNewDocument(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
  );
  return watched;
}

/** The console lines that say the CSP blocked something. */
export const cspViolations = (w: Pick<WatchedPage, 'consoleLines'>): string[] => w.consoleLines.filter((l) => /Content Security Policy|CSP violation|Refused to/i.test(l));

export const innerText = (el: unknown): string => (el as { innerText: string }).innerText;

/** The rendered text of the first element matching `selector`. */
export const textOf = (page: Page, selector: string): Promise<string> => page.$eval(selector, innerText);

/** Clicks (a submit button, a link) and waits for the page it loads. */
export async function clickAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

/**
 * The preview frame scrolled into view, two of the page's animation frames
 * and a moment passed: load fires before a srcdoc frame paints, and Chromium
 * leaves a frame out of the viewport undrawn. The page's animation frames, not
 * the frame's: a sandbox without allow-scripts runs no callback.
 */
export async function previewPainted(page: Page): Promise<void> {
  await page.$eval('iframe.preview-html', (f) => (f as unknown as { scrollIntoView(): void }).scrollIntoView());
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  await new Promise((r) => setTimeout(r, 500));
  await page.evaluate('window.scrollTo(0, 0)');
}

/** The bytes the bucket holds for a queued message (its first route's copy). */
export async function storedObject(c: ConsoleFixture, id: string): Promise<Buffer> {
  const [detail] = await c.target.operator.show(id);
  if (!detail) throw new Error(`storedObject: ${id} is not queued`);
  const object = await c.fx.clients.s3.send(new GetObjectCommand({ Bucket: c.fx.resources.bucketName, Key: detail.objectKey }));
  return Buffer.from(await object.Body!.transformToByteArray());
}
