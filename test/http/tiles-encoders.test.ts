// The two ways a tile is written, ST_AsMVT (PostgreSQL) and the TypeScript encoder (the
// embedded database), must decode to the same features: same ids, same typed properties,
// same geometry type, outlines within two tile units. On PostgreSQL both run on the same
// tiles; on PGlite only the encoder exists, and its tiles are checked for MVT 2.1 winding.
import { VectorTile, type VectorTileFeature } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringArea } from '../../tiles/mvt-encoder.js';
import { tileLayers } from '../../src/tiles/layers.js';
import { PostgisLayerSource } from '../../src/tiles/sources.js';
import { tileAt, type TileCoord } from '../../tiles/tile-math.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let tiles: TileCoord[];

beforeAll(async () => {
  t = await openTestApp();
  // Tiles around a few sites of different territories, at every kind of zoom.
  const { rows } = await sql<{ lon: number; lat: number }>`
    SELECT DISTINCT ON (te.territory_id) ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat
    FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren ORDER BY te.territory_id, s.area_ha DESC
    LIMIT 3`.execute(t.handle.db);
  tiles = rows.flatMap(({ lon, lat }) => [5, 8, 10, 12, 13, 14, 16].map((z) => tileAt(lon, lat, z)));
});
afterAll(async () => t?.close());

const decode = (bytes: Uint8Array | null) => (bytes ? new VectorTile(new PbfReader(bytes)) : null);

function featuresOf(bytes: Uint8Array | null, layer: string): Map<number, VectorTileFeature> {
  const l = decode(bytes)?.layers[layer];
  const out = new Map<number, VectorTileFeature>();
  if (l) for (let i = 0; i < l.length; i++) out.set(l.feature(i).id!, l.feature(i));
  return out;
}

// The embedded database has no ST_AsMVT: the comparison runs on the PostgreSQL pass.
if (!process.env.DATABASE_URL)
  console.warn('skipping the ST_AsMVT comparison: the embedded database has no ST_AsMVT (it runs with DATABASE_URL)');
describe.runIf(process.env.DATABASE_URL)('ST_AsMVT and the TypeScript encoder (PostgreSQL)', () => {
  it('decode to the same features, ids, properties and outlines on the same tiles, grid clusters included', async () => {
    let compared = 0;
    const clusters: Record<string, number> = {};
    for (const layer of tileLayers) {
      const native = new PostgisLayerSource(t.handle.db, layer, 'st_asmvt');
      const ours = new PostgisLayerSource(t.handle.db, layer, 'typescript');
      for (const { z, x, y } of tiles) {
        const a = featuresOf(await native.tile(z, x, y), layer.id);
        const b = featuresOf(await ours.tile(z, x, y), layer.id);
        // Both drop what collapses below a tile unit; they may disagree on a sliver or two.
        const missing =
          [...a.keys()].filter((id) => !b.has(id)).length + [...b.keys()].filter((id) => !a.has(id)).length;
        expect(missing, `${layer.id} ${z}/${x}/${y}`).toBeLessThanOrEqual(Math.max(1, Math.ceil(a.size * 0.02)));
        for (const [id, fa] of a) {
          const fb = b.get(id);
          if (!fb) continue;
          compared++;
          if (fa.properties.count !== undefined) clusters[layer.id] = (clusters[layer.id] ?? 0) + 1;
          expect(fb.properties, `${layer.id} ${id}`).toEqual(fa.properties);
          expect(fb.type).toBe(fa.type);
          const [ax0, ay0, ax1, ay1] = fa.bbox();
          const [bx0, by0, bx1, by1] = fb.bbox();
          for (const [p, q] of [
            [ax0, bx0],
            [ay0, by0],
            [ax1, bx1],
            [ay1, by1],
          ] as const)
            expect(Math.abs(p! - q!), `${layer.id} ${z}/${x}/${y} ${id}`).toBeLessThanOrEqual(2);
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
    for (const layer of ['sites', 'plots', 'brownfields']) expect(clusters[layer], layer).toBeGreaterThan(0);
  });
});

describe('the TypeScript encoder on this backend', () => {
  it('writes exterior rings with positive area and holes negative, integer coordinates within the buffer', async () => {
    let rings = 0;
    for (const layer of tileLayers) {
      const source = new PostgisLayerSource(t.handle.db, layer, 'typescript');
      for (const { z, x, y } of tiles) {
        for (const feature of featuresOf(await source.tile(z, x, y), layer.id).values()) {
          for (const ring of feature.loadGeometry()) {
            for (const p of ring) {
              expect(Number.isInteger(p.x) && Number.isInteger(p.y)).toBe(true);
              expect(Math.max(Math.abs(p.x - 2048), Math.abs(p.y - 2048))).toBeLessThanOrEqual(2048 + 64);
            }
            if (feature.type === 3) {
              rings++;
              expect(ringArea(ring.map((p) => [p.x, p.y]))).not.toBe(0);
            }
          }
          // classifyRings needs the first ring of a polygon to be an exterior (positive) one.
          if (feature.type === 3)
            expect(ringArea(feature.loadGeometry()[0]!.map((p) => [p.x, p.y]))).toBeGreaterThan(0);
        }
      }
    }
    expect(rings).toBeGreaterThan(20);
  });
});
