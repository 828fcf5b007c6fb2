// The investor sheet in a real browser: headless Chromium opens GET /sites/{id}/sheet (its HTML is
// the French site page) served over HTTP, takes a screenshot (printable page renders) and reads its text.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';

describe.skipIf(!chromiumAvailable)('GET /sites/{id}/sheet in headless Chromium', () => {
  let t: TestContext;
  let server: ServedApp;
  let browser: Browser;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    t = await openTestApp();
    dir = mkdtempSync(join(tmpdir(), 'foncier-sheet-'));
    server = await serveOnLoopback(t.app.fetch);
    base = server.origin;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('renders the sheet of a turnkey site with its name, plots, utilities and contacts', async () => {
    const site = await t.handle.db
      .selectFrom('sites')
      .select(['id', 'name', 'powerMw'])
      .where('turnkeyProgramme', 'is not', null)
      .orderBy('cnigId')
      .executeTakeFirstOrThrow();
    const plotCount = (await t.handle.db.selectFrom('plots').select('id').where('siteId', '=', site.id).execute())
      .length;
    const page = await browser.newPage();
    const response = await page.goto(`${base}/sites/${site.id}/sheet`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    expect(await page.textContent('h1')).toBe(site.name);
    const text = await page.textContent('body');
    for (const heading of ['Surfaces', 'Terrains', 'Réseaux', 'Accès', 'Label et maturité', 'Contacts'])
      expect(text).toContain(heading);
    if (site.powerMw !== null)
      expect(text).toContain(`${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(site.powerMw)} MW`);
    // One header row plus one row per plot in the plots table.
    expect(await page.locator('table.plots tr').count()).toBe(plotCount + 1);
    const shot = join(dir, 'sheet.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  }, 60_000);
});
