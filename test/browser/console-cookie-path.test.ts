// The console's token cookie in a real Chromium: its Path is the console's
// random prefix, so another server on 127.0.0.1 (another port: cookies ignore
// ports) that the operator visits while the console runs receives no cookie,
// unless it is told the prefix (what the prefix does not protect:
// docs/security.md, "Console"). And `--open`'s one-time URL signs Chromium in
// once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPrefix } from '../../cli/console/paths.js';
import { chromiumSkipReason, chromiumUnavailable, launchChromium } from '../support/console/chromium.js';
import { startConsoleFixture, type ConsoleFixture } from '../support/console/console-fixture.js';

const unavailable = chromiumSkipReason(chromiumUnavailable(), 'the console cookie path browser test');

describe.skipIf(unavailable !== undefined)('the console\'s cookie in Chromium', () => {
  let c: ConsoleFixture;
  let other: Server;
  let otherPort: number;
  /** What the other server was sent: the path and the Cookie header of each request. */
  const seen: { path: string; cookie: string }[] = [];
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    c = await startConsoleFixture();
    // Any other local server: a dev server, or another user's process listening on a loopback port.
    other = createServer((req, res) => {
      seen.push({ path: req.url ?? '', cookie: req.headers.cookie ?? '' });
      res.setHeader('Content-Type', 'text/plain');
      res.end('another server\n');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherPort = (other.address() as AddressInfo).port;
    browser = await launchChromium();
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    other?.closeAllConnections();
    other?.close();
    await c?.stop();
  });

  /** The cookie header the other server got for `path`, visited in the same browser. */
  const sentToOther = async (path: string): Promise<string> => {
    seen.length = 0;
    await page.goto(`http://127.0.0.1:${otherPort}${path}`, { waitUntil: 'load' });
    return seen.find((r) => r.path === path)?.cookie ?? 'no request';
  };

  it('signed in on the console, the browser sends its cookie to no other server on 127.0.0.1 outside the prefix', async () => {
    await page.goto(c.console.url, { waitUntil: 'load' });
    expect(page.url()).toBe(c.url('/'));
    expect(await page.$$eval('tr[data-route]', (trs) => trs.length)).toBeGreaterThan(0);
    // The browser holds the cookie, scoped to the prefix.
    const [cookie] = (await page.cookies(c.url('/'))).filter((k) => k.name === `backupmx_console_${c.console.port}`);
    expect(cookie?.path).toBe(c.console.prefix);
    for (const path of ['/', '/queue', '/c/', newPrefix(), `${c.console.prefix.slice(0, -1)}x/`]) {
      expect(await sentToOther(path), path).toBe('');
    }
  });

  it('what the prefix does not protect: a server told the prefix, on any port, is sent the cookie', async () => {
    expect(await sentToOther(c.console.prefix)).toBe(`backupmx_console_${c.console.port}=${c.console.token}`);
  });

  it('--open\'s one-time URL signs a fresh browser in once; the same URL again is refused', async () => {
    const fresh = await browser.createBrowserContext();
    try {
      const tab = await fresh.newPage();
      const once = c.console.openUrl();
      await tab.goto(once, { waitUntil: 'load' });
      expect(tab.url()).toBe(c.url('/'));
      expect(await tab.$$eval('tr[data-route]', (trs) => trs.length)).toBeGreaterThan(0);
      const again = await tab.goto(once, { waitUntil: 'load' });
      expect(again?.status()).toBe(403);
    } finally {
      await fresh.close();
    }
  });
});
