// The in-process tile cache: a least-recently-used map bounded in bytes, keyed by layer, tile
// and territory filter, and invalidated precisely. A site or plot write names its old and new
// geometry; we drop the tiles of that layer whose buffered square meets either geometry, at
// every zoom of the layer, and nothing else. Composite tiles are cached whole (a hit then hands
// out the very bytes, ETag and gzip of the last time) and dropped with their layers; the layer
// tiles built for a composite are not stored a second time (source.ts). Grid clusters at low
// zooms need nothing more as long as a feature counts in a cell inside its box (Foncier's count
// it at the box centre, src/tiles/clusters.ts), so the same tile ranges cover them.
// The cache hears of writes through the subscribe function it is given, which says which layer
// (with its zooms) and which geometries; the app maps its own change feed onto it.
// Each entry also keeps the data version (Foncier's: src/tiles/versions.ts) read before it was built.
// A versioned URL (?v= from TileJSON) is cached by clients for a day, so it only takes an entry
// built at that version or later: writes this process never heard of (`foncier import` from the
// command line, another instance on the same PostgreSQL) cannot pin an old tile under a new
// URL. The price: after any write, a client holding the new TileJSON rebuilds each tile it asks
// for once; bare URLs and older versions keep the precisely invalidated entries. The version
// is not part of the map key: one entry per tile, replaced when rebuilt, so versions neither
// multiply memory nor escape the invalidation by tile.
import bbox from '@turf/bbox';
import type { BBox, Geometry } from 'geojson';
import { tileRange } from './tile-math.js';

export interface TileKey {
  layer: string;
  z: number;
  x: number;
  y: number;
  territory?: string;
}

interface Entry {
  key: string;
  tile: string;
  bytes: Uint8Array | null;
  size: number;
  /** Data version (milliseconds) read before the tile was built. */
  version: number;
}

/** The source id of the all-layers tile; cached whole, so a hit costs no concatenation. */
export const COMPOSITE = 'composite';

/** Bookkeeping per entry (key strings, map slots) counted against the bound. */
const ENTRY_OVERHEAD = 128;

const tileId = (k: TileKey) => `${k.layer}/${k.z}/${k.x}/${k.y}`;
const entryKey = (k: TileKey) => `${tileId(k)}?${k.territory ?? ''}`;

/** The layer a write touched: its tiles at zooms minzoom..maxzoom are the ones to drop. */
export interface TileLayerZooms {
  id: string;
  minzoom: number;
  maxzoom: number;
}

/** What the cache listens to: a write's geometries (before and after) in a layer, or a reset. */
export type TileInvalidation =
  | { action: 'invalidate'; layer: TileLayerZooms | undefined; geometries: (Geometry | null | undefined)[] }
  | { action: 'reset' };

/** Registers a listener and returns the unsubscribe function (a change feed's `subscribe`). */
export type SubscribeToInvalidations = (listener: (event: TileInvalidation) => void) => () => void;

export interface TileCacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  invalidated: number;
}

export class TileCache {
  /** Insertion order is recency order: a hit moves the entry to the end. */
  readonly #entries = new Map<string, Entry>();
  /** layer/z/x/y → the entry keys of that tile (one per territory filter). */
  readonly #byTile = new Map<string, Set<string>>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #invalidated = 0;
  /** Bumped by every invalidation; a tile built across one is not stored. */
  generation = 0;

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  /** The cached tile, unless it is absent or was built from data older than `minVersion`. */
  get(key: TileKey, minVersion = 0): Uint8Array | null | undefined {
    const bytes = this.hit(key, minVersion);
    if (bytes === undefined) this.#misses++;
    return bytes;
  }

  /**
   * As get(), but a miss is not counted: for a caller that answers hits only and hands a miss
   * to the one that builds the tile, which then calls get() (Foncier's fast path of hits).
   */
  hit(key: TileKey, minVersion = 0): Uint8Array | null | undefined {
    const k = entryKey(key);
    const entry = this.#entries.get(k);
    if (!entry || entry.version < minVersion) return undefined;
    this.#hits++;
    this.#entries.delete(k);
    this.#entries.set(k, entry);
    return entry.bytes;
  }

  /**
   * Stores a tile (null: known empty) unless an invalidation happened since `generation`;
   * `version` is the data version read before the build started.
   */
  set(key: TileKey, bytes: Uint8Array | null, generation = this.generation, version = 0): void {
    if (generation !== this.generation) return;
    const k = entryKey(key);
    const size = (bytes?.byteLength ?? 0) + ENTRY_OVERHEAD;
    if (size > this.maxBytes) return;
    this.#delete(k);
    const tile = tileId(key);
    this.#entries.set(k, { key: k, tile, bytes, size, version });
    let keys = this.#byTile.get(tile);
    if (!keys) {
      keys = new Set();
      this.#byTile.set(tile, keys);
    }
    keys.add(k);
    this.#bytes += size;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#delete(oldest);
    }
  }

  #delete(k: string): boolean {
    const entry = this.#entries.get(k);
    if (!entry) return false;
    this.#entries.delete(k);
    this.#bytes -= entry.size;
    const keys = this.#byTile.get(entry.tile);
    keys?.delete(k);
    if (keys?.size === 0) this.#byTile.delete(entry.tile);
    return true;
  }

  /** Drops every cached variant (territory filters) of one layer tile. */
  invalidateTile(layer: string, z: number, x: number, y: number): number {
    const keys = this.#byTile.get(`${layer}/${z}/${x}/${y}`);
    if (!keys) return 0;
    let dropped = 0;
    for (const k of [...keys]) if (this.#delete(k)) dropped++;
    return dropped;
  }

  /** A layer tile and the composite tile that holds it. */
  #invalidateLayerTile(layer: string, z: number, x: number, y: number): number {
    return this.invalidateTile(layer, z, x, y) + this.invalidateTile(COMPOSITE, z, x, y);
  }

  /**
   * Drops the tiles of `definition` (and the composite tiles) that the geometries (lon/lat
   * GeoJSON, e.g. a plot before and after a write) touch at every zoom of the layer, buffer
   * included. Returns how many entries went.
   */
  invalidateGeometries(definition: TileLayerZooms | undefined, geometries: (Geometry | null | undefined)[]): number {
    this.generation++;
    const boxes = geometries.filter((g): g is Geometry => !!g).map((g) => bbox(g) as BBox);
    if (!definition || boxes.length === 0) return 0;
    const layer = definition.id;
    let dropped = 0;
    for (let z = definition.minzoom; z <= definition.maxzoom; z++) {
      for (const box of boxes) {
        const r = tileRange(box, z);
        const count = (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
        if (count <= this.#byTile.size) {
          for (let x = r.minX; x <= r.maxX; x++)
            for (let y = r.minY; y <= r.maxY; y++) dropped += this.#invalidateLayerTile(layer, z, x, y);
        } else {
          // A huge box at a deep zoom: walk the cache rather than the tile range.
          for (const tile of [...this.#byTile.keys()]) {
            const [l, tz, tx, ty] = tile.split('/');
            if (
              (l === layer || l === COMPOSITE) &&
              Number(tz) === z &&
              Number(tx) >= r.minX &&
              Number(tx) <= r.maxX &&
              Number(ty) >= r.minY &&
              Number(ty) <= r.maxY
            ) {
              dropped += this.invalidateTile(l, z, Number(tx), Number(ty));
            }
          }
        }
      }
    }
    this.#invalidated += dropped;
    return dropped;
  }

  clear(): void {
    this.generation++;
    this.#entries.clear();
    this.#byTile.clear();
    this.#bytes = 0;
  }

  /** Listens to committed writes; returns the unsubscribe function. */
  listen(subscribe: SubscribeToInvalidations): () => void {
    return subscribe((event) => {
      if (event.action === 'reset') this.clear();
      else this.invalidateGeometries(event.layer, event.geometries);
    });
  }

  has(key: TileKey): boolean {
    return this.#entries.has(entryKey(key));
  }

  stats(): TileCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxBytes: this.maxBytes,
      hits: this.#hits,
      misses: this.#misses,
      invalidated: this.#invalidated,
    };
  }
}
