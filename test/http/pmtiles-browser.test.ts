// A territory's PMTiles archive drawn by MapLibre in Chromium through the pmtiles protocol
// (issue #18, target 7): the page, MapLibre (the app's /assets), pmtiles' browser bundle and the
// archive (with HTTP ranges, as a CDN serves it) all come from the test's loopback server. The
// map renders the territory's plots from the archive, with no page error and no other host.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetPaths } from '../../src/web/assets.js';
import { territoryPmtiles } from '../../src/tiles/pmtiles-export.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';
import { openTestApp, type TestContext } from '../support/app.js';

const shots = '/work/wt/shots/h18';
const pmtilesBundle = join(dirname(createRequire(import.meta.url).resolve('pmtiles/package.json')), 'dist/pmtiles.js');

let t: TestContext;
let served: ServedApp;
let browser: Browser;
let center: [number, number];

/** The archive as a static host serves it: whole, or the one byte range asked for (206). */
function rangeResponse(bytes: Uint8Array, range: string | null): Response {
  const match = /^bytes=(\d+)-(\d+)?$/.exec(range ?? '');
  if (!match) return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'accept-ranges': 'bytes' } });
  const start = Number(match[1]);
  const end = Math.min(bytes.length - 1, match[2] === undefined ? bytes.length - 1 : Number(match[2]));
  return new Response(bytes.slice(start, end + 1), {
    status: 206,
    headers: { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': String(end - start + 1) },
  });
}

const page = (maplibre: string, maplibreCss: string) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Archive PMTiles</title>
<link rel="stylesheet" href="${maplibreCss}"><script src="/pmtiles.js"></script>
<style>html, body, main, #map { margin: 0; height: 100%; }</style></head>
<body><main><h1 style="position:absolute;z-index:1;margin:0;font:16px sans-serif;background:#fff">Tuiles statiques</h1>
<div id="map" role="region" aria-label="Carte"></div></main>
<script type="module">
  const maplibregl = await import(${JSON.stringify(maplibre)});
  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol('pmtiles', protocol.tile);
  const map = new maplibregl.Map({
    container: 'map',
    center: ${JSON.stringify(center)},
    zoom: 14,
    // Kept for the screenshot, which reads the canvas after the frame.
    canvasContextAttributes: { preserveDrawingBuffer: true },
    style: {
      version: 8,
      sources: { foncier: { type: 'vector', url: 'pmtiles://' + location.origin + '/territory.pmtiles' } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } },
        { id: 'plots', type: 'fill', source: 'foncier', 'source-layer': 'plots', paint: { 'fill-color': '#b3261e' } },
        { id: 'sites', type: 'line', source: 'foncier', 'source-layer': 'sites', paint: { 'line-color': '#1d4ed8' } },
      ],
    },
  });
  map.once('idle', () => {
    // Polygons from z13 up (plots are grid clusters below): the archive's last zoom, overzoomed.
    window.drawn = map.querySourceFeatures('foncier', { sourceLayer: 'plots', filter: ['==', ['geometry-type'], 'Polygon'] }).length;
  });
</script></body></html>`;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  t = await openTestApp();
  const territory = (await t.handle.db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow())
    .id;
  const archive = (await territoryPmtiles(t.handle.db, t.handle.kind, territory, { minzoom: 10, maxzoom: 13 }))!;
  const { rows } = await sql<{ lon: number; lat: number }>`
    SELECT ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territory} ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
  center = [rows[0]!.lon, rows[0]!.lat];
  const { maplibreJs, maplibreCss } = assetPaths();
  served = await serveOnLoopback(async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/')
      return new Response(page(maplibreJs, maplibreCss), { headers: { 'content-type': 'text/html' } });
    if (pathname === '/pmtiles.js')
      return new Response(readFileSync(pmtilesBundle), { headers: { 'content-type': 'text/javascript' } });
    if (pathname === '/territory.pmtiles') return rangeResponse(archive.bytes, request.headers.get('range'));
    return t.app.fetch(request);
  });
  browser = await launchChromium(['--enable-unsafe-swiftshader', '--use-angle=swiftshader']);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await t?.close();
});

describe.skipIf(!chromiumAvailable)('a PMTiles archive in MapLibre', () => {
  it('draws the territory’s plots from the archive, loopback only, without errors', async () => {
    mkdirSync(shots, { recursive: true });
    for (const [width, height] of [
      [1366, 900],
      [390, 844],
    ] as const) {
      const context = await browser.newContext({ viewport: { width, height } });
      const tab = await context.newPage();
      const errors: string[] = [];
      const hosts = new Set<string>();
      tab.on('pageerror', (error) => errors.push(error.message));
      tab.on('request', (request) => hosts.add(new URL(request.url()).host));
      await tab.goto(`${served.origin}/`);
      await tab.waitForFunction(() => (window as unknown as { drawn?: number }).drawn !== undefined, null, {
        timeout: 60_000,
      });
      expect(await tab.evaluate(() => (window as unknown as { drawn: number }).drawn)).toBeGreaterThan(0);
      await tab.screenshot({ path: `${shots}/pmtiles-${width}.png` });
      expect(errors).toEqual([]);
      expect([...hosts]).toEqual([new URL(served.origin).host]);
      await context.close();
    }
  }, 180_000);
});
