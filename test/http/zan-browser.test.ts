// The ZAN page in headless Chromium: open a territory's page, sort the communes by a header,
// draw a project with Terra Draw (mouse clicks on the map canvas), simulate it and read the
// commune, EPCI and territory before and after; no page error, nothing from another host, no
// serious axe-core violation; screenshots at 1366×900 and 390×844 in /work/wt/shots/h16zan/.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';

const shots = '/work/wt/shots/h16zan';
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Page errors and the host of every request, from the moment the page opens. */
function watch(page: Page) {
  const seen = { errors: [] as string[], hosts: new Set<string>() };
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http')) seen.hosts.add(url.hostname);
  });
  return seen;
}

async function axeViolations(page: Page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } })
      .axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

describe.skipIf(!chromiumAvailable)('the ZAN page in headless Chromium', () => {
  let t: TestContext;
  let server: ServedApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    t = await openTestApp();
    server = await serveOnLoopback(t.app.fetch);
    browser = await launchChromium(['--use-angle=swiftshader', '--enable-unsafe-swiftshader']);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it.each([
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ])(
    'sorts the communes, draws a project, simulates it at three levels ($width×$height)',
    async (viewport) => {
      // The territory with the most communes, and a point inside its first commune.
      const { rows } = await sql<{ territory: string; insee: string; lon: number; lat: number }>`
      SELECT te.territory_id AS territory, c.insee,
        ST_X(ST_PointOnSurface(c.geom)) AS lon, ST_Y(ST_PointOnSurface(c.geom)) AS lat
      FROM territory_epci te JOIN communes c ON c.epci_siren = te.epci_siren
      ORDER BY (
        SELECT count(*) FROM territory_epci x JOIN communes y ON y.epci_siren = x.epci_siren
        WHERE x.territory_id = te.territory_id
      ) DESC, te.territory_id, c.insee

      LIMIT 1`.execute(t.handle.db);
      const target = rows[0]!;
      const page = await browser.newPage({ viewport });
      const seen = watch(page);
      const response = await page.goto(`${server.origin}/territories/${target.territory}/zan`, { waitUntil: 'load' });
      expect(response?.headers()['content-type']).toContain('text/html');
      expect(await page.textContent('h1')).toMatch(/^ZAN — /);
      expect(await page.textContent('.zan-facts')).toMatch(/enveloppe (non )?épuisée en \d{4}/);

      // Sort by what is left: the link reloads the page sorted, its header says so.
      await page.click('.zan-communes thead a:has-text("Restant")');
      await page.waitForURL(/tri=restant/);
      expect(await page.getAttribute('.zan-communes thead th:nth-child(4)', 'aria-sort')).toBe('ascending');
      const remaining = await page.$$eval('.zan-communes tbody tr', (trs) =>
        trs.map((tr) => tr.querySelector('td:nth-of-type(3)')?.textContent ?? ''),
      );
      const numbers = remaining
        .filter((v) => v.endsWith(' ha'))
        .map((v) =>
          Number(
            v
              .replace(/ ha$/, '')
              .replace(/[\s\u202f]/g, '')
              .replace(',', '.'),
          ),
        );
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));

      // Draw a small square around a point of the first commune, closing on the first vertex.
      await page.waitForSelector('#zan-map[data-ready="true"]', { timeout: 60_000 });
      await page.locator('#zan-map').scrollIntoViewIfNeeded();
      // At zoom 15 (about 5 m a pixel) the square below is some 15 ha, a plausible plant.
      const centre = await page.evaluate(
        async ([lon, lat]) => {
          const map = (
            window as unknown as {
              foncierMap: {
                jumpTo(o: object): void;
                once(e: string): Promise<unknown>;
                project(p: [number, number]): { x: number; y: number };
              };
            }
          ).foncierMap;
          const idle = map.once('idle');
          map.jumpTo({ center: [lon, lat], zoom: 15 });
          await idle;
          return map.project([lon!, lat!]);
        },
        [target.lon, target.lat],
      );
      const box = (await page.locator('#zan-map canvas').boundingBox())!;
      await page.click('#zan-draw');
      // Vertices further apart than Terra Draw's 40 px closing distance, so only the last click closes.
      const d = 45;
      const corners = [
        [-d, -d],
        [d, -d],
        [d, d],
        [-d, d],
        [-d, -d],
      ];
      for (const [dx, dy] of corners) {
        await page.mouse.click(box.x + centre.x + dx!, box.y + centre.y + dy!);
        await page.waitForTimeout(150);
      }
      await page.waitForSelector('#zan-simulate:not([disabled])', { timeout: 10_000 });
      const answered = page.waitForResponse((r) => r.url().includes('/zan/simulate'));
      await page.click('#zan-simulate');
      expect((await answered).status()).toBe(200);
      await page.waitForSelector('#zan-simulation table');
      const levels = await page.$$eval('#zan-simulation tbody tr', (trs) =>
        trs.map((tr) => (tr as HTMLElement).dataset.level),
      );
      expect(levels).toContain('Commune');
      expect(levels).toContain('EPCI');
      expect(levels).toContain('Territoire d’industrie');
      const text = await page.textContent('#zan-simulation');
      expect(text).toMatch(/\d,\d{2} ha/);

      expect(await axeViolations(page)).toEqual([]);
      const size = `${viewport.width}x${viewport.height}`;
      await page.locator('#simulation').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/zan-simulation-${size}.png` });
      await page.locator('#pipeline').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/zan-pipeline-${size}.png` });
      await page.locator('#graphique').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/zan-chart-${size}.png` });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${shots}/zan-territory-${size}.png` });
      // No sideways scrolling at 390 px.
      const wide = await page.evaluate(
        (width) =>
          [...document.querySelectorAll('body *')]
            .filter(
              (e) => e.getBoundingClientRect().right > width + 1 && !e.parentElement?.closest('.table-scroll, .map'),
            )
            .map((e) => `${e.tagName}.${e.className}`),
        viewport.width,
      );
      expect(wide).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      expect(seen.errors).toEqual([]);
      expect([...seen.hosts]).toEqual(['127.0.0.1']);
      await page.close();
    },
    120_000,
  );

  it('lists the territories and opens a commune page', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const seen = watch(page);
    await page.goto(`${server.origin}/territoires`, { waitUntil: 'load' });
    await page.click('.cards li:first-child > a');
    await page.waitForURL(/\/zan$/);
    await page.click('.zan-communes tbody tr:first-child th a');
    await page.waitForURL(/\/territories\/\w{5}\/zan$/);
    expect(await page.textContent('.lead')).toContain('Commune');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${shots}/zan-commune-1366x900.png` });
    const commune = new URL(page.url()).pathname;
    await page.locator('#sparte').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/zan-commune-sparte-1366x900.png` });
    // The printable report of the same commune: the same chart, the year.
    await page.goto(`${server.origin}${commune}/report`, { waitUntil: 'load' });
    expect(await page.textContent('body')).toMatch(/enveloppe (non )?épuisée en \d{4}/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: `${shots}/zan-report-1366x900.png`, fullPage: true });
    expect(seen.errors).toEqual([]);
    expect([...seen.hosts]).toEqual(['127.0.0.1']);
    await page.close();
  }, 120_000);
});
