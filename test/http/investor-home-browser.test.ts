// The investor home page in headless Chromium: the server's list is the API's first page, a
// filter changed through the form changes the URL and the list (and back restores both), a place
// is chosen by name through the suggestions, hovering and clicking a result moves the map; no
// page error, no request to another host, axe-core without serious or critical violation,
// screenshots at 1366×900 and 390×844.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { glyphRange } from '../../tiles/glyphs.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { testClock } from '../support/clock.js';
import { chromiumAvailable, launchChromium, type ServedApp, serveOnLoopback } from '../support/browser.js';

const shots = '/work/wt/shots/h14home';
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const brief =
  'min_area_ha=12&max_area_ha=40&min_power_mw=20&rail_siding=true&max_motorway_km=10' +
  '&available_before=2028-06-30&region=84';

interface Api {
  total: number;
  items: Array<{ id: string; name: string; location: { point: { coordinates: [number, number] } | null } }>;
}

describe.skipIf(!chromiumAvailable)('the investor home page in headless Chromium', () => {
  let t: TestContext;
  let server: ServedApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await openTestApp();
    server = await serveOnLoopback(t.app.fetch);
    base = server.origin;
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  const api = async (query: string) => (await (await t.get(`/sites${query ? `?${query}` : ''}`)).json()) as Api;
  const listed = (page: Page) =>
    page.$$eval('.results > .result', (items) => items.map((li) => (li as HTMLElement).dataset.id));

  async function open(width: number, height: number, path: string) {
    const page = await browser.newPage({ viewport: { width, height } });
    const errors: string[] = [];
    const hosts = new Set<string>();
    page.on('pageerror', (error) => errors.push(error.message));
    // The one refused brief the test types answers 400, which Chromium logs as a failed resource.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('status of 400')) errors.push(message.text());
    });
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    await page.goto(`${base}${path}`, { waitUntil: 'load' });
    await page.waitForSelector('.home[data-ready="true"]');
    await page.waitForSelector('#carte[data-ready="true"]', { timeout: 30_000 });
    return { page, errors, hosts };
  }

  async function axe(page: Page) {
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(async () => {
      const run = (
        window as unknown as {
          axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
        }
      ).axe;
      return (await run.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  it('lists the API’s first page, follows the form, back and forward, places by name, and moves the map', async () => {
    const issueBrief = await api(brief);
    const { page, errors, hosts } = await open(1366, 900, `/?${brief}`);
    expect(await listed(page)).toEqual(issueBrief.items.map((i) => i.id));
    expect(await page.textContent('.result-count')).toContain(
      issueBrief.total === 0 ? 'Aucun site' : String(issueBrief.total),
    );

    // One filter changed through the form: the URL and the list follow it; back and forward restore both.
    const region = 'region=84';
    const regionApi = await api(region);
    await page.goto(`${base}/?${region}`, { waitUntil: 'load' });
    await page.waitForSelector('.home[data-ready="true"]');
    expect(await listed(page)).toEqual(regionApi.items.map((i) => i.id));
    await page.selectOption('#f-rail_siding', 'true');
    const railed = `${region}&rail_siding=true`;
    await page.waitForURL((url) => url.search === `?${railed}`);
    const railedApi = await api(railed);
    expect(railedApi.items.map((i) => i.id)).not.toEqual(regionApi.items.map((i) => i.id));
    const shows = (ids: string[]) =>
      page.waitForFunction(
        (joined) =>
          [...document.querySelectorAll('.results > .result')].map((li) => li.getAttribute('data-id')).join() ===
          joined,
        ids.join(),
      );
    await shows(railedApi.items.map((i) => i.id));
    await page.goBack();
    await page.waitForURL((url) => url.search === `?${region}`);
    await shows(regionApi.items.map((i) => i.id));
    expect(await page.inputValue('#f-rail_siding')).toBe('');
    await page.goForward();
    await page.waitForURL((url) => url.search === `?${railed}`);
    await shows(railedApi.items.map((i) => i.id));
    expect(await page.inputValue('#f-rail_siding')).toBe('true');

    // A place by name: type part of a territory's name without accents, choose it with the keyboard.
    const territory = await t.handle.db
      .selectFrom('territories')
      .select(['id', 'name'])
      .where('regionCode', '=', '84')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const typed = territory.name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().slice(0, 8);
    await page.fill('#f-lieu', '');
    await page.type('#f-lieu', typed);
    // The list follows the typing: wait for the suggestions of the whole text, not of its first letters.
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('#lieu-suggestions:not([hidden]) [role=option]')].some((el) =>
          (el.textContent ?? '').startsWith(name),
        ),
      territory.name,
    );
    const options = await page.$$eval('#lieu-suggestions [role=option]', (els) =>
      els.map((el) => el.textContent ?? ''),
    );
    const index = options.findIndex((text) => text.startsWith(territory.name) && text.includes('Territoire'));
    expect(index, options.join(' | ')).toBeGreaterThanOrEqual(0);
    for (let i = 0; i <= index; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const byPlace = `territory=${territory.id}&rail_siding=true`;
    await page.waitForURL((url) => url.search === `?${byPlace}`);
    const placeApi = await api(byPlace);
    await shows(placeApi.items.map((i) => i.id));
    expect(await page.inputValue('#f-lieu')).toBe(territory.name);
    // A name typed (no accent, no hyphen) and submitted without choosing: the best suggestion, as without script.
    await page.fill('#f-lieu', 'auvergne rhone');
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.search === '?region=84&rail_siding=true');
    expect(await page.inputValue('#f-lieu')).toBe('Auvergne-Rhône-Alpes');

    // Hover highlights the site on the map, "Voir sur la carte" flies there.
    const first = placeApi.items[0];
    expect(first?.location.point).not.toBeNull();
    await page.hover(`.result[data-id="${first?.id}"] h3`);
    const state = await page.evaluate(() => {
      const map = (
        window as unknown as {
          foncierMap: {
            queryRenderedFeatures: (o: unknown) => Array<{ state: { hover?: boolean }; properties: { id: string } }>;
          };
        }
      ).foncierMap;
      return map
        .queryRenderedFeatures({ layers: ['results'] })
        .filter((f) => f.state.hover)
        .map((f) => f.properties.id);
    });
    expect(state).toEqual([first?.id]);
    expect(await page.getAttribute(`.result[data-id="${first?.id}"]`, 'class')).toContain('highlighted');
    await page.click(`.result[data-id="${first?.id}"] .result-zoom`);
    await page.waitForFunction(() => {
      const map = (window as unknown as { foncierMap: { isMoving: () => boolean; getZoom: () => number } }).foncierMap;
      return !map.isMoving() && map.getZoom() > 13.5;
    });
    const centre = await page.evaluate(() =>
      (window as unknown as { foncierMap: { getCenter: () => { lng: number; lat: number } } }).foncierMap.getCenter(),
    );
    const [lon, lat] = first?.location.point?.coordinates ?? [0, 0];
    expect(Math.abs(centre.lng - lon)).toBeLessThan(1e-3);
    expect(Math.abs(centre.lat - lat)).toBeLessThan(1e-3);

    // More results by cursor are appended under the list.
    await page.goto(`${base}/?limit=5`, { waitUntil: 'load' });
    await page.waitForSelector('.home[data-ready="true"]');
    const five = await api('limit=5');
    const nextUrl = new URL((five as unknown as { links: { next: string } }).links.next);
    const next = await api(nextUrl.search.slice(1));
    await page.click('.more a');
    await page.waitForFunction(() => document.querySelectorAll('.results > .result').length === 10);
    expect(await listed(page)).toEqual([...five.items, ...next.items].map((i) => i.id));

    // A refused parameter typed into the form: the API's problem, in French.
    await page.fill('#f-radius_km', '5');
    await page.click('button[type=submit]');
    await page.waitForSelector('.problems li');
    expect(await page.textContent('.problems')).toContain('Rayon (radius_km) : choisissez d’abord un point');

    await page.goto(
      `${base}/?${brief.replace('&region=84', '').replace('min_area_ha=12&max_area_ha=40', 'min_area_ha=5')}`,
      { waitUntil: 'load' },
    );
    await page.waitForSelector('#carte[data-ready="true"]');
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: `${shots}/home-1366.png` });
    expect(errors).toEqual([]);
    expect([...hosts]).toEqual([new URL(base).host]);
    await page.close();
  }, 180_000);

  it('filters by label status: the select changes the URL under the API’s name and the list', async () => {
    const labelShots = '/work/wt/shots/h14c';
    mkdirSync(labelShots, { recursive: true });
    const all = await api('');
    const labelled = await api('label_status=labelled');
    expect(labelled.items.length).toBeGreaterThan(0);
    expect(labelled.items.map((i) => i.id)).not.toEqual(all.items.map((i) => i.id));
    for (const [width, height] of [
      [1366, 900],
      [390, 844],
    ] as const) {
      const { page, errors, hosts } = await open(width, height, '/');
      expect(await listed(page)).toEqual(all.items.map((i) => i.id));
      if (width < 500) await page.click('.home-toggle');
      await page.selectOption('#f-label_status', 'labelled');
      await page.waitForURL((url) => url.search === '?label_status=labelled');
      await page.waitForFunction(
        (joined) =>
          [...document.querySelectorAll('.results > .result')].map((li) => li.getAttribute('data-id')).join() ===
          joined,
        labelled.items.map((i) => i.id).join(),
      );
      expect(await page.textContent('.result-count')).toContain(String(labelled.total));
      expect(await axe(page)).toEqual([]);
      await page.locator('#f-label_status').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${labelShots}/home-label-${width}.png` });
      expect(errors).toEqual([]);
      expect([...hosts]).toEqual([new URL(base).host]);
      await page.close();
    }
  }, 120_000);

  it('at 390 px: the panel folds behind its button above the map, the list stays usable, axe passes', async () => {
    const { page, errors, hosts } = await open(390, 844, '/?min_area_ha=5');
    expect(await page.isVisible('#criteres')).toBe(false);
    expect(await page.getAttribute('.home-toggle', 'aria-expanded')).toBe('false');
    await page.focus('.home-toggle');
    await page.keyboard.press('Enter');
    expect(await page.isVisible('#criteres')).toBe(true);
    const toggleBox = await page.locator('.home-toggle').boundingBox();
    const mapBox = await page.locator('#carte').boundingBox();
    expect(toggleBox && mapBox && toggleBox.y < mapBox.y).toBe(true);
    await page.click('.home-toggle');
    expect(await page.isVisible('#criteres')).toBe(false);
    // The list fits the width: no horizontal scroll.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect((await listed(page)).length).toBe((await api('min_area_ha=5')).items.length);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: `${shots}/home-390.png` });
    await page.click('.home-toggle');
    await page.screenshot({ path: `${shots}/home-390-criteres.png`, fullPage: false });
    expect(errors).toEqual([]);
    expect([...hosts]).toEqual([new URL(base).host]);
    await page.close();
  }, 120_000);

  it('draws the project’s layers over a configured basemap in its font, ' +
    'and alone when the basemap does not answer', async () => {
    // A basemap on another loopback port: a background, one label in its own font, its glyph server.
    const basemapServer = await serveOnLoopback((request) => {
      const url = new URL(request.url);
      if (url.pathname === '/style.json')
        return Response.json(
          {
            version: 8,
            glyphs: `${url.origin}/fonts/{fontstack}/{range}.pbf`,
            sources: { place: { type: 'geojson', data: { type: 'Point', coordinates: [4.9, 45.3] } } },
            layers: [
              { id: 'basemap-background', type: 'background', paint: { 'background-color': '#eef2e6' } },
              {
                id: 'basemap-label',
                type: 'symbol',
                source: 'place',
                layout: { 'text-field': 'Fond', 'text-font': ['Fond Sans'] },
              },
            ],
          },
          { headers: { 'access-control-allow-origin': '*' } },
        );
      const glyphs = /^\/fonts\/[^/]+\/(\d+)-\d+\.pbf$/.exec(decodeURIComponent(url.pathname));
      if (glyphs)
        return new Response(Buffer.from(glyphRange('Noto Sans Regular', Number(glyphs[1])) ?? []), {
          headers: { 'access-control-allow-origin': '*' },
        });
      return new Response('not found', { status: 404 });
    });
    const withBasemap = async (basemapStyleUrl: string) => {
      const app = createApp({ db: t.handle.db, backend: t.handle.kind, clock: testClock, basemapStyleUrl });
      const served = await serveOnLoopback(app.fetch);
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
      const fonts = new Set<string>();
      page.on('request', (request) => {
        const match = /\/fonts\/([^/]+)\//.exec(decodeURIComponent(new URL(request.url()).pathname));
        if (match) fonts.add(`${new URL(request.url()).host} ${match[1]}`);
      });
      await page.goto(`${served.origin}/?min_area_ha=5`, { waitUntil: 'load' });
      await page.waitForSelector('#carte[data-ready="true"]', { timeout: 30_000 });
      const layers = await page.evaluate(() => {
        const map = (
          window as unknown as {
            foncierMap: { getStyle: () => { layers: Array<{ id: string; layout?: Record<string, unknown> }> } };
          }
        ).foncierMap;
        return map.getStyle().layers.map((l) => ({ id: l.id, font: l.layout?.['text-font'] ?? null }));
      });
      await page.close();
      await served.close();
      return { layers, fonts };
    };
    // CORS: the basemap's style is fetched by the page's script.
    const onBasemap = await withBasemap(`${basemapServer.origin}/style.json`);
    const ids = onBasemap.layers.map((l) => l.id);
    expect(ids[0]).toBe('basemap-background');
    expect(ids).toContain('territories-fill');
    expect(ids).not.toContain('background');
    const ownLabels = onBasemap.layers.filter((l) => l.font !== null && l.id !== 'basemap-label');
    expect(ownLabels.length).toBeGreaterThan(0);
    for (const layer of ownLabels) expect(layer.font, layer.id).toEqual(['Fond Sans']);
    expect(
      [...onBasemap.fonts].every((f) => f === `${new URL(basemapServer.origin).host} Fond Sans`),
      [...onBasemap.fonts].join(),
    ).toBe(true);

    await basemapServer.close();
    const offline = await withBasemap(`${basemapServer.origin}/style.json`);
    expect(offline.layers.map((l) => l.id)).toEqual(
      expect.arrayContaining(['background', 'territories-fill', 'results']),
    );
  }, 120_000);
});
