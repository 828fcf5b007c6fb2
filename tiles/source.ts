// Tile sources: the one interface every tile producer sits behind (a database layer, the
// composite of all layers, a cache in front of either), and TileJSON 3.0.0 documents.
// The composite is cached whole; it reads the layer tiles already in the cache but does not
// store the ones it builds, so no tile's bytes are held twice for it.
// This is the tile core's edge: a source knows no route and no schema. The server hands
// tilejson() the URL template of its own routes (as martin's server fills in `tiles`), and the
// layers behind a source (src/tiles/ for Foncier's) bring their own queries.
import type { TileCache } from './cache.js';

export interface TileRequest {
  /**
   * A filter the layers understand (Foncier's: a territory id), opaque here; part of the
   * cache key, so each filter is its own tile.
   */
  territory?: string;
  /** The data version (ms, from the URL's ?v=) the tile must reflect at least; 0 for any. */
  version?: number;
  /** Filled by cached sources: how many layer tiles came from the cache or were built. */
  stats?: { hits: number; misses: number };
}

export interface VectorLayerJson {
  id: string;
  description: string;
  minzoom: number;
  maxzoom: number;
  fields: Record<string, string>;
}

export interface TileJson {
  tilejson: '3.0.0';
  name: string;
  description: string;
  version: string;
  attribution: string;
  scheme: 'xyz';
  tiles: string[];
  vector_layers: VectorLayerJson[];
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  center: [number, number, number];
}

export interface TileJsonOptions {
  /**
   * The tiles' URL template, `{z}`, `{x}` and `{y}` literal: the server's own route, with
   * whatever query it carries (a data version, so that caches can keep a tile for long).
   */
  tiles: string;
  /** Extent of the data (lon/lat); the whole world when unknown. */
  bounds?: [number, number, number, number] | null;
}

/** What a source says about itself in TileJSON, besides the URL and the bounds. */
export interface TileJsonMetadata {
  name: string;
  description: string;
  attribution: string;
  minzoom: number;
  maxzoom: number;
  vectorLayers: VectorLayerJson[];
}

export interface TileSource {
  id: string;
  minzoom: number;
  maxzoom: number;
  tilejson(options: TileJsonOptions): TileJson;
  /** The tile's bytes, or null when it holds no feature (HTTP 204). */
  tile(z: number, x: number, y: number, request?: TileRequest): Promise<Uint8Array | null>;
}

export function buildTileJson(source: TileJsonMetadata, options: TileJsonOptions): TileJson {
  const bounds = options.bounds ?? [-180, -85.0511, 180, 85.0511];
  const centerZoom = Math.max(source.minzoom, Math.min(source.maxzoom, options.bounds ? 8 : 2));
  return {
    tilejson: '3.0.0',
    name: source.name,
    description: source.description,
    version: '1.0.0',
    attribution: source.attribution,
    scheme: 'xyz',
    tiles: [options.tiles],
    vector_layers: source.vectorLayers,
    minzoom: source.minzoom,
    maxzoom: source.maxzoom,
    bounds,
    center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, centerZoom],
  };
}

/** A source whose tiles go through the shared tile cache (a null cache builds every time). */
export class CachedTileSource implements TileSource {
  constructor(
    readonly inner: TileSource,
    private readonly cache: TileCache | null,
    /** The current data version (ms), read before a build to stamp what gets stored. */
    private readonly currentVersion: () => Promise<number> = async () => 0,
    /** false: take cached tiles but do not store built ones (the parts of a composite). */
    private readonly store = true,
  ) {}

  get id() {
    return this.inner.id;
  }
  get minzoom() {
    return this.inner.minzoom;
  }
  get maxzoom() {
    return this.inner.maxzoom;
  }

  tilejson(options: TileJsonOptions): TileJson {
    return this.inner.tilejson(options);
  }

  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<Uint8Array | null> {
    if (!this.cache) {
      if (request.stats) request.stats.misses++;
      return this.inner.tile(z, x, y, request);
    }
    const key = { layer: this.id, z, x, y, territory: request.territory };
    const cached = this.cache.get(key, request.version ?? 0);
    if (cached !== undefined) {
      if (request.stats) request.stats.hits++;
      return cached;
    }
    if (request.stats) request.stats.misses++;
    if (!this.store) return this.inner.tile(z, x, y, request);
    // Both read before building: a write that lands while we build must not leave the old
    // tile behind (generation), and the stamp never claims newer data than the tile holds.
    const generation = this.cache.generation;
    const version = await this.currentVersion();
    // A composite is built from cached layer tiles: they must be at least as new as the stamp
    // the composite gets, or a URL of that version could be served older parts for a day.
    const bytes = await this.inner.tile(z, x, y, { ...request, version: Math.max(request.version ?? 0, version) });
    this.cache.set(key, bytes, generation, version);
    return bytes;
  }
}

/** All layers in one tile: the concatenation of the layer tiles (a Tile is `repeated Layer`). */
export class CompositeSource implements TileSource {
  readonly id = 'composite';
  readonly minzoom: number;
  readonly maxzoom: number;

  constructor(
    readonly sources: TileSource[],
    private readonly metadata: { name: string; description: string; attribution: string },
  ) {
    this.minzoom = Math.min(...sources.map((s) => s.minzoom));
    this.maxzoom = Math.max(...sources.map((s) => s.maxzoom));
  }

  /** The parts' vector layers, in the order of the parts (the order of the layers in a tile). */
  tilejson(options: TileJsonOptions): TileJson {
    const vectorLayers = this.sources.flatMap((s) => s.tilejson(options).vector_layers);
    return buildTileJson({ ...this.metadata, minzoom: this.minzoom, maxzoom: this.maxzoom, vectorLayers }, options);
  }

  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<Uint8Array | null> {
    const parts = (await Promise.all(this.sources.map((s) => s.tile(z, x, y, request)))).filter(
      (p): p is Uint8Array => p !== null,
    );
    if (parts.length === 0) return null;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.byteLength;
    }
    return out;
  }
}
