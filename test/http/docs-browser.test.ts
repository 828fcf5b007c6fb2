// /docs in a real browser: headless Chromium renders Scalar's reference from the project's own
// assets (no request leaves the server's origin) over /openapi.json, try-it client included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, chromiumAvailable, openBrowserSession } from '../support/browser.js';

describe.skipIf(!chromiumAvailable)('GET /docs in headless Chromium', () => {
  let session: BrowserSession;
  let base: string;

  beforeAll(async () => {
    session = await openBrowserSession();
    base = session.origin;
  }, 60_000);
  afterAll(async () => session?.close());

  it('renders the reference from the project origin only, with the operations and a try-it client', async () => {
    const page = await session.browser.newPage();
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
