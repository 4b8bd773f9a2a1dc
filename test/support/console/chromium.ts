// A real headless Chromium for the console's browser tests: Debian's package,
// driven by puppeteer-core (no browser is downloaded). Where none is installed
// the tests skip, but CI installs it (.ci/run) and sets
// BACKUPMX_REQUIRE_CHROMIUM=1: there a browser test that cannot run fails.
import { accessSync, constants } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const REQUIRE_CHROMIUM = 'BACKUPMX_REQUIRE_CHROMIUM';
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why no Chromium can run here, or undefined when one can. */
export function chromiumUnavailable(path = CHROMIUM_PATH): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${path} (apt-get install chromium)`;
  }
}

/** Returns why the test must skip (undefined: run it); throws instead when Chromium is required. */
export function chromiumSkipReason(unavailable: string | undefined, test: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (unavailable !== undefined && env[REQUIRE_CHROMIUM] === '1') throw new Error(`${test} cannot run: ${unavailable} (${REQUIRE_CHROMIUM}=1 asks for a real Chromium)`);
  return unavailable;
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
    defaultViewport: { width: 1280, height: 800 },
  });
}
