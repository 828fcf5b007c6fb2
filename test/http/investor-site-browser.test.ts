// The site page and the comparison in headless Chromium: the map is drawn with the site's plots,
// the name and plots table are there; "Ajouter à la comparaison" on two sites, open the
// comparison, remove one; print media; no page error, no request to another host, axe-core
// without serious or critical violations; screenshots at 1366×900 and 390×844.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';

const shots = '/work/wt/shots/h14site';
const viewports = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'mobile', width: 390, height: 844 },
];

describe.skipIf(!chromiumAvailable)('the site page and the comparison in headless Chromium', () => {
  let t: TestContext;
  let server: ServedApp;
  let browser: Browser;
  let sites: { id: string; name: string; plots: number }[];

  beforeAll(async () => {
    t = await openTestApp();
    server = await serveOnLoopback(t.app.fetch);
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
    const rows = await t.handle.db
      .selectFrom('sites as s')
      .select((eb) => [
        's.id',
        's.name',
        eb
          .selectFrom('plots as p')
          .select((p) => p.fn.countAll<number>().as('n'))
          .whereRef('p.siteId', '=', 's.id')
          .where('p.deletedAt', 'is', null)
          .as('plots'),
      ])
      .where('s.deletedAt', 'is', null)
      .orderBy('s.cnigId')
      .execute();
    sites = rows
      .map((r) => ({ id: r.id, name: r.name, plots: Number(r.plots) }))
      .filter((s) => s.plots >= 2)
      .slice(0, 3);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** A page that records its errors and the host of every request it makes. */
  async function watchedPage(viewport: { width: number; height: number }) {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    const hosts = new Set<string>();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    return { page, errors, hosts };
  }

  async function axeViolations(page: Page) {
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } })
        .axe;
      return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
    });
    return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  it('opens a site page: map drawn with its plots, name, plots table; ' +
    'adds sites to a comparison and removes one', async () => {
    expect(sites.length).toBeGreaterThanOrEqual(3);
    const origin = new URL(server.origin).host;
    for (const viewport of viewports) {
      const { page, errors, hosts } = await watchedPage(viewport);
      const [first, second, third] = sites as [(typeof sites)[0], (typeof sites)[0], (typeof sites)[0]];
      const response = await page.goto(`${server.origin}/sites/${first.id}`);
      expect(response?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      expect((await page.textContent('h1'))?.trim()).toBe(first.name);
      expect(await page.locator('table.plots tbody tr').count()).toBe(first.plots);
      await page.waitForSelector('.map[data-ready="true"]', { timeout: 60_000 });
      expect(await page.locator('.map canvas').count()).toBe(1);
      const drawn = await page.evaluate(() => {
        const map = (
          window as unknown as {
            foncierMap: { querySourceFeatures(source: string): { properties: { kind: string; cnigId?: string } }[] };
          }
        ).foncierMap;
        return [
          ...new Set(
            map
              .querySourceFeatures('site')
              .filter((f) => f.properties.kind === 'plot')
              .map((f) => f.properties.cnigId),
          ),
        ].length;
      });
      expect(drawn).toBe(first.plots);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(shots, `site-${viewport.name}.png`), fullPage: viewport.name === 'desktop' });

      if (viewport.name === 'desktop') {
        await page.emulateMedia({ media: 'print' });
        expect(await page.locator('header').isVisible()).toBe(false);
        expect(await page.locator('.maplibregl-control-container').isVisible()).toBe(false);
        await page.screenshot({ path: join(shots, 'site-print.png'), fullPage: true });
        await page.emulateMedia({ media: 'screen' });
      }

      // The basket: this site, then two others from their pages; the comparison link appears.
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.getByRole('button', { name: 'Ajouter à la comparaison' }).click();
      expect(await page.getAttribute('button[data-compare-add]', 'aria-pressed')).toBe('true');
      expect(await page.locator('a[data-compare-link]').isVisible()).toBe(false);
      for (const other of [second, third]) {
        await page.goto(`${server.origin}/sites/${other.id}`);
        await page.getByRole('button', { name: 'Ajouter à la comparaison' }).click();
      }
      await expect.poll(() => page.locator('[data-compare-status]').textContent()).toContain('3 sites');
      await page.getByRole('link', { name: 'Voir la comparaison' }).click();
      await page.waitForURL(/\/sites\/compare\?ids=/);
      expect(new URL(page.url()).searchParams.get('ids')).toBe([first.id, second.id, third.id].join(','));
      expect((await page.textContent('h1'))?.trim()).toBe('Comparaison de sites');
      expect(await page.locator('.compare thead th').count()).toBe(4);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({
        path: join(shots, `compare-${viewport.name}.png`),
        fullPage: viewport.name === 'desktop',
      });

      // The table scrolls sideways in a focusable region on a phone.
      await page.focus('.table-scroll');
      expect(await page.evaluate(() => document.activeElement?.classList.contains('table-scroll'))).toBe(true);

      await page.getByRole('link', { name: `Retirer ${second.name}` }).click();
      await page.waitForURL((url) => url.searchParams.get('ids') === `${first.id},${third.id}`);
      expect(await page.locator('.compare thead th').count()).toBe(3);
      expect(await page.evaluate(() => localStorage.getItem('foncier.compare'))).toBe(
        JSON.stringify([first.id, third.id]),
      );

      // The header's "Comparaison" opens the basket's comparison.
      await page.goto(`${server.origin}/sites/${first.id}`);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Comparaison' }).click();
      await page.waitForURL((url) => url.searchParams.get('ids') === `${first.id},${third.id}`);

      expect(errors).toEqual([]);
      // A bad comparison: the problem on a French page (Chromium logs the 400 itself).
      const bad = await page.goto(`${server.origin}/sites/compare?ids=${first.id}`);
      expect(bad?.status()).toBe(400);
      expect((await page.textContent('h1'))?.trim()).toBe('Comparaison impossible');
      if (viewport.name === 'mobile') await page.screenshot({ path: join(shots, 'compare-problem-mobile.png') });

      expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
      expect([...hosts]).toEqual([origin]);
      await page.close();
    }
  }, 180_000);
});
