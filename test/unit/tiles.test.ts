// Tile math, the MVT encoder and the tile cache, without a database; the tile core's edge.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import type { Point, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { TileCache } from '../../tiles/cache.js';
import { CELLS_PER_SIDE, clusterCell, clusterId } from '../../src/tiles/clusters.js';
import { findTileLayer, tileLayers } from '../../src/tiles/layers.js';
import { encodeGeometry, encodeTile, ringArea } from '../../tiles/mvt-encoder.js';
import { ORIGIN, tileAt, tileEnvelope, tileProblem, tileRange, tileUnitMetres } from '../../tiles/tile-math.js';

describe('tile math', () => {
  it('puts tile 0/0/0 over the whole EPSG:3857 square and halves it per zoom', () => {
    expect(tileEnvelope({ z: 0, x: 0, y: 0 })).toEqual([-ORIGIN, -ORIGIN, ORIGIN, ORIGIN]);
    expect(tileEnvelope({ z: 1, x: 1, y: 0 })).toEqual([0, 0, ORIGIN, ORIGIN]);
    // 40,075,016.686 m / 2^16 / 4096 = 0.1493 m per tile unit at zoom 16.
    expect(tileUnitMetres(16)).toBeCloseTo(0.1493, 4);
  });

  it('rejects zooms over 22, x or y out of the grid, and non-integers', () => {
    expect(tileProblem({ z: 22, x: 0, y: 0 })).toBeUndefined();
    expect(tileProblem({ z: 23, x: 0, y: 0 })).toMatch(/zoom/);
    expect(tileProblem({ z: 2, x: 4, y: 0 })).toMatch(/x must be between 0 and 3/);
    expect(tileProblem({ z: 2, x: 0, y: -1 })).toMatch(/y must be/);
    expect(tileProblem({ z: 1.5, x: 0, y: 0 })).toMatch(/integers/);
  });

  it('finds the tile of a point (Lyon, 4.8357 E 45.7640 N, is 12/2103/1461)', () => {
    expect(tileAt(4.8357, 45.764, 12)).toEqual({ z: 12, x: 2103, y: 1461 });
  });

  it('widens a box by the tile buffer: a point 1/128 of a tile from an edge touches the neighbour', () => {
    // The west edge of tile 10/512/y is longitude 0; 1/128 of a tile is 0.00275 degrees.
    const inside = tileRange([0.002, 45, 0.002, 45], 10);
    expect([inside.minX, inside.maxX]).toEqual([511, 512]);
    const farther = tileRange([0.02, 45, 0.02, 45], 10);
    expect([farther.minX, farther.maxX]).toEqual([512, 512]);
  });
});

describe('grid clusters', () => {
  it('puts a point in one of the 8 × 8 cells of its tile (4.87 E 45.74 N at zoom 12 is in tile 2103/1461)', () => {
    const { cx, cy } = clusterCell(4.87, 45.74, 12);
    expect([Math.floor(cx / CELLS_PER_SIDE), Math.floor(cy / CELLS_PER_SIDE)]).toEqual([2103, 1461]);
    // 0.41 of the way across the tile and 0.45 down: column 3, row 3 of 0-7.
    expect([cx % CELLS_PER_SIDE, cy % CELLS_PER_SIDE]).toEqual([3, 3]);
  });

  it('numbers cells uniquely over every zoom, and the same cell always alike', () => {
    const seen = new Set<number>();
    for (let z = 0; z <= 2; z++) {
      const side = 2 ** z * CELLS_PER_SIDE;
      for (let cx = 0; cx < side; cx++) for (let cy = 0; cy < side; cy++) seen.add(clusterId(z, cx, cy));
    }
    // 64 + 256 + 1024 cells at zooms 0-2, no two alike; zoom 0 starts after the 21 cells of levels 0-2.
    expect(seen.size).toBe(64 + 256 + 1024);
    expect(clusterId(0, 0, 0)).toBe(21);
    const lyon = clusterCell(4.8357, 45.764, 12);
    expect(clusterId(12, lyon.cx, lyon.cy)).toBe(clusterId(12, 16824, 11688));
    // Exact in JavaScript at the deepest zoom.
    expect(Number.isSafeInteger(clusterId(22, 2 ** 25 - 1, 2 ** 25 - 1))).toBe(true);
  });

  it('gives a cluster property shared with the features the same type', () => {
    for (const layer of tileLayers) {
      for (const [name, field] of Object.entries(layer.clusterFields)) {
        if (layer.fields[name]) expect(field.type, `${layer.id}.${name}`).toBe(layer.fields[name]!.type);
      }
      expect(layer.geometryAt(layer.clusterBelow - 1)).toBe(layer.clusterBelow > 0 ? 'cluster' : 'polygon');
      expect(layer.geometryAt(layer.clusterBelow)).toBe('polygon');
    }
  });
});

describe('MVT encoder', () => {
  const square: Polygon = {
    type: 'Polygon',
    coordinates: [
      [
        [0, 0],
        [100, 0],
        [100, 100],
        [0, 100],
        [0, 0],
      ],
      [
        [25, 25],
        [25, 75],
        [75, 75],
        [75, 25],
        [25, 25],
      ],
    ],
  };

  it('encodes commands and zigzag parameters as spec 2.1 §4.3 example "Polygon" does', () => {
    // Spec example: POLYGON ((3 6, 8 12, 20 34, 3 6)) -> [9, 6, 12, 18, 10, 12, 24, 44, 15]
    expect(
      encodeGeometry({
        type: 'Polygon',
        coordinates: [
          [
            [3, 6],
            [8, 12],
            [20, 34],
            [3, 6],
          ],
        ],
      })!.commands,
    ).toEqual([9, 6, 12, 18, 10, 12, 24, 44, 15]);
    // Spec example: MULTIPOINT (5 7, 3 2) -> [17, 10, 14, 3, 9]
    expect(
      encodeGeometry({
        type: 'MultiPoint',
        coordinates: [
          [5, 7],
          [3, 2],
        ],
      })!.commands,
    ).toEqual([17, 10, 14, 3, 9]);
  });

  it('writes layers that @mapbox/vector-tile reads back: ids, typed properties, winding, holes', () => {
    const bytes = encodeTile([
      {
        name: 'plots',
        types: { areaHa: 'number', count: 'integer', turnkey: 'boolean', stage: 'string' },
        features: [
          {
            id: 2 ** 48 - 1,
            geometry: square,
            properties: { areaHa: 1.25, count: 3, turnkey: true, stage: 'en vente', owner: null },
          },
          {
            id: 7,
            geometry: { type: 'Point', coordinates: [10, 4090] },
            properties: { areaHa: 2, count: -4, turnkey: false, stage: 'en vente' },
          },
          {
            id: 8,
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [1, 1],
                  [1, 1],
                  [1, 1],
                  [1, 1],
                ],
              ],
            },
            properties: {},
          },
        ],
      },
      { name: 'empty', types: {}, features: [] },
    ]);
    const tile = new VectorTile(new PbfReader(bytes));
    expect(Object.keys(tile.layers)).toEqual(['plots']);
    const layer = tile.layers.plots!;
    expect([layer.version, layer.extent, layer.length]).toEqual([2, 4096, 2]);
    const polygon = layer.feature(0);
    expect(polygon.id).toBe(2 ** 48 - 1);
    expect(polygon.properties).toEqual({ areaHa: 1.25, count: 3, turnkey: true, stage: 'en vente' });
    const rings = polygon.loadGeometry().map((ring) => ring.map((p) => [p.x, p.y]));
    expect(rings).toHaveLength(2);
    expect(ringArea(rings[0]!)).toBe(10_000);
    expect(ringArea(rings[1]!)).toBe(-2_500);
    const point = layer.feature(1);
    expect([point.type, point.id, point.properties.count, point.properties.stage]).toEqual([1, 7, -4, 'en vente']);
    expect(point.loadGeometry()[0]![0]).toMatchObject({ x: 10, y: 4090 });
  });
});

describe('tile cache', () => {
  const bytes = (n: number) => new Uint8Array(n);

  it('evicts the least recently used tiles past its byte bound', () => {
    const cache = new TileCache(3 * (1000 + 128));
    for (const x of [0, 1, 2]) cache.set({ layer: 'plots', z: 14, x, y: 0 }, bytes(1000));
    cache.get({ layer: 'plots', z: 14, x: 0, y: 0 });
    cache.set({ layer: 'plots', z: 14, x: 3, y: 0 }, bytes(1000));
    expect([0, 1, 2, 3].map((x) => cache.has({ layer: 'plots', z: 14, x, y: 0 }))).toEqual([true, false, true, true]);
    expect(cache.stats().bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  it('drops exactly the tiles of the layer that the old and new geometry touch, every variant', () => {
    const cache = new TileCache();
    const plot: Point = { type: 'Point', coordinates: [4.8357, 45.764] };
    const moved: Point = { type: 'Point', coordinates: [4.9, 45.764] };
    for (let z = 10; z <= 16; z++) {
      const here = tileAt(4.8357, 45.764, z);
      cache.set({ layer: 'plots', ...here }, bytes(10));
      cache.set({ layer: 'plots', ...here, territory: 'ti-1' }, bytes(10));
      cache.set({ layer: 'sites', ...here }, bytes(10));
      cache.set({ layer: 'plots', ...tileAt(4.9, 45.764, z) }, bytes(10));
      cache.set({ layer: 'plots', ...tileAt(5.5, 45.764, z) }, bytes(10));
    }
    const generation = cache.generation;
    const dropped = cache.invalidateGeometries(findTileLayer('plots'), [plot, moved]);
    expect(cache.generation).toBe(generation + 1);
    for (let z = 10; z <= 16; z++) {
      expect(cache.has({ layer: 'plots', ...tileAt(4.8357, 45.764, z) })).toBe(false);
      expect(cache.has({ layer: 'plots', ...tileAt(4.8357, 45.764, z), territory: 'ti-1' })).toBe(false);
      expect(cache.has({ layer: 'plots', ...tileAt(4.9, 45.764, z) })).toBe(false);
      expect(cache.has({ layer: 'sites', ...tileAt(4.8357, 45.764, z) })).toBe(true);
      expect(cache.has({ layer: 'plots', ...tileAt(5.5, 45.764, z) })).toBe(true);
    }
    expect(dropped).toBeGreaterThanOrEqual(14);
  });

  it('drops the cluster tiles of a site write down to zoom 5, the composite with them', () => {
    const cache = new TileCache();
    for (let z = 5; z <= 9; z++) {
      const here = tileAt(4.8357, 45.764, z);
      cache.set({ layer: 'sites', ...here }, bytes(10));
      cache.set({ layer: 'composite', ...here }, bytes(10));
    }
    cache.invalidateGeometries(findTileLayer('sites'), [{ type: 'Point', coordinates: [4.8357, 45.764] }]);
    expect(cache.stats().entries).toBe(0);
  });

  it('hands a tile only to requests for its data version or an older one', () => {
    const cache = new TileCache();
    const key = { layer: 'plots', z: 12, x: 0, y: 0 };
    cache.set(key, bytes(10), cache.generation, 1_000);
    expect(cache.get(key)).toHaveLength(10);
    expect(cache.get(key, 999)).toHaveLength(10);
    expect(cache.get(key, 1_000)).toHaveLength(10);
    expect(cache.get(key, 1_001)).toBeUndefined();
    cache.set(key, bytes(20), cache.generation, 1_001);
    expect(cache.get(key, 1_001)).toHaveLength(20);
    expect(cache.stats().entries).toBe(1);
  });

  it('does not store a tile built across an invalidation', () => {
    const cache = new TileCache();
    const started = cache.generation;
    cache.invalidateGeometries(findTileLayer('plots'), [{ type: 'Point', coordinates: [0, 0] }]);
    cache.set({ layer: 'plots', z: 12, x: 0, y: 0 }, bytes(10), started);
    expect(cache.has({ layer: 'plots', z: 12, x: 0, y: 0 })).toBe(false);
  });

  it('hit() counts a hit as get() does, and leaves a miss uncounted for the get() that follows', () => {
    const cache = new TileCache();
    const key = { layer: 'plots', z: 12, x: 1, y: 2 };
    expect(cache.hit(key)).toBeUndefined();
    expect(cache.get(key)).toBeUndefined();
    cache.set(key, bytes(10), cache.generation, 500);
    expect(cache.hit(key)?.byteLength).toBe(10);
    expect(cache.hit(key, 501)).toBeUndefined();
    expect(cache.get(key, 501)).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
  });
});

describe('Accept-Encoding', () => {
  it('takes gzip when named or covered by *, with a q-value above 0', async () => {
    const { acceptsGzip } = await import('../../src/tiles/routes.js');
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.8')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip;q=0.000, *')).toBe(false);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('deflate, GZIP')).toBe(true);
  });
});

describe('the tile core (tiles/)', () => {
  const core = resolve(dirname(fileURLToPath(import.meta.url)), '../../tiles');
  const files = (readdirSync(core, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(core, name));
  /** Every module specifier of a source text: static and type imports, re-exports, import(). */
  const specifiers = (text: string) =>
    [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1/g)].map((m) => m[2]!);

  it('finds the specifiers of imports, type imports, re-exports and dynamic imports', () => {
    const text = [
      "import { sql } from 'kysely';",
      "import type { Database } from '../src/db/schema.js';",
      "export { x } from './x.js';",
      "const m = await import('../src/app.js');",
      "import './side-effect.js';",
    ].join('\n');
    expect(specifiers(text)).toEqual(['kysely', '../src/db/schema.js', './x.js', '../src/app.js', './side-effect.js']);
  });

  it('imports nothing from src/ and nothing from Hono: relative imports stay inside tiles/', () => {
    expect(files.map((f) => relative(core, f))).toEqual(
      expect.arrayContaining(['cache.ts', 'source.ts', 'tile-math.ts']),
    );
    const outside: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const leaves = spec.startsWith('.') && relative(core, resolve(dirname(file), spec)).startsWith('..');
        if (leaves || spec === 'hono' || spec.startsWith('hono/') || spec.startsWith('@hono/'))
          outside.push(`${relative(core, file)}: ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
