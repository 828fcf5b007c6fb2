// The HTML encoding of /ogc over HTTP (the browser test draws it): f=html or a browser's
// Accept, French pages linking their JSON, JSON clients unaffected; and the page assets,
// served by the project with long cache lifetimes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConfigError, defaultBasemapStyleUrl, loadConfig } from '../../src/config.js';
import { assetPaths, clientScript } from '../../src/web/assets.js';
import { backendName, firstLiveSite, openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe(`OGC API in HTML (${backendName()})`, () => {
  it('f=html answers each page as French HTML that links its JSON and loads only project assets', async () => {
    const site = await firstLiveSite(t);
    for (const path of [
      '/ogc',
      '/ogc/collections',
      '/ogc/collections/plots',
      '/ogc/collections/plots/items',
      `/ogc/collections/sites/items/${site.id}`,
    ]) {
      const res = await t.get(`${path}?f=html`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=UTF-8');
      const html = await res.text();
      expect(html.startsWith('<!doctype html><html lang="fr">'), path).toBe(true);
      expect(html).toMatch(/<link rel="alternate" type="application\/(geo\+)?json"/);
      // Every script and stylesheet is ours, by path on this server.
      for (const [, src] of html.matchAll(/(?:src|href)="([^"]+\.(?:m?js|css))"/g))
        expect(src!.startsWith('/assets/'), src).toBe(true);
    }
  });

  it(
    'the items page names the count, links each feature and the next page in HTML, ' + 'and escapes property text',
    async () => {
      const res = await t.get('/ogc/collections/sites/items?f=html&limit=3&sortby=name');
      const html = await res.text();
      const { numberMatched } = await (await t.get('/ogc/collections/sites/items?limit=1')).json();
      expect(html).toContain(`Entités 1 à 3 sur ${new Intl.NumberFormat('fr-FR').format(numberMatched)}.`);
      expect(html.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(3);
      expect(html).toMatch(/href="http:\/\/localhost\/ogc\/collections\/sites\/items\?[^"]*f=html[^"]*" rel="next"/);
      expect(html).toMatch(/href="http:\/\/localhost\/ogc\/collections\/sites\/items\/[0-9a-f-]{36}\?f=html"/);
      // The features travel as JSON in a script element that no property can close.
      const data = html.match(/<script type="application\/json" id="carte-data">([\s\S]*?)<\/script>/)![1]!;
      expect(JSON.parse(data).features).toHaveLength(3);
      expect(data).not.toContain('<');
    },
  );

  it('a browser (Accept: text/html first) gets HTML; JSON clients and f=json get JSON, with Vary: accept', async () => {
    const browser = await t.get('/ogc/collections', { headers: { accept: browserAccept } });
    expect(browser.headers.get('content-type')).toContain('text/html');
    expect(browser.headers.get('vary')).toContain('accept');
    const json = await t.get('/ogc/collections', { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.headers.get('vary')).toContain('accept');
    const doc = await json.json();
    expect(doc.links).toContainEqual(expect.objectContaining({ rel: 'alternate', type: 'text/html' }));
    expect(doc.collections[0]).not.toHaveProperty('extentOrNull');
    const forced = await t.get('/ogc/collections/plots/items?f=json', { headers: { accept: browserAccept } });
    expect(forced.headers.get('content-type')).toBe('application/geo+json');
    const gdal = await t.get('/ogc/collections/plots/items', {
      headers: { accept: 'application/geo+json, application/json' },
    });
    expect(gdal.headers.get('content-type')).toBe('application/geo+json');
  });

  it('the map draws the project\u2019s style alone by default, and a configured basemap under it', async () => {
    const plain = await (await t.get('/ogc/collections/sites?f=html')).text();
    expect(plain).toContain('data-style="http://localhost/tiles/style.json"');
    expect(plain).toContain('data-basemap=""');
    const basemap = 'https://cartes.example.fr/styles/plan.json';
    const app = createApp({ db: t.handle.db, backend: t.handle.kind, basemapStyleUrl: basemap });
    const page = await (await app.request('http://localhost/ogc/collections/sites?f=html')).text();
    expect(page).toContain(`data-basemap="${basemap}"`);
    expect(page).toContain('data-style="http://localhost/tiles/style.json"');
    // Configuration: IGN's Plan IGN by default, none with `none` (the pages work offline), an http(s) URL when set.
    expect(loadConfig({}).basemapStyleUrl).toBe(defaultBasemapStyleUrl);
    expect(loadConfig({ FONCIER_BASEMAP_STYLE_URL: 'none' }).basemapStyleUrl).toBeUndefined();
    expect(loadConfig({ FONCIER_BASEMAP_STYLE_URL: basemap }).basemapStyleUrl).toBe(basemap);
    expect(() => loadConfig({ FONCIER_BASEMAP_STYLE_URL: 'plan.json' })).toThrow(ConfigError);
  });

  it('an unknown f is a 400 problem naming f; an unknown collection in HTML is a 404 problem', async () => {
    const bad = await t.get('/ogc/collections?f=xml');
    expect(bad.status).toBe(400);
    expect((await bad.json()).invalidParams[0].name).toBe('f');
    const missing = await t.get('/ogc/collections/nothing/items?f=html');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('page assets', () => {
  it(
    'MapLibre GL JS, its worker and CSS and the pages’ own files are served under versioned or hashed paths, ' +
      'cached for a year, with 304',
    async () => {
      const worker = assetPaths().maplibreJs.replace('maplibre-gl.mjs', 'maplibre-gl-worker.mjs');
      for (const path of [
        assetPaths().maplibreJs,
        worker,
        assetPaths().maplibreCss,
        clientScript('ogc-map'),
        assetPaths().pagesCss,
      ]) {
        expect(path).toMatch(/^\/assets\/(maplibre-gl@\d+\.\d+\.\d+\/|[a-z-]+\.[0-9a-f]{10}\.)/);
        const res = await t.get(path, { headers: { origin: 'http://elsewhere.example' } });
        expect(res.status, path).toBe(200);
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(res.headers.get('content-type')).toMatch(path.endsWith('css') ? /^text\/css/ : /^text\/javascript/);
        // Module scripts are fetched with CORS: a page elsewhere can load them.
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(500);
        const again = await t.get(path, { headers: { 'if-none-match': res.headers.get('etag')! } });
        expect(again.status).toBe(304);
      }
    },
  );

  it('an unknown asset, or an old hash, is a 404 problem', async () => {
    for (const path of [
      '/assets/maplibre-gl@0.0.1/maplibre-gl.mjs',
      '/assets/ogc-map.0000000000.js',
      '/assets/../package.json',
    ]) {
      const res = await t.get(path);
      expect(res.status, path).toBe(404);
    }
  });
});
