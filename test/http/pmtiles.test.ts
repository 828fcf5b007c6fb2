// Static tiles for a CDN (issue #18): the PMTiles v3 archive of a territory, read back with the
// `pmtiles` reader (the one MapLibre's pmtiles protocol uses), holds the very tiles the API
// serves for the territory (gzipped in the archive, inflated by the reader); tile ids agree
// with the reader's Hilbert curve; an archive too large for a root directory alone is split
// into leaf directories that the reader follows.
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PMTiles, type Source, TileType, zxyToTileId } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { territoryPmtiles } from '../../src/tiles/pmtiles-export.js';
import { tileId, writePmtiles } from '../../tiles/pmtiles.js';
import { openTestApp, type TestContext } from '../support/app.js';

/** The archive as the reader's byte-range source. */
const source = (bytes: Uint8Array, key: string): Source => ({
  getKey: () => key,
  getBytes: async (offset, length) => ({ data: bytes.slice(offset, offset + length).buffer }),
});

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

describe('PMTiles', () => {
  it('numbers tiles as the reader does (Hilbert curve per zoom)', () => {
    for (const [z, x, y] of [
      [0, 0, 0],
      [1, 1, 0],
      [3, 5, 2],
      [12, 2071, 1409],
      [16, 33000, 22000],
    ] as const)
      expect(tileId(z, x, y)).toBe(zxyToTileId(z, x, y));
  });

  it("a territory's archive holds the tiles the API serves for it", async () => {
    const territory = (await t.handle.db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow())
      .id;
    const archive = (await territoryPmtiles(t.handle.db, t.handle.kind, territory, { minzoom: 5, maxzoom: 11 }))!;
    expect(archive.tiles).toBeGreaterThan(0);
    const reader = new PMTiles(source(archive.bytes, 'territory'));
    const header = await reader.getHeader();
    expect(header).toMatchObject({ specVersion: 3, tileType: TileType.Mvt, minZoom: 5, maxZoom: 11, clustered: true });
    expect((await reader.getMetadata()) as { vector_layers: { id: string }[] }).toMatchObject({
      vector_layers: expect.arrayContaining([expect.objectContaining({ id: 'plots' })]),
    });
    // Every tile of the territory's range at z11 and z8: the reader's bytes are the API's.
    let compared = 0;
    for (const z of [8, 11]) {
      const n = 2 ** z;
      const [minX, maxX] = [
        Math.floor(((header.minLon + 180) / 360) * n),
        Math.floor(((header.maxLon + 180) / 360) * n),
      ];
      const latY = (lat: number) =>
        Math.floor(
          ((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n,
        );
      for (let x = minX; x <= maxX; x++)
        for (let y = latY(header.maxLat); y <= latY(header.minLat); y++) {
          const res = await t.get(`/territories/${territory}/tiles/${z}/${x}/${y}.mvt`, {
            headers: { 'accept-encoding': 'identity' },
          });
          const fromApi = res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : undefined;
          const fromArchive = await reader.getZxy(z, x, y);
          expect(fromArchive ? new Uint8Array(fromArchive.data) : undefined).toEqual(fromApi);
          if (fromApi) compared++;
        }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('splits a large directory into leaves, stores equal tiles once and reads every tile back', async () => {
    // About 30,000 distinct z10 tiles of random sizes at random gaps, and a run of 50 identical
    // z9 tiles: the root alone would exceed 16 KiB.
    const tiles = [];
    for (let x = 0; x < 300; x++)
      for (let y = 0; y < 200; y++) {
        const [keep, size] = randomBytes(2) as unknown as [number, number];
        if (keep < 128) {
          const raw = new Uint8Array(randomBytes(8 + size));
          tiles.push({ z: 10, x, y, raw, bytes: gzipSync(raw) });
        }
      }
    const distinct = tiles.length;
    const same = new Uint8Array([1, 2, 3]);
    for (let x = 0; x < 50; x++) tiles.push({ z: 9, x, y: 0, raw: same, bytes: gzipSync(same) });
    const bytes = writePmtiles(tiles, { metadata: {}, bounds: [-180, -85, 180, 85], minzoom: 9, maxzoom: 10 });
    const reader = new PMTiles(source(bytes, 'large'));
    const header = await reader.getHeader();
    expect(header.leafDirectoryLength).toBeGreaterThan(0);
    expect(header.numAddressedTiles).toBe(distinct + 50);
    expect(header.numTileContents).toBe(distinct + 1);
    // The identical tiles that follow each other on the curve are one entry with a run length.
    expect(header.numTileEntries).toBeGreaterThan(distinct);
    expect(header.numTileEntries).toBeLessThan(distinct + 50);
    for (const tile of [tiles[0]!, tiles[12_345]!, tiles[distinct - 1]!, tiles[distinct]!, tiles[distinct + 49]!])
      expect(new Uint8Array((await reader.getZxy(tile.z, tile.x, tile.y))!.data)).toEqual(tile.raw);
    expect(await reader.getZxy(10, 900, 900)).toBeUndefined();
    // The internal compression is gzip: the root directory inflates.
    expect(() =>
      gunzipSync(bytes.subarray(header.rootDirectoryOffset, header.rootDirectoryOffset + header.rootDirectoryLength)),
    ).not.toThrow();
  });
});
