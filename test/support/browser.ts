// The browser tests' shared setup: Debian's Chromium, headless, and the app served over HTTP on
// a loopback port (a page needs a real origin). Outside CI a missing Chromium skips the tests
// with a printed reason; in CI it is a failure (see interop.ts).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { openTestApp, type TestContext } from './app.js';
import { interopAvailable } from './interop.js';
import { type ServedApp, serveOnLoopback } from './loopback.js';

export { type ServedApp, serveOnLoopback } from './loopback.js';

const executablePath = '/usr/bin/chromium';

export const chromiumAvailable = interopAvailable(
  executablePath,
  existsSync(executablePath),
  'apt-get install chromium',
);

/** Headless Chromium without the sandbox (CI runs as root) and without background traffic. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      ...extraArgs,
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The seeded app on a loopback origin and a Chromium to visit it; `close` ends all three. */
export interface BrowserSession {
  t: TestContext;
  server: ServedApp;
  browser: Browser;
  /** The app's origin, `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

export async function openBrowserSession(): Promise<BrowserSession> {
  const t = await openTestApp();
  const server = await serveOnLoopback(t.app.fetch);
  const browser = await launchChromium();
  return {
    t,
    server,
    browser,
    origin: server.origin,
    close: async () => {
      await browser.close();
      await server.close();
      await t.close();
    },
  };
}
