// Vector tiles and per-territory GeoJSON over HTTP, on whichever backend the run uses:
// every tile asserted on is decoded with @mapbox/vector-tile and compared with the source
// rows within a tolerance of a few tile units.
import { testClock } from '../support/clock.js';
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
import { CELL_LEVELS, CELLS_PER_SIDE } from '../../src/tiles/clusters.js';
import { findTileLayer } from '../../src/tiles/layers.js';
import { createTileSources, encoderFor } from '../../src/tiles/sources.js';
import { EXTENT, tileAt, tileUnitMetres, type TileCoord } from '../../tiles/tile-math.js';
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
    SELECT p.id::text AS id, p.site_id::text AS site_id, p.area_ha,
           ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat,
      ST_AsGeoJSON(p.geom)::json AS geometry, ('x' || left(md5(p.id::text), 12))::bit(48)::bigint AS fid
    FROM plots p JOIN sites s ON s.id = p.site_id JOIN territory_epci te ON te.epci_siren = s.epci_siren
    WHERE te.territory_id = ${territoryId} AND p.deleted_at IS NULL ORDER BY p.area_ha DESC LIMIT 1`.execute(
    t.handle.db,
  );
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
/** The tile holding the plot's west-most vertex once moved `dx` degrees east: there the
 * feature's west edge is the plot's own, not the tile's clip (a large plot spans z16 tiles). */
const westTile = (z: number, dx: number) => {
  const ring = (plot.geometry as { coordinates: number[][][][] }).coordinates.flat(2);
  const [lon, lat] = ring.reduce((best, p) => (p[0]! < best[0]! ? p : best));
  return tileAt(lon! + dx + 1e-5, lat!, z);
};

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

  it('draws plots as grid clusters below zoom 13 and leaves them out below zoom 10 (204)', async () => {
    const low = plotTile(12);
    const tile = await decode(await t.get(`/tiles/plots/${low.z}/${low.x}/${low.y}.mvt`));
    const clusters = features(tile.layers.plots);
    expect(clusters.length).toBeGreaterThan(0);
    expect(clusters.every((f) => f.type === 1 && typeof f.properties.count === 'number')).toBe(true);
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

  it('sends a tile it has just built plain while the cores are saturated, and gzipped from its first hit on', async () => {
    let saturated = true;
    let asked = 0;
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
      shedTileGzip: () => {
        asked++;
        return saturated;
      },
    });
    const gzip = { headers: { 'accept-encoding': 'gzip' } };
    const { z, x, y } = plotTile(15);
    const path = `http://localhost/tiles/${z}/${x}/${y}.mvt`;
    const shed = await app.request(path, gzip);
    expect(shed.status).toBe(200);
    expect(shed.headers.get('x-tile-cache')).toBe('miss');
    expect(shed.headers.get('content-encoding')).toBeNull();
    expect(shed.headers.get('vary')).toContain('accept-encoding');
    const plain = new Uint8Array(await shed.arrayBuffer());
    // The plain representation, with the plain bytes' tag (the one a client without gzip gets).
    const identity = await app.request(path);
    expect(shed.headers.get('etag')).toBe(identity.headers.get('etag'));
    expect(new Uint8Array(await identity.arrayBuffer())).toEqual(plain);
    // A hit is gzipped whatever the load, and the load is not asked for it.
    const before = asked;
    const hit = await app.request(path, gzip);
    expect(hit.headers.get('x-tile-cache')).toBe('hit');
    expect(hit.headers.get('content-encoding')).toBe('gzip');
    expect(new Uint8Array(gunzipSync(new Uint8Array(await hit.arrayBuffer())))).toEqual(plain);
    expect(asked).toBe(before);
    // Below the threshold a tile just built is gzipped at once.
    saturated = false;
    const next = plotTile(14);
    const zipped = await app.request(`http://localhost/tiles/${next.z}/${next.x}/${next.y}.mvt`, gzip);
    expect(zipped.headers.get('x-tile-cache')).toBe('miss');
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
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
    for (const path of [
      '/tiles/plots/23/0/0.mvt',
      '/tiles/plots/2/4/0.mvt',
      '/tiles/plots/2/0/4.mvt',
      '/tiles/plots/1.5/0/0.mvt',
      '/tiles/plots/2/0/x.mvt',
      '/tiles/2/-1/0.mvt',
    ]) {
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

const FOR_SALE = ['en vente', 'en vente avec contraintes'];
const sum = (list: { properties: Record<string, unknown> }[], key: string) =>
  list.reduce((n, f) => n + Number(f.properties[key] ?? 0), 0);

/** The highest zoom ≤ maxZoom at which a lon/lat box lies in one tile. */
function singleTile([w, s, e, n]: number[], maxZoom: number): TileCoord {
  for (let z = maxZoom; z >= 0; z--) {
    const a = tileAt(w!, n!, z);
    const b = tileAt(e!, s!, z);
    if (a.x === b.x && a.y === b.y) return a;
  }
  throw new Error('no single tile');
}

/** Column and row (over the world) of the cell a cluster id names: the inverse of tiles/clusters.ts clusterId. */
function cellOfClusterId(z: number, id: number): { cx: number; cy: number } {
  const level = z + CELL_LEVELS;
  const rest = id - (4 ** level - 1) / 3;
  return { cx: rest % 2 ** level, cy: Math.floor(rest / 2 ** level) };
}

describe('grid clusters below the polygon zooms', () => {
  const envelopeOf = ({ z, x, y }: TileCoord) =>
    sql`ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int), 4326)`;
  const inTerritory = (siteColumn: string, territory?: string) =>
    territory === undefined
      ? sql`true`
      : sql`${sql.ref(siteColumn)} IN (SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
        WHERE te.territory_id = ${territory})`;

  /** The plots the database holds in a tile's square, found with ST_Intersects, apart from the tiles. */
  async function plotsIn(tile: TileCoord, territory?: string) {
    const { rows } = await sql<{ id: string; areaHa: number; forSale: boolean; straddling: boolean }>`
      SELECT p.id::text AS id, p.area_ha, p.marketing_stage IN (${sql.join(FOR_SALE)}) AS for_sale,
             ST_Intersects(p.geom, ST_Boundary(${envelopeOf(tile)})) AS straddling
      FROM plots p WHERE p.deleted_at IS NULL AND ST_Intersects(p.geom, ${envelopeOf(tile)})
      AND ${inTerritory('p.site_id', territory)}`.execute(t.handle.db);
    return rows;
  }

  async function sitesIn(tile: TileCoord, territory?: string) {
    const { rows } = await sql<{ id: string; turnkey: boolean; availableAreaHa: number | null; straddling: boolean }>`
      SELECT s.id::text AS id, s.turnkey_programme IS NOT NULL AS turnkey,
        -- The available area as issue #14 defines it: the plots for sale, or as declared without plots.
        CASE WHEN EXISTS (SELECT 1 FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL)
          THEN (SELECT coalesce(sum(p.area_ha), 0) FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL
            AND p.marketing_stage IN (${sql.join(FOR_SALE)}))
          ELSE s.available_area_ha END AS available_area_ha,
        ST_Intersects(s.geom, ST_Boundary(${envelopeOf(tile)})) AS straddling
      FROM sites s WHERE s.deleted_at IS NULL AND ST_Intersects(s.geom, ${envelopeOf(tile)})
      AND ${inTerritory('s.id', territory)}`.execute(t.handle.db);
    return rows;
  }

  /** No name, owner or buyer of anyone in a cluster: only the layer's cluster properties. */
  function expectClusterProperties(layer: string, list: { properties: Record<string, unknown> }[]) {
    const allowed = Object.keys(findTileLayer(layer)!.clusterFields);
    for (const f of list)
      for (const key of Object.keys(f.properties)) expect(allowed, `${layer}.${key}`).toContain(key);
  }

  it('counts every site of a zoom 5-9 tile around a territory in its clusters, nothing dropped', async () => {
    const { rows } = await sql<{ w: number; s: number; e: number; n: number }>`
      SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n FROM (
        SELECT ST_Extent(s.geom)::geometry AS b FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
        WHERE te.territory_id = ${territoryId}) x`.execute(t.handle.db);
    const { w, s, e, n } = rows[0]!;
    const tile = singleTile([w, s, e, n], 9);
    const { z, x, y } = tile;
    const held = await sitesIn(tile);
    // The independent count is exact only if no site crosses the tile's edges.
    expect(held.filter((site) => site.straddling)).toEqual([]);
    expect(held.length).toBeGreaterThan(5);
    for (const path of [`/tiles/sites/${z}/${x}/${y}.mvt`, `/tiles/${z}/${x}/${y}.mvt`]) {
      const sites = features((await decode(await t.get(path))).layers.sites);
      expect(sites.every((f) => f.type === 1)).toBe(true);
      expect(sum(sites, 'count'), path).toBe(held.length);
      expect(sum(sites, 'turnkeyCount'), path).toBe(held.filter((site) => site.turnkey).length);
      expect(sum(sites, 'availableAreaHa')).toBeCloseTo(
        held.reduce((a, site) => a + (site.availableAreaHa ?? 0), 0),
        1,
      );
      expectClusterProperties('sites', sites);
    }
    const mine = await sitesIn(tile, territoryId);
    expect(
      sum(
        features((await decode(await t.get(`/tiles/sites/${z}/${x}/${y}.mvt?territory=${territoryId}`))).layers.sites),
        'count',
      ),
    ).toBe(mine.length);
  });

  it('counts every plot of a zoom 10 tile in its clusters, for sale and area included; a cluster of 1 names its plot', async () => {
    // The zoom 10 tile of the territory's plots holding the most plots with none across its edges.
    const { rows } = await sql<{ x: number; y: number }>`
      WITH tiles AS (
        SELECT DISTINCT floor((ST_X(c) + 180) / 360 * 1024)::int AS x,
               floor((0.5 - ln(tan(pi() / 4 + radians(ST_Y(c)) / 2)) / (2 * pi())) * 1024)::int AS y
        FROM (SELECT ST_PointOnSurface(p.geom) AS c FROM plots p JOIN sites s ON s.id = p.site_id
        JOIN territory_epci te ON te.epci_siren = s.epci_siren
          WHERE te.territory_id = ${territoryId}) p)
      SELECT x, y FROM tiles t
      WHERE NOT EXISTS (
        SELECT 1 FROM plots p
        WHERE ST_Intersects(p.geom, ST_Boundary(ST_Transform(ST_TileEnvelope(10, t.x, t.y), 4326))))
      ORDER BY (
        SELECT count(*) FROM plots p
        WHERE p.geom && ST_Transform(ST_TileEnvelope(10, t.x, t.y), 4326)) DESC, x, y
      LIMIT 1`.execute(t.handle.db);
    const tile = { z: 10, x: rows[0]!.x, y: rows[0]!.y };
    const held = await plotsIn(tile);
    expect(held.filter((p) => p.straddling)).toEqual([]);
    expect(held.length).toBeGreaterThan(10);
    const plotIds = new Set(held.map((p) => p.id));
    for (const path of [`/tiles/plots/10/${tile.x}/${tile.y}.mvt`, `/tiles/10/${tile.x}/${tile.y}.mvt`]) {
      const plots = features((await decode(await t.get(path))).layers.plots);
      expect(plots.every((f) => f.type === 1)).toBe(true);
      expect(sum(plots, 'count'), path).toBe(held.length);
      expect(sum(plots, 'availableCount'), path).toBe(held.filter((p) => p.forSale).length);
      expect(sum(plots, 'availableAreaHa')).toBeCloseTo(
        held.filter((p) => p.forSale).reduce((a, p) => a + p.areaHa, 0),
        1,
      );
      expect(sum(plots, 'areaHa')).toBeCloseTo(
        held.reduce((a, p) => a + p.areaHa, 0),
        1,
      );
      for (const f of plots) {
        if (f.properties.count === 1) expect(plotIds.has(String(f.properties.id))).toBe(true);
        else expect(f.properties.id).toBeUndefined();
      }
      expectClusterProperties('plots', plots);
    }
  });

  it('the cluster tiles of one zoom add up to the whole layer, each cluster id naming a cell of its tile', async () => {
    for (const [layer, z] of [
      ['sites', 6],
      ['sites', 10],
      ['plots', 10],
    ] as const) {
      const { rows } = await sql<{ lon: number; lat: number }>`
        SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM ${sql.table(layer)}
        WHERE deleted_at IS NULL`.execute(t.handle.db);
      // Every tile holding a feature, and its neighbours (a feature goes by its box centre).
      const tiles = new Set<string>();
      for (const { lon, lat } of rows) {
        const { x, y } = tileAt(lon, lat, z);
        for (const dx of [-1, 0, 1]) for (const dy of [-1, 0, 1]) tiles.add(`${x + dx}/${y + dy}`);
      }
      let count = 0;
      const ids = new Set<number>();
      for (const key of tiles) {
        const [x, y] = key.split('/').map(Number) as [number, number];
        const res = await t.get(`/tiles/${layer}/${z}/${x}/${y}.mvt`);
        if (res.status === 204) continue;
        for (const f of features((await decode(res)).layers[layer])) {
          count += Number(f.properties.count);
          expect(ids.has(f.id!)).toBe(false);
          ids.add(f.id!);
          const { cx, cy } = cellOfClusterId(z, f.id!);
          expect([Math.floor(cx / CELLS_PER_SIDE), Math.floor(cy / CELLS_PER_SIDE)]).toEqual([x, y]);
          // The point (the mean of its members) lies in that cell, within a tile unit of rounding.
          const cell = EXTENT / CELLS_PER_SIDE;
          const [point] = f.loadGeometry()[0]!;
          expect(point!.x).toBeGreaterThanOrEqual((cx % CELLS_PER_SIDE) * cell - 1);
          expect(point!.x).toBeLessThanOrEqual(((cx % CELLS_PER_SIDE) + 1) * cell + 1);
          expect(point!.y).toBeGreaterThanOrEqual((cy % CELLS_PER_SIDE) * cell - 1);
          expect(point!.y).toBeLessThanOrEqual(((cy % CELLS_PER_SIDE) + 1) * cell + 1);
        }
      }
      expect(count, layer).toBe(rows.length);
    }
  });
});

describe('GET /tiles/{z}/{x}/{y}.mvt (composite) and territory filters', () => {
  it('holds the territories, sites and plots layers in one tile', async () => {
    const { z, x, y } = plotTile(14);
    const tile = await decode(await t.get(`/tiles/${z}/${x}/${y}.mvt`));
    expect(Object.keys(tile.layers)).toEqual(expect.arrayContaining(['plots', 'sites', 'territories']));
    const site = features(tile.layers.sites).find((f) => f.properties.id === plot.siteId);
    expect(site?.type).toBe(3);
    expect(typeof site?.properties.turnkey).toBe('boolean');
    expect(features(tile.layers.territories).some((f) => f.properties.id === territoryId)).toBe(true);
  });

  it('restricts a tile to one territory with ?territory= and under /territories/{id}/tiles', async () => {
    const { z, x, y } = plotTile(10);
    const other = await t.handle.db
      .selectFrom('territories')
      .select('id')
      .where('id', '!=', territoryId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const filtered = await decode(await t.get(`/tiles/${z}/${x}/${y}.mvt?territory=${territoryId}`));
    expect(features(filtered.layers.territories).map((f) => f.properties.id)).toEqual([territoryId]);
    const nested = new Uint8Array(
      await (await t.get(`/territories/${territoryId}/tiles/${z}/${x}/${y}.mvt`)).arrayBuffer(),
    );
    const query = new Uint8Array(
      await (await t.get(`/tiles/${z}/${x}/${y}.mvt?territory=${territoryId}`)).arrayBuffer(),
    );
    expect(nested).toEqual(query);
    const elsewhere = await t.get(`/tiles/plots/${z}/${x}/${y}.mvt?territory=${other.id}`);
    if (elsewhere.status === 200)
      expect(features((await decode(elsewhere)).layers.plots).some((f) => f.properties.id === plot.id)).toBe(false);
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
    expect(doc.vector_layers[0].fields.count).toMatch(/^Number: cluster \(below zoom 13\)/);
    expect(doc.vector_layers[0].fields.availableCount).toMatch(/en vente/);
    expect(doc.vector_layers[0].fields.areaHa).toMatch(/cluster/);
    expect([doc.minzoom, doc.maxzoom]).toEqual([10, 16]);
    expect(doc.bounds).toHaveLength(4);
    expect(doc.center).toHaveLength(3);
    expect(doc.attribution).toContain('CNIG');
    const composite = await (await t.get(`/tiles/composite.json?territory=${territoryId}`)).json();
    expect(composite.vector_layers.map((l: { id: string }) => l.id)).toEqual([
      'territories',
      'sites',
      'plots',
      'brownfields',
    ]);
    const brownfields = composite.vector_layers.find((l: { id: string }) => l.id === 'brownfields');
    expect(Object.keys(brownfields.fields)).toEqual(
      expect.arrayContaining(['name', 'status', 'surfaceM2', 'cartofrichesUrl', 'count']),
    );
    expect(Object.keys(brownfields.fields).filter((k) => /owner|proprio/i.test(k))).toEqual([]);
    expect(composite.tiles[0]).toContain(`territory=${territoryId}`);
    expect((await t.get('/tiles/parcels.json')).status).toBe(404);
  });

  it('documents the tile routes in the OpenAPI document', async () => {
    const doc = await (await t.get('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/tiles/{z}/{x}/{y}.mvt',
        '/tiles/{layer}/{z}/{x}/{y}.mvt',
        '/tiles/{layer}.json',
        '/territories/{id}/tiles/{z}/{x}/{y}.mvt',
        '/territories/{id}/plots.geojson',
      ]),
    );
  });

  it('serves a MapLibre style drawing the four layers from the composite TileJSON, clusters sized and labelled by count', async () => {
    const style = await (await t.get('/tiles/style.json')).json();
    expect(style.version).toBe(8);
    expect(style.sources.foncier.url).toBe('http://localhost/tiles/composite.json');
    type StyleLayer = {
      id: string;
      type: string;
      'source-layer'?: string;
      filter?: unknown;
      minzoom?: number;
      maxzoom?: number;
      paint?: Record<string, unknown>;
      layout?: Record<string, unknown>;
    };
    const layers = style.layers as StyleLayer[];
    const sourceLayers = new Set(layers.map((l) => l['source-layer']).filter(Boolean));
    expect([...sourceLayers].sort()).toEqual(['brownfields', 'plots', 'sites', 'territories']);
    // Text needs glyphs; every layer id once.
    expect(style.glyphs).toContain('{fontstack}');
    expect(new Set(layers.map((l) => l.id)).size).toBe(layers.length);
    for (const id of ['sites', 'plots', 'brownfields']) {
      const definition = findTileLayer(id)!;
      const clusters = layers.filter((l) => l['source-layer'] === id && JSON.stringify(l.filter).includes('"count"'));
      const circle = clusters.find((l) => l.type === 'circle');
      const label = clusters.find((l) => l.type === 'symbol');
      expect(circle?.maxzoom, id).toBe(definition.clusterBelow);
      expect(JSON.stringify(circle?.paint?.['circle-radius'])).toContain('"count"');
      expect(label?.maxzoom, id).toBe(definition.clusterBelow);
      expect(JSON.stringify(label?.layout?.['text-field'])).toContain('"count"');
      // Polygons are drawn from the zoom the clusters stop at.
      const polygons = layers.filter((l) => l['source-layer'] === id && l.type === 'fill');
      expect(polygons.length, id).toBeGreaterThan(0);
      for (const l of polygons) expect(l.minzoom, l.id).toBe(definition.clusterBelow);
    }
  });
});

describe('tile cache freshness', () => {
  it('after a plot write, the tiles the plot touches are rebuilt and an untouched tile stays cached', async () => {
    const changes = new ChangeFeed();
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      changes,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
    });
    const get = (path: string) => app.request(`http://localhost${path}`);
    const touched = westTile(16, 0.0005);
    const far = await t.handle.db
      .selectFrom('territories')
      .select((_eb) => [
        sql<number>`ST_X(ST_PointOnSurface(geom))`.as('lon'),
        sql<number>`ST_Y(ST_PointOnSurface(geom))`.as('lat'),
      ])
      .where('id', '!=', territoryId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const untouched = tileAt(far.lon, far.lat, 12);
    const paths = [
      `/tiles/plots/${touched.z}/${touched.x}/${touched.y}.mvt`,
      `/tiles/${untouched.z}/${untouched.x}/${untouched.y}.mvt`,
    ];
    for (const path of paths) expect((await get(path)).headers.get('x-tile-cache')).toBe('miss');
    for (const path of paths) expect((await get(path)).headers.get('x-tile-cache')).toBe('hit');

    // Move the plot 40 m east, as the write side would, and announce it.
    const before = plot.geometry;
    const { rows } = await sql<{ geometry: Geometry }>`
      UPDATE plots SET geom = ST_Translate(geom, 0.0005, 0), updated_at = now() WHERE id = ${plot.id}
      RETURNING ST_AsGeoJSON(geom)::json AS geometry`.execute(t.handle.db);
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

describe('tile cache freshness of the cluster zooms', () => {
  it('an edit seen at zoom 16 drops the cluster tiles above it, layer and composite, and nothing far away', async () => {
    const changes = new ChangeFeed();
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      changes,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
    });
    const get = (path: string) => app.request(`http://localhost${path}`);
    const pathsOf = (layer: string, zooms: number[]) =>
      zooms
        .map((zoom) => plotTile(zoom))
        .flatMap(({ z, x, y }) => [`/tiles/${layer}/${z}/${x}/${y}.mvt`, `/tiles/${z}/${x}/${y}.mvt`]);
    const plotPaths = pathsOf('plots', [10, 12]);
    const sitePaths = pathsOf('sites', [5, 9]);
    const far = await t.handle.db
      .selectFrom('territories')
      .select((_eb) => [
        sql<number>`ST_X(ST_PointOnSurface(geom))`.as('lon'),
        sql<number>`ST_Y(ST_PointOnSurface(geom))`.as('lat'),
      ])
      .where('id', '!=', territoryId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const farTile = tileAt(far.lon, far.lat, 10);
    const farPath = `/tiles/plots/${farTile.z}/${farTile.x}/${farTile.y}.mvt`;
    expect(plotPaths).not.toContain(farPath);
    const totalOf = async (res: Response, layer: string, key: string) =>
      sum(features((await decode(res)).layers[layer]), key);

    const before = new Map<string, number>();
    for (const path of plotPaths) before.set(path, await totalOf(await get(path), 'plots', 'availableCount'));
    for (const path of sitePaths) before.set(path, await totalOf(await get(path), 'sites', 'availableAreaHa'));
    await get(farPath);
    for (const path of [...plotPaths, ...sitePaths, farPath])
      expect((await get(path)).headers.get('x-tile-cache'), path).toBe('hit');

    // Take the plot off the market (or put it on): its site's available area follows (sql/012
    // triggers), and the write side announces the plot and its site.
    const { rows } = await sql<{ marketingStage: string; siteGeometry: Geometry; areaHa: number }>`
      SELECT p.marketing_stage, ST_AsGeoJSON(s.geom)::json AS site_geometry, p.area_ha
      FROM plots p JOIN sites s ON s.id = p.site_id WHERE p.id = ${plot.id}`.execute(t.handle.db);
    const { marketingStage, siteGeometry, areaHa } = rows[0]!;
    const wasForSale = FOR_SALE.includes(marketingStage);
    await sql`UPDATE plots
      SET marketing_stage = ${wasForSale ? 'vendu, commercialisation achevée' : 'en vente'}, updated_at = now()
      WHERE id = ${plot.id}`.execute(t.handle.db);
    changes.publish({ entity: 'plot', id: plot.id, action: 'update', before: plot.geometry, after: plot.geometry });
    changes.publish({ entity: 'site', id: plot.siteId, action: 'update', before: siteGeometry, after: siteGeometry });

    for (const path of plotPaths) {
      const res = await get(path);
      expect(res.headers.get('x-tile-cache'), path).toBe('miss');
      expect(await totalOf(res, 'plots', 'availableCount'), path).toBe(before.get(path)! + (wasForSale ? -1 : 1));
    }
    for (const path of sitePaths) {
      const res = await get(path);
      expect(res.headers.get('x-tile-cache'), path).toBe('miss');
      // Rounded per feature (or cell) to 0.01 ha.
      expect(await totalOf(res, 'sites', 'availableAreaHa'), path).toBeCloseTo(
        before.get(path)! + (wasForSale ? -areaHa : areaHa),
        1,
      );
    }
    expect((await get(farPath)).headers.get('x-tile-cache')).toBe('hit');
    await sql`UPDATE plots SET marketing_stage = ${marketingStage} WHERE id = ${plot.id}`.execute(t.handle.db);
  });
});

describe('tile cache freshness through the HTTP write side', () => {
  it('a label move rebuilds the tiles of the site; a bulk import resets the cache', async () => {
    const changes = new ChangeFeed();
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      changes,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
    });
    const { key } = await createApiKey(t.handle.db, { name: 'tile admin', role: 'admin' });
    const { rows } = await sql<{ id: string; lon: number; lat: number }>`
      SELECT id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM sites
      WHERE turnkey_programme IS NULL AND deleted_at IS NULL ORDER BY cnig_id LIMIT 1`.execute(t.handle.db);
    const site = rows[0]!;
    const tile = tileAt(site.lon, site.lat, 14);
    const path = `/tiles/sites/${tile.z}/${tile.x}/${tile.y}.mvt`;
    const get = () => app.request(`http://localhost${path}`);
    const labelOf = async (res: Response) =>
      features((await decode(res)).layers.sites).find((f) => f.properties.id === site.id)?.properties.labelStatus;
    expect(await labelOf(await get())).toBeUndefined();
    expect((await get()).headers.get('x-tile-cache')).toBe('hit');

    const moved = await app.request(`http://localhost/sites/${site.id}/label/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'draft' }),
    });
    expect(moved.status).toBe(200);
    const fresh = await get();
    expect(fresh.headers.get('x-tile-cache')).toBe('miss');
    expect(await labelOf(fresh)).toBe('draft');

    expect((await get()).headers.get('x-tile-cache')).toBe('hit');
    changes.reset('import');
    expect((await get()).headers.get('x-tile-cache')).toBe('miss');
  });
});

describe('tile cache freshness when a site changes territory', () => {
  it("a site carried to another territory drops the old territory's tiles of its plots, which did not move", async () => {
    const changes = new ChangeFeed();
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      changes,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
    });
    const { key } = await createApiKey(t.handle.db, { name: 'territory move', role: 'admin' });
    const { rows } = await sql<{
      plotId: string;
      siteId: string;
      lon: number;
      lat: number;
      epciSiren: string;
      communeInsee: string;
      grossAreaHa: number | null;
      geometry: Geometry;
    }>`
      SELECT p.id AS plot_id, s.id AS site_id, ST_X(ST_PointOnSurface(p.geom)) AS lon, ST_Y(ST_PointOnSurface(p.geom)) AS lat,
             s.epci_siren, s.commune_insee, s.gross_area_ha, ST_AsGeoJSON(s.geom)::json AS geometry
      FROM plots p JOIN sites s ON s.id = p.site_id
      WHERE p.deleted_at IS NULL AND s.deleted_at IS NULL
        AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territoryId})
      ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
    const moved = rows[0]!;
    // A commune whose EPCI belongs to another territory and not to this one.
    const { rows: communes } = await sql<{ insee: string; lon: number; lat: number }>`
      SELECT c.insee, ST_X(ST_PointOnSurface(c.geom)) AS lon, ST_Y(ST_PointOnSurface(c.geom)) AS lat
      FROM communes c
      WHERE c.epci_siren IN (SELECT epci_siren FROM territory_epci)
        AND c.epci_siren NOT IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territoryId})
      ORDER BY c.insee LIMIT 1`.execute(t.handle.db);
    const { insee, lon, lat } = communes[0]!;
    const d = 0.0001;
    const square = {
      type: 'Polygon',
      coordinates: [
        [
          [lon - d, lat - d],
          [lon + d, lat - d],
          [lon + d, lat + d],
          [lon - d, lat + d],
          [lon - d, lat - d],
        ],
      ],
    };

    const tile = tileAt(moved.lon, moved.lat, 14);
    const path = `http://localhost/tiles/plots/${tile.z}/${tile.x}/${tile.y}.mvt?territory=${territoryId}`;
    const plotIds = async (res: Response) =>
      res.status === 204 ? [] : features((await decode(res)).layers.plots).map((f) => f.properties.id);
    expect(await plotIds(await app.request(path))).toContain(moved.plotId);
    expect((await app.request(path)).headers.get('x-tile-cache')).toBe('hit');

    const read = await app.request(`http://localhost/sites/${moved.siteId}`, {
      headers: { accept: 'application/json' },
    });
    const patched = await app.request(`http://localhost/sites/${moved.siteId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'if-match': read.headers.get('etag')!,
      },
      body: JSON.stringify({ communeInsee: insee, geometry: square }),
    });
    expect(patched.status, await patched.clone().text()).toBe(200);

    const after = await app.request(path);
    expect(after.headers.get('x-tile-cache')).toBe('miss');
    expect(await plotIds(after)).not.toContain(moved.plotId);

    await sql`UPDATE sites SET epci_siren = ${moved.epciSiren}, commune_insee = ${moved.communeInsee},
        gross_area_ha = ${moved.grossAreaHa}, geom = ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(moved.geometry)}), 4326)
      WHERE id = ${moved.siteId}`.execute(t.handle.db);
  });
});

describe('tile cache and data versions', () => {
  it('does not serve a versioned URL a tile cached from older data, even after a write it was not told about', async () => {
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
    });
    const get = (path: string) => app.request(`http://localhost${path}`);
    const versionOf = async () =>
      new URL((await (await get('/tiles/plots.json')).json()).tiles[0].replace(/[{}]/g, '')).searchParams.get('v')!;
    const { z, x, y } = westTile(16, 0.001);
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
      UPDATE plots SET geom = ST_Translate(geom, 0.001, 0), updated_at = now() WHERE id = ${plot.id}
      RETURNING ST_AsGeoJSON(geom)::json AS geometry`.execute(t.handle.db);
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

  it('never stamps a composite newer than the layer tiles it was built from', async () => {
    const app = createApp({
      clock: testClock,
      db: t.handle.db,
      backend: t.handle.kind,
      failureLimiter: new FailureLimiter({ maxFailures: 1e6, windowMs: 60_000 }),
    });
    const get = (path: string) => app.request(`http://localhost${path}`);
    const versionOf = async () =>
      new URL((await (await get('/tiles/plots.json')).json()).tiles[0].replace(/[{}]/g, '')).searchParams.get('v')!;
    const { z, x, y } = westTile(16, 0.001);
    const westOf = async (res: Response) =>
      turfBbox(
        features((await decode(res)).layers.plots)
          .find((f) => f.properties.id === plot.id)!
          .toGeoJSON(x, y, z),
      )[0];
    // The layer tile is cached from the data as it is now.
    expect((await get(`/tiles/plots/${z}/${x}/${y}.mvt`)).status).toBe(200);
    // Another process moves the plot; then a bare composite URL is asked for first.
    const { rows } = await sql<{ geometry: Geometry }>`
      UPDATE plots SET geom = ST_Translate(geom, 0.001, 0), updated_at = now() WHERE id = ${plot.id}
      RETURNING ST_AsGeoJSON(geom)::json AS geometry`.execute(t.handle.db);
    const [west] = turfBbox(rows[0]!.geometry);
    expect((await get(`/tiles/${z}/${x}/${y}.mvt`)).status).toBe(200);
    // The URL of the new version, cached for a day by clients, shows the plot where it is now.
    const versioned = await get(`/tiles/${z}/${x}/${y}.mvt?v=${await versionOf()}`);
    expect(Math.abs((await westOf(versioned)) - west)).toBeLessThan(0.00005);
    await sql`UPDATE plots SET geom = ST_Translate(geom, -0.001, 0) WHERE id = ${plot.id}`.execute(t.handle.db);
  });

  it('reads a hand-made ?v= far ahead of the data as any version, not as a cache miss for ever', async () => {
    const { parseDataVersion } = await import('../../src/tiles/versions.js');
    const now = Date.UTC(2026, 10, 25);
    expect(parseDataVersion(now.toString(36), now)).toBe(now);
    expect(parseDataVersion('zzzzzzzzzz', now)).toBe(0);
    expect(parseDataVersion('-!', now)).toBe(0);
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
    // The composite and the three layer tiles not cached missed; plots came from the cache.
    expect(stats).toEqual({ hits: 1, misses: 4 });
    expect(cache.stats().entries).toBe(2);

    // A write under the plot drops the layer tile and the composite that holds it.
    cache.invalidateGeometries(findTileLayer('plots'), [plot.geometry]);
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
      JOIN territory_epci te ON te.epci_siren = s.epci_siren WHERE te.territory_id = ${territoryId}
      AND p.deleted_at IS NULL`.execute(t.handle.db);
    expect(doc.features).toHaveLength(rows[0]!.n);
    expect(doc.features.some((f) => f.id === plot.id)).toBe(true);
    const people = await t.handle.db
      .selectFrom('plots')
      .select(['ownerName', 'buyerName'])
      .where((eb) => eb.or([eb('ownerIsNaturalPerson', '=', true), eb('buyerIsNaturalPerson', '=', true)]))
      .execute();
    for (const p of people) for (const name of [p.ownerName, p.buyerName]) if (name) expect(text).not.toContain(name);
  });

  it('streams the territory sites, and 404 for an unknown territory', async () => {
    const doc = (await (await t.get(`/territories/${territoryId}/sites.geojson`)).json()) as FeatureCollection;
    expect(doc.features.some((f) => f.id === plot.siteId)).toBe(true);
    expect((await t.get('/territories/ti-nowhere/sites.geojson')).status).toBe(404);
  });
});

it(`runs on ${backendName()}`, () => expect(['postgres', 'pglite']).toContain(t.handle.kind));
