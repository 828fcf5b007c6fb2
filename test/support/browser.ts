// The browser tests' shared setup: Debian's Chromium, headless, and the app served over HTTP on
// a loopback port (a page needs a real origin). Outside CI a missing Chromium skips the tests
// with a printed reason; in CI it is a failure (see interop.ts).
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { interopAvailable } from './interop.js';

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

export interface ServedApp {
  server: ServerType;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Serves `fetch` on 127.0.0.1 on a free port. */
export async function serveOnLoopback(fetch: (request: Request) => Response | Promise<Response>): Promise<ServedApp> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
