// Vector tiles and per-territory GeoJSON over HTTP, on whichever backend the run uses:
// every tile asserted on is decoded with @mapbox/vector-tile and compared with the source
// rows within a tolerance of a few tile units.
import { gunzipSync } from 'node:zlib';
import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import turfBbox from '@turf/bbox';
import { sql } from 'kysely';
import type { FeatureCollection, Geometry } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ChangeFeed } from '../../src/changes.js';
import { FailureLimiter } from '../../src/auth/middleware.js';
import { createApiKey } from '../../src/auth/keys.js';
import { TileCache } from '../../tiles/cache.js';
import { createTileSources, encoderFor } from '../../tiles/source.js';
import { tileAt, tileUnitMetres } from '../../tiles/tile-math.js';
import { backendName, openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let territoryId: string;
/** A plot of the territory, its tile at zoom 15 and its geometry. */
let plot: { id: string; siteId: string; areaHa: number; lon: number; lat: number; geometry: Geometry; fid: number };

beforeAll(async () => {
  t = await openTestApp();
  const { rows } = await sql<{ territoryId: string; n: number }>`
    SELECT te.territory_id, count(*)::int AS n FROM plots p JOIN sites s ON s.id = p.site_id
    JOIN territory_epci te ON te.epci_siren = s.epci_siren GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`.execute(t.handle.db);
  territoryId = rows[0]!.territoryId;
  const { rows: plots } = await sql<typeof plot>`
    SELECT p.id::text AS id, p.site_id::text AS site_id, p.area_ha, ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat,
      ST_AsGeoJSON(p.geom)::json AS geometry, ('x' || left(md5(p.id::text), 12))::bit(48)::bigint AS fid
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territoryId} AND p.deleted_at IS NULL ORDER BY p.area_ha DESC LIMIT 1`.execute(t.handle.db);
  plot = plots[0]!;
});
afterAll(async () => t?.close());

async function decode(res: Response): Promise<VectorTile> {
  return new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
}

function features(layer: VectorTileLayer | undefined) {
  return layer ? Array.from({ length: layer.length }, (_, i) => layer.feature(i)) : [];
}

const plotTile = (z = 15) => tileAt(plot.lon, plot.lat, z);

describe('GET /tiles/{layer}/{z}/{x}/{y}.mvt', () => {
  it('returns the plots of the tile with integer ids, typed properties and coordinates matching the source', async () => {
    // Zoom 13: the largest plot fits in its tile, so nothing is clipped.
    const { z, x, y } = plotTile(13);
    const res = await t.get(`/tiles/plots/${z}/${x}/${y}.mvt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    const tile = await decode(res);
    expect(Object.keys(tile.layers)).toEqual(['plots']);
    const layer = tile.layers.plots!;
    expect(layer.extent).toBe(4096);
    expect(layer.version).toBe(2);
    const found = features(layer).find((f) => f.properties.id === plot.id)!;
    expect(found).toBeDefined();
    expect(found.id).toBe(Number(plot.fid));
    expect(found.type).toBe(3);
    expect(typeof found.properties.areaHa).toBe('number');
    expect(found.properties.areaHa).toBeCloseTo(plot.areaHa, 2);
    expect(found.properties.siteId).toBe(plot.siteId);
    for (const key of Object.keys(found.properties)) expect(key).not.toMatch(/owner|buyer/i);
    // The decoded outline matches the stored one within two tile units.
    const tolerance = (2 * tileUnitMetres(z)) / 111_000 / Math.cos((plot.lat * Math.PI) / 180);
    const decodedBox = turfBbox(found.toGeoJSON(x, y, z));
    const sourceBox = turfBbox(plot.geometry);
    for (let i = 0; i < 4; i++) expect(Math.abs(decodedBox[i]! - sourceBox[i]!)).toBeLessThan(tolerance);
    const ids = features(layer).map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws plots as points below zoom 13 and leaves them out below zoom 10 (204)', async () => {
    const low = plotTile(12);
    const tile = await decode(await t.get(`/tiles/plots/${low.z}/${low.x}/${low.y}.mvt`));
    const points = features(tile.layers.plots);
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((f) => f.type === 1)).toBe(true);
    const z9 = plotTile(9);
    expect((await t.get(`/tiles/plots/${z9.z}/${z9.x}/${z9.y}.mvt`)).status).toBe(204);
  });

  it('answers 204 for a tile without features, with Cache-Control', async () => {
    const res = await t.get('/tiles/plots/15/0/0.mvt');
    expect(res.status).toBe(204);
    expect(res.headers.get('cache-control')).toContain('no-cache');
  });

  it('sends an ETag, answers 304 to If-None-Match, and a long Cache-Control on versioned URLs', async () => {
    const { z, x, y } = plotTile();
    const first = await t.get(`/tiles/plots/${z}/${x}/${y}.mvt?v=abc`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toContain('max-age=86400');
    const again = await t.get(`/tiles/plots/${z}/${x}/${y}.mvt`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('gzips the tile when the client accepts it', async () => {
    const { z, x, y } = plotTile();
    const plain = new Uint8Array(await (await t.get(`/tiles/${z}/${x}/${y}.mvt`)).arrayBuffer());
    const res = await t.get(`/tiles/${z}/${x}/${y}.mvt`, { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const body = gunzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(new Uint8Array(body)).toEqual(plain);
  });

  it('gives the gzip and the plain tile distinct strong ETags and compares If-None-Match lists and weak tags', async () => {
    const { z, x, y } = plotTile(14);
    const path = `/tiles/${z}/${x}/${y}.mvt`;
    const gzip = { 'accept-encoding': 'gzip' };
    const plainTag = (await t.get(path)).headers.get('etag')!;
    const zipped = await t.get(path, { headers: gzip });
    const gzipTag = zipped.headers.get('etag')!;
    expect(plainTag).toMatch(/^"[^"]+"$/);
    expect(gzipTag).toMatch(/^"[^"]+"$/);
    expect(gzipTag).not.toBe(plainTag);
    expect(zipped.headers.get('vary')).toContain('accept-encoding');
    // Each tag validates its own representation only.
    expect((await t.get(path, { headers: { ...gzip, 'if-none-match': plainTag } })).status).toBe(200);
    expect((await t.get(path, { headers: { 'if-none-match': gzipTag } })).status).toBe(200);
    const notModified = await t.get(path, { headers: { ...gzip, 'if-none-match': `"elsewhere", W/${gzipTag}` } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(gzipTag);
    expect(notModified.headers.get('vary')).toContain('accept-encoding');
    expect((await t.get(path, { headers: { 'if-none-match': `W/${plainTag} , "elsewhere"` } })).status).toBe(304);
    expect((await t.get(path, { headers: { 'if-none-match': '*' } })).status).toBe(304);
  });

  it('rejects z/x/y out of range or not integers with 400, an unknown layer or territory with 404', async () => {
    for (const path of ['/tiles/plots/23/0/0.mvt', '/tiles/plots/2/4/0.mvt', '/tiles/plots/2/0/4.mvt', '/tiles/plots/1.5/0/0.mvt', '/tiles/plots/2/0/x.mvt', '/tiles/2/-1/0.mvt']) {
      const res = await t.get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await t.get('/tiles/parcels/2/0/0.mvt')).status).toBe(404);
    expect((await t.get('/tiles/2/0/0.mvt?territory=ti-nowhere')).status).toBe(404);
    expect((await t.get('/territories/ti-nowhere/tiles/2/0/0.mvt')).status).toBe(404);
    expect((await t.get('/tiles/2/0/0.mvt?zoom=3')).status).toBe(400);
  });
});

describe('GET /tiles/{z}/{x}/{y}.mvt (composite) and territory filters', () => {
  it('holds the territories, sites and plots layers in one tile', async () => {
    const { z, x, y } = plotTile(14);
    const tile = await decode(await t.get(`/tiles/${z}/${x}/${y}.mvt`));
    expect(Object.keys(tile.layers).sort()).toEqual(['plots', 'sites', 'territories']);
    const site = features(tile.layers.sites).find((f) => f.properties.id === plot.siteId);
    expect(site?.type).toBe(3);
    expect(typeof site?.properties.turnkey).toBe('boolean');
    expect(features(tile.layers.territories).some((f) => f.properties.id === territoryId)).toBe(true);
  });

  it('restricts a tile to one territory with ?territory= and under /territories/{id}/tiles', async () => {
    const { z, x, y } = plotTile(10);
    const other = await t.handle.db.selectFrom('territories').select('id').where('id', '!=', territoryId).orderBy('id').executeTakeFirstOrThrow();
    const filtered = await decode(await t.get(`/tiles/${z}/${x}/${y}.mvt?territory=${territoryId}`));
    expect(features(filtered.layers.territories).map((f) => f.properties.id)).toEqual([territoryId]);
    const nested = new Uint8Array(await (await t.get(`/territories/${territoryId}/tiles/${z}/${x}/${y}.mvt`)).arrayBuffer());
    const query = new Uint8Array(await (await t.get(`/tiles/${z}/${x}/${y}.mvt?territory=${territoryId}`)).arrayBuffer());
    expect(nested).toEqual(query);
    const elsewhere = await t.get(`/tiles/plots/${z}/${x}/${y}.mvt?territory=${other.id}`);
    if (elsewhere.status === 200) expect(features((await decode(elsewhere)).layers.plots).some((f) => f.properties.id === plot.id)).toBe(false);
    else expect(elsewhere.status).toBe(204);
  });
});

describe('TileJSON and style', () => {
  it('describes a layer in TileJSON 3.0.0 with fields, bounds, center, zooms and a versioned tile URL', async () => {
    const res = await t.get('/tiles/plots.json');
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.tilejson).toBe('3.0.0');
    expect(doc.tiles[0]).toMatch(/^http:\/\/localhost\/tiles\/plots\/\{z\}\/\{x\}\/\{y\}\.mvt\?v=[a-z0-9]+$/);
    expect(doc.vector_layers).toHaveLength(1);
    expect(doc.vector_layers[0].fields.areaHa).toMatch(/^Number/);
    expect(doc.vector_layers[0].fields.turnkey).toMatch(/^Boolean/);
    expect([doc.minzoom, doc.maxzoom]).toEqual([10, 16]);
    expect(doc.bounds).toHaveLength(4);
    expect(doc.center).toHaveLength(3);
    expect(doc.attribution).toContain('CNIG');
    const composite = await (await t.get(`/tiles/composite.json?territory=${territoryId}`)).json();
    expect(composite.vector_layers.map((l: { id: string }) => l.id)).toEqual(['territories', 'sites', 'plots']);
    expect(composite.tiles[0]).toContain(`territory=${territoryId}`);
    expect((await t.get('/tiles/parcels.json')).status).toBe(404);
  });

  it('documents the tile routes in the OpenAPI document', async () => {
    const doc = await (await t.get('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/tiles/{z}/{x}/{y}.mvt', '/tiles/{layer}/{z}/{x}/{y}.mvt', '/tiles/{layer}.json', '/territories/{id}/tiles/{z}/{x}/{y}.mvt', '/territories/{id}/plots.geojson']));
  });

  it('serves a MapLibre style drawing the three layers from the composite TileJSON', async () => {
    const style = await (await t.get('/tiles/style.json')).json();
    expect(style.version).toBe(8);
    expect(style.sources.foncier.url).toBe('http://localhost/tiles/composite.json');
    const sourceLayers = new Set(style.layers.map((l: { 'source-layer'?: string }) => l['source-layer']).filter(Boolean));
    expect([...sourceLayers].sort()).toEqual(['plots', 'sites', 'territories']);
  });
});

describe('tile cache freshness', () => {
  it('after a plot write, the tiles the plot touches are rebuilt and an untouched tile stays cached', async () => {
    const changes = new ChangeFeed();
    const app = createApp({ db: t.handle.db, backend: t.handle.kind, changes, failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }) });
    const get = (path: string) => app.request(`http://localhost${path}`);
    const touched = plotTile(16);
    const far = await t.handle.db.selectFrom('territories').select((eb) => [sql<number>`ST_X(ST_PointOnSurface(geom))`.as('lon'), sql<number>`ST_Y(ST_PointOnSurface(geom))`.as('lat')]).where('id', '!=', territoryId).orderBy('id').executeTakeFirstOrThrow();
    const untouched = tileAt(far.lon, far.lat, 12);
    const paths = [`/tiles/plots/${touched.z}/${touched.x}/${touched.y}.mvt`, `/tiles/${untouched.z}/${untouched.x}/${untouched.y}.mvt`];
    for (const path of paths) expect((await get(path)).headers.get('x-tile-cache')).toBe('miss');
    for (const path of paths) expect((await get(path)).headers.get('x-tile-cache')).toBe('hit');

    // Move the plot 40 m east, as the write side would, and announce it.
    const before = plot.geometry;
    const { rows } = await sql<{ geometry: Geometry }>`
      UPDATE plots SET geom = ST_Translate(geom, 0.0005, 0), updated_at = now() WHERE id = ${plot.id} RETURNING ST_AsGeoJSON(geom)::json AS geometry`.execute(t.handle.db);
    const after = rows[0]!.geometry;
    changes.publish({ entity: 'plot', id: plot.id, action: 'update', before, after });

    const fresh = await get(paths[0]!);
    expect(fresh.headers.get('x-tile-cache')).toBe('miss');
    const moved = features((await decode(fresh)).layers.plots).find((f) => f.properties.id === plot.id)!;
    const box = turfBbox(moved.toGeoJSON(touched.x, touched.y, touched.z));
    const [west] = turfBbox(after);
    expect(Math.abs(box[0] - west)).toBeLessThan(0.00005);
    expect((await get(paths[1]!)).headers.get('x-tile-cache')).toBe('hit');
    await sql`UPDATE plots SET geom = ST_Translate(geom, -0.0005, 0) WHERE id = ${plot.id}`.execute(t.handle.db);
  });
});

describe('tile cache freshness through the HTTP write side', () => {
  it('a label move rebuilds the tiles of the site; a bulk import resets the cache', async () => {
    const changes = new ChangeFeed();
    const app = createApp({ db: t.handle.db, backend: t.handle.kind, changes, failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }) });
    const { key } = await createApiKey(t.handle.db, { name: 'tile admin', role: 'admin' });
    const { rows } = await sql<{ id: string; lon: number; lat: number }>`
      SELECT id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM sites
      WHERE turnkey_programme IS NULL AND deleted_at IS NULL ORDER BY cnig_id LIMIT 1`.execute(t.handle.db);
    const site = rows[0]!;
    const tile = tileAt(site.lon, site.lat, 14);
    const path = `/tiles/sites/${tile.z}/${tile.x}/${tile.y}.mvt`;
    const get = () => app.request(`http://localhost${path}`);
    const labelOf = async (res: Response) => features((await decode(res)).layers.sites).find((f) => f.properties.id === site.id)?.properties.labelStatus;
    expect(await labelOf(await get())).toBeUndefined();
    expect((await get()).headers.get('x-tile-cache')).toBe('hit');

    const moved = await app.request(`http://localhost/sites/${site.id}/label/transitions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'draft' }) });
    expect(moved.status).toBe(200);
    const fresh = await get();
    expect(fresh.headers.get('x-tile-cache')).toBe('miss');
    expect(await labelOf(fresh)).toBe('draft');

    expect((await get()).headers.get('x-tile-cache')).toBe('hit');
    changes.reset('import');
    expect((await get()).headers.get('x-tile-cache')).toBe('miss');
  });
});

describe('tile cache and data versions', () => {
  it('does not serve a versioned URL a tile cached from older data, even after a write it was not told about', async () => {
    const app = createApp({ db: t.handle.db, backend: t.handle.kind, failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }) });
    const get = (path: string) => app.request(`http://localhost${path}`);
    const versionOf = async () => new URL((await (await get('/tiles/plots.json')).json()).tiles[0].replace(/[{}]/g, '')).searchParams.get('v')!;
    const { z, x, y } = plotTile(16);
    const layerPath = `/tiles/plots/${z}/${x}/${y}.mvt`;
    const compositePath = `/tiles/${z}/${x}/${y}.mvt`;
    const westOf = async (res: Response) => {
      const found = features((await decode(res)).layers.plots).find((f) => f.properties.id === plot.id)!;
      return turfBbox(found.toGeoJSON(x, y, z))[0];
    };
    const v1 = await versionOf();
    expect((await get(`${layerPath}?v=${v1}`)).headers.get('x-tile-cache')).toBe('miss');
    expect((await get(`${compositePath}?v=${v1}`)).headers.get('x-tile-cache')).toBe('miss');
    expect((await get(`${layerPath}?v=${v1}`)).headers.get('x-tile-cache')).toBe('hit');

    // Another process (foncier import, a second instance) moves the plot: no change is announced here.
    const { rows } = await sql<{ geometry: Geometry }>`
      UPDATE plots SET geom = ST_Translate(geom, 0.001, 0), updated_at = now() WHERE id = ${plot.id} RETURNING ST_AsGeoJSON(geom)::json AS geometry`.execute(t.handle.db);
    const [west] = turfBbox(rows[0]!.geometry);
    const v2 = await versionOf();
    expect(parseInt(v2, 36)).toBeGreaterThan(parseInt(v1, 36));

    const composite = await get(`${compositePath}?v=${v2}`);
    expect(composite.headers.get('x-tile-cache')).toBe('miss');
    expect(Math.abs((await westOf(composite)) - west)).toBeLessThan(0.00005);
    const layer = await get(`${layerPath}?v=${v2}`);
    expect(layer.headers.get('x-tile-cache')).toBe('miss');
    expect(Math.abs((await westOf(layer)) - west)).toBeLessThan(0.00005);
    // The rebuilt tiles serve older versions and bare URLs too.
    for (const path of [`${layerPath}?v=${v1}`, layerPath, `${compositePath}?v=${v1}`, `${compositePath}?v=${v2}`]) {
      expect((await get(path)).headers.get('x-tile-cache'), path).toBe('hit');
    }
    await sql`UPDATE plots SET geom = ST_Translate(geom, -0.001, 0) WHERE id = ${plot.id}`.execute(t.handle.db);
  });

  it('caches a composite tile as one entry, taking the layer tiles already cached without storing them again', async () => {
    const cache = new TileCache();
    const sources = createTileSources(t.handle.db, encoderFor(t.handle.kind), cache);
    const { z, x, y } = plotTile(15);
    const composite = await sources.composite.tile(z, x, y);
    expect(composite).not.toBeNull();
    expect(cache.stats().entries).toBe(1);
    expect(cache.has({ layer: 'composite', z, x, y })).toBe(true);

    // A layer tile asked for on its own is cached; the next composite build takes it from there.
    await sources.layers.get('plots')!.tile(z, x, y);
    expect(cache.stats().entries).toBe(2);
    cache.invalidateTile('composite', z, x, y);
    const stats = { hits: 0, misses: 0 };
    expect(await sources.composite.tile(z, x, y, { stats })).toEqual(composite);
    expect(stats).toEqual({ hits: 1, misses: 3 });
    expect(cache.stats().entries).toBe(2);

    // A write under the plot drops the layer tile and the composite that holds it.
    cache.invalidateGeometries('plots', [plot.geometry]);
    expect(cache.has({ layer: 'composite', z, x, y })).toBe(false);
    expect(cache.has({ layer: 'plots', z, x, y })).toBe(false);
  });
});

describe('GET /territories/{id}/sites.geojson and plots.geojson', () => {
  it('streams the territory plots as an RFC 7946 FeatureCollection without natural-person names', async () => {
    const res = await t.get(`/territories/${territoryId}/plots.geojson`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    const text = await res.text();
    const doc = JSON.parse(text) as FeatureCollection;
    expect(doc.type).toBe('FeatureCollection');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM plots p JOIN sites s ON s.id = p.site_id
      JOIN territory_epci te ON te.epci_siren = s.epci_siren WHERE te.territory_id = ${territoryId} AND p.deleted_at IS NULL`.execute(t.handle.db);
    expect(doc.features).toHaveLength(rows[0]!.n);
    expect(doc.features.some((f) => f.id === plot.id)).toBe(true);
    const people = await t.handle.db.selectFrom('plots').select(['ownerName', 'buyerName']).where((eb) => eb.or([eb('ownerIsNaturalPerson', '=', true), eb('buyerIsNaturalPerson', '=', true)])).execute();
    for (const p of people) for (const name of [p.ownerName, p.buyerName]) if (name) expect(text).not.toContain(name);
  });

  it('streams the territory sites, and 404 for an unknown territory', async () => {
    const doc = (await (await t.get(`/territories/${territoryId}/sites.geojson`)).json()) as FeatureCollection;
    expect(doc.features.some((f) => f.id === plot.siteId)).toBe(true);
    expect((await t.get('/territories/ti-nowhere/sites.geojson')).status).toBe(404);
  });
});

it(`runs on ${backendName()}`, () => expect(['postgres', 'pglite']).toContain(t.handle.kind));
