// `foncier export pmtiles --territory ID`: a territory's composite tiles (every layer, the same
// bytes the API serves for that territory) baked into one PMTiles archive (tiles/pmtiles.ts),
// for static hosting behind a CDN: MapLibre reads it with the pmtiles protocol, by HTTP ranges.
import { gzipSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { writePmtiles, type PmtilesTile } from '../../tiles/pmtiles.js';
import { tileRange } from '../../tiles/tile-math.js';
import { createTileSources, encoderFor } from './sources.js';
import { dataBounds } from './versions.js';

export interface PmtilesExport {
  bytes: Uint8Array;
  /** Tiles with content (empty tiles are left out of the archive). */
  tiles: number;
}

/** Tiles built at once: the pool's connections, not the whole zoom level, at a time. */
const concurrency = 4;

/** The archive, or undefined when the territory does not exist. */
export async function territoryPmtiles(
  db: Kysely<Database>,
  backend: string,
  territory: string,
  zooms: { minzoom: number; maxzoom: number },
): Promise<PmtilesExport | undefined> {
  const bounds = await dataBounds(db, territory);
  if (!bounds) return undefined;
  const { composite } = createTileSources(db, encoderFor(backend), null);
  const coords: { z: number; x: number; y: number }[] = [];
  for (let z = zooms.minzoom; z <= zooms.maxzoom; z++) {
    const r = tileRange(bounds, z, 0);
    for (let x = r.minX; x <= r.maxX; x++) for (let y = r.minY; y <= r.maxY; y++) coords.push({ z, x, y });
  }
  const tiles: PmtilesTile[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < coords.length) {
        const { z, x, y } = coords[next++]!;
        const bytes = await composite.tile(z, x, y, { territory });
        if (bytes && bytes.length > 0) tiles.push({ z, x, y, bytes: gzipSync(bytes) });
      }
    }),
  );
  const { tiles: _template, ...tilejson } = composite.tilejson({ tiles: '', bounds });
  const bytes = writePmtiles(tiles, {
    metadata: { ...tilejson, name: `Foncier, ${territory}`, minzoom: zooms.minzoom, maxzoom: zooms.maxzoom },
    bounds,
    minzoom: zooms.minzoom,
    maxzoom: zooms.maxzoom,
  });
  return { bytes, tiles: tiles.length };
}
