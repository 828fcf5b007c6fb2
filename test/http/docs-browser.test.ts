// /docs in a real browser: headless Chromium renders Scalar's reference from the project's own
// assets (no request leaves the server's origin) over /openapi.json, try-it client included.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { interopAvailable } from '../support/interop.js';

const executablePath = '/usr/bin/chromium';
const chromiumAvailable = interopAvailable(executablePath, existsSync(executablePath), 'apt-get install chromium');

describe.skipIf(!chromiumAvailable)('GET /docs in headless Chromium', () => {
  let t: TestContext;
  let server: ServerType;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await openTestApp();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('renders the reference from the project origin only, with the operations and a try-it client', async () => {
    const page = await browser.newPage();
    const requests: { url: string; type: string }[] = [];
    page.on('request', (request) => requests.push({ url: request.url(), type: request.resourceType() }));
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    // Scalar lists operations by summary once it has loaded /openapi.json.
    await page
      .getByText("List the Territoires d'industrie with their catalogue figures")
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await page.title()).toBe('Foncier API reference');
    const foreign = requests.filter(
      (r) => !r.url.startsWith(`${base}/`) && !r.url.startsWith('data:') && !r.url.startsWith('blob:'),
    );
    expect(foreign).toEqual([]);
    expect(requests.filter((r) => r.type === 'script').map((r) => r.url)).toEqual([`${base}/docs/api-reference.js`]);
    expect(requests.map((r) => r.url)).toContain(`${base}/openapi.json`);
    expect(errors).toEqual([]);
    // Try-it: Scalar's client sends GET /territories straight to this server.
    await page.locator('button', { hasText: 'Test Request(get /territories)' }).first().click();
    const sent = page.waitForResponse((r) => r.url() === `${base}/territories`, { timeout: 15_000 });
    await page.getByRole('button', { name: /^send/i }).first().click();
    const answer = await sent;
    expect(answer.status()).toBe(200);
    expect((await answer.json()).count).toBeGreaterThan(0);
    expect(requests.filter((r) => !r.url.startsWith(`${base}/`))).toEqual([]);
    await page.close();
  }, 90_000);
});
