// Tiles at zooms 0 to 2, every column and row, on whichever backend the run uses. The tile's
// lon/lat search box used to be ST_Transform of the buffered envelope, which wraps past ±180°
// in the edge columns: on PostgreSQL the z1 tiles over France came back empty.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileAt, tileSearchBox } from '../../tiles/tile-math.js';
import { backendName, openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
/** Each territory with a point inside it (lon/lat). */
let territories: { id: string; lon: number; lat: number }[];

beforeAll(async () => {
  t = await openTestApp();
  const { rows } = await sql<{ id: string; lon: number; lat: number }>`
    SELECT id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM territories
    ORDER BY id`.execute(t.handle.db);
  territories = rows;
});
afterAll(async () => t?.close());

async function territoryIds(z: number, x: number, y: number, layer = ''): Promise<{ status: number; ids: string[] }> {
  const res = await t.get(`/tiles/${layer}${z}/${x}/${y}.mvt`);
  if (res.status !== 200) return { status: res.status, ids: [] };
  const tile = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer())));
  const territoriesLayer = tile.layers.territories;
  const ids = territoriesLayer
    ? Array.from({ length: territoriesLayer.length }, (_, i) => String(territoriesLayer.feature(i).properties.id))
    : [];
  return { status: res.status, ids: ids.sort() };
}

describe(`tiles at zooms 0 to 2 (${backendName()})`, () => {
  it('the demo territories lie on both sides of the Greenwich meridian (z1 columns 0 and 1)', () => {
    expect(territories.length).toBeGreaterThan(1);
    expect(territories.some((tr) => tr.lon < 0)).toBe(true);
    expect(territories.some((tr) => tr.lon > 0)).toBe(true);
  });

  for (const z of [0, 1, 2]) {
    it(`every zoom ${z} tile, edge columns included, holds the territories whose inside point it contains, and a tile far from France is empty (204)`, async () => {
      const n = 2 ** z;
      for (let x = 0; x < n; x++) {
        for (let y = 0; y < n; y++) {
          const { status, ids } = await territoryIds(z, x, y);
          // A territory whose inside point lies in the tile is drawn there.
          const inside = territories.filter((tr) => {
            const at = tileAt(tr.lon, tr.lat, z);
            return at.x === x && at.y === y;
          });
          for (const tr of inside) expect(ids, `${z}/${x}/${y} lacks ${tr.id}`).toContain(tr.id);
          // A tile far from France (its buffered box, never past ±180°, meets no territory) is empty.
          const [west, south, east, north] = tileSearchBox({ z, x, y });
          expect(west).toBeGreaterThanOrEqual(-180);
          expect(east).toBeLessThanOrEqual(180);
          const near = territories.some(
            (tr) => tr.lon >= west - 10 && tr.lon <= east + 10 && tr.lat >= south - 10 && tr.lat <= north + 10,
          );
          if (!near) expect(status, `${z}/${x}/${y}`).toBe(204);
          else expect([200, 204]).toContain(status);
        }
      }
    }, 60_000);
  }

  it('the z1 tiles over France (columns 0 and 1, row 0) both draw territories, in the composite and in the layer tile', async () => {
    const west = territories.filter((tr) => tr.lon < 0).map((tr) => tr.id);
    const east = territories.filter((tr) => tr.lon > 0).map((tr) => tr.id);
    for (const layer of ['', 'territories/']) {
      const left = await territoryIds(1, 0, 0, layer);
      const right = await territoryIds(1, 1, 0, layer);
      expect(left.status).toBe(200);
      expect(right.status).toBe(200);
      for (const id of west) expect(left.ids).toContain(id);
      for (const id of east) expect(right.ids).toContain(id);
    }
  });

  it('the edge columns of zoom 1 and 2 have a search box inside ±180° that reaches just past the tile', () => {
    // Tile 1/0/0 spans lon -180..0, lat 0..85.05; its 64-unit buffer is 1/64 of 180° = 2.8125°.
    const [w, s, e, n] = tileSearchBox({ z: 1, x: 0, y: 0 });
    expect(w).toBe(-180);
    expect(e).toBeCloseTo(2.8125, 6);
    expect(s).toBeCloseTo(-2.8114, 3);
    expect(n).toBeGreaterThan(85.05);
    expect(tileSearchBox({ z: 1, x: 1, y: 0 })[2]).toBe(180);
    expect(tileSearchBox({ z: 2, x: 3, y: 1 })[0]).toBeCloseTo(90 - 1.40625, 6);
    expect(tileSearchBox({ z: 2, x: 3, y: 1 })[2]).toBe(180);
  });
});
