// MapLibre in headless Chromium, the way users meet it:
// 1. a page on ANOTHER origin (a second tiny server on another port) loads MapLibre GL JS, the
//    style, TileJSON, tiles and glyphs from the API: every request must pass CORS and the map
//    must draw our layers (map.queryRenderedFeatures);
// 2. the OGC API pages in HTML (landing, collections, collection, items, item) at 1366×900 and
//    390×844: French, no horizontal scrolling, a map drawing the page's features, nothing
//    fetched from any other host. Screenshots go to /tmp/shots-ogchtml/.
import { mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetPaths } from '../../src/web/assets.js';
import { backendName, firstLiveSite, openTestApp, type TestContext } from '../support/app.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';

const shots = process.env.FONCIER_SHOTS_DIR ?? '/tmp/shots-ogchtml';

/** What a page did on the network and the console, to assert nothing failed. */
function watch(page: Page, allowedOrigins: string[]) {
  const seen = { failed: [] as string[], foreign: [] as string[], errors: [] as string[], requests: [] as string[] };
  page.on('requestfailed', (request) => seen.failed.push(`${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) seen.failed.push(`${response.url()} ${response.status()}`);
  });
  page.on('request', (request) => {
    seen.requests.push(request.url());
    const url = new URL(request.url());
    if (!['data:', 'blob:'].includes(url.protocol) && !allowedOrigins.includes(url.origin))
      seen.foreign.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  return seen;
}

describe.skipIf(!chromiumAvailable)(`MapLibre in headless Chromium (${backendName()})`, () => {
  let t: TestContext;
  let api: ServedApp;
  let other: Server;
  let apiOrigin: string;
  let otherOrigin: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await openTestApp();
    api = await serveOnLoopback(t.app.fetch);
    apiOrigin = api.origin;
    // The other origin: a bare page that knows the API only by its URL.
    other = createServer((req, res) => {
      if (req.url !== '/') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Carte ailleurs</title>
<link rel="stylesheet" href="${apiOrigin}${assetPaths().maplibreCss}">
<style>html,body,#map{margin:0;width:100%;height:100%}</style></head>
<body><div id="map"></div><script type="module">
import * as maplibregl from '${apiOrigin}${assetPaths().maplibreJs}';
const map = new maplibregl.Map({ container: 'map', style: '${apiOrigin}/tiles/style.json' });
window.map = map;
map.once('idle', () => document.body.dataset.ready = 'true');
</script></body></html>`);
    });
    await new Promise<void>((resolve) => other.listen(0, 'localhost', resolve));
    otherOrigin = `http://localhost:${(other.address() as AddressInfo).port}`;
    browser = await launchChromium(['--use-angle=swiftshader', '--enable-unsafe-swiftshader']);
    mkdirSync(shots, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => other?.close(resolve));
    await api?.close();
    await t?.close();
  });

  it('a page on another origin draws the territories and site clusters from the style, ' +
    'with no CORS error and nothing from a third host', async () => {
    expect(new URL(otherOrigin).origin).not.toBe(apiOrigin);
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    const seen = watch(page, [apiOrigin, otherOrigin]);
    await page.goto(`${otherOrigin}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    // The style's own centre and zoom (France at zoom 5): the map opened there.
    const view = await page.evaluate(() => {
      const map = (window as unknown as { map: { getCenter(): { lng: number; lat: number }; getZoom(): number } }).map;
      return { ...map.getCenter(), zoom: map.getZoom() };
    });
    expect(view.zoom).toBe(5);
    expect(view.lng).toBeCloseTo(2.5, 5);
    const rendered = await page.evaluate(() => {
      const map = (
        window as unknown as {
          map: { queryRenderedFeatures(o: object): { layer: { id: string }; properties: Record<string, unknown> }[] };
        }
      ).map;
      const count = (layer: string) => map.queryRenderedFeatures({ layers: [layer] }).length;
      return {
        territories: count('territories-fill'),
        sites: count('sites-cluster'),
        labels: count('sites-cluster-count'),
      };
    });
    expect(rendered.territories).toBeGreaterThan(0);
    expect(rendered.sites).toBeGreaterThan(0);
    // Cluster counts are labels: drawn with the glyphs the project serves.
    expect(rendered.labels).toBeGreaterThan(0);
    expect(
      seen.requests.some((url) => url.startsWith(`${apiOrigin}/tiles/fonts/Noto%20Sans%20Regular/0-255.pbf`)),
    ).toBe(true);
    expect(seen.requests.filter((url) => url.includes('.mvt')).length).toBeGreaterThan(0);
    expect(seen.failed).toEqual([]);
    expect(seen.foreign).toEqual([]);
    expect(seen.errors.filter((e) => /CORS|blocked|Failed to fetch|AJAXError/i.test(e))).toEqual([]);
    await page.screenshot({ path: `${shots}/other-origin-map.png` });
    await page.close();
  }, 120_000);

  const viewports = [
    { name: 'desktop', width: 1366, height: 900 },
    { name: 'mobile', width: 390, height: 844 },
  ];

  for (const viewport of viewports) {
    it(`the OGC pages in HTML (${viewport.width}×${viewport.height}): French, no sideways scrolling, ` +
      'maps drawing the features, nothing from another host', async () => {
      const site = await firstLiveSite(t);
      const pages = [
        { name: 'landing', path: '/ogc?f=html', h1: 'Foncier — OGC API Features', map: false },
        { name: 'collections', path: '/ogc/collections?f=html', h1: 'Collections', map: false },
        {
          name: 'collection',
          path: '/ogc/collections/sites?f=html',
          h1: 'Sites économiques (CNIG site-eco)',
          map: true,
        },
        {
          name: 'items',
          path: '/ogc/collections/sites/items?f=html&limit=10',
          h1: 'Sites économiques (CNIG site-eco) : entités',
          map: true,
          features: true,
        },
        {
          name: 'item',
          path: `/ogc/collections/sites/items/${site.id}?f=html`,
          h1: site.name,
          map: true,
          features: true,
        },
      ];
      const page = await browser.newPage({ viewport: { width: viewport.width, height: viewport.height } });
      const seen = watch(page, [apiOrigin]);
      for (const p of pages) {
        const response = await page.goto(`${apiOrigin}${p.path}`);
        expect(response?.status(), p.path).toBe(200);
        expect(response?.headers()['content-type'], p.path).toContain('text/html');
        expect(await page.getAttribute('html', 'lang')).toBe('fr');
        expect((await page.textContent('h1'))?.trim(), p.path).toBe(p.h1);
        expect(await page.locator('main').count()).toBe(1);
        if (p.map) {
          await page.waitForSelector('.map[data-ready="true"]', { timeout: 60_000 });
          if (p.features) {
            const drawn = await page.evaluate(
              () =>
                (
                  window as unknown as { foncierMap: { queryRenderedFeatures(o: object): unknown[] } }
                ).foncierMap.queryRenderedFeatures({ layers: ['page-fill', 'page-centre'] }).length,
            );
            expect(drawn, p.path).toBeGreaterThan(0);
          }
          const box = await page.locator('.map').boundingBox();
          expect(box!.height).toBeGreaterThan(200);
        }
        // Usable at 390 px: the page itself never scrolls sideways (wide tables scroll in their box).
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${p.path} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        const shot = `${shots}/${p.name}-${viewport.width}x${viewport.height}.png`;
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(5_000);
      }
      // The items table links each feature to its page, and the pager to the next page, in HTML.
      await page.goto(`${apiOrigin}/ogc/collections/sites/items?f=html&limit=5`);
      expect(await page.locator('tbody tr').count()).toBe(5);
      expect(await page.getAttribute('a[rel=next]', 'href')).toContain('f=html');
      expect(seen.foreign).toEqual([]);
      expect(seen.failed).toEqual([]);
      expect(seen.errors).toEqual([]);
      await page.close();
    }, 180_000);
  }
});
