// Tile sources: the one interface every tile producer sits behind (a PostGIS layer, the
// composite of all layers, a cache in front of either), and TileJSON 3.0.0 documents.
// The composite is cached whole; it reads the layer tiles already in the cache but does not
// store the ones it builds, so no tile's bytes are held twice for it.
// On PostgreSQL a layer tile is ST_AsMVT(ST_AsMVTGeom(...)); on the embedded database, which
// lacks both, PostGIS clips, transforms and snaps and tiles/mvt-encoder.ts writes the bytes.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Geometry } from 'geojson';
import type { Database } from '../src/db/schema.js';
import { encodeTile, type PropertyValue } from './mvt-encoder.js';
import { layerPropertyTypes, tileLayers, type TileLayer, type TileQuery } from './layers.js';
import { BUFFER, EXTENT, tileEnvelope } from './tile-math.js';
import type { TileCache } from './cache.js';

/** Which encoder writes the protobuf: PostGIS ST_AsMVT, or ours (embedded database). */
export type TileEncoder = 'st_asmvt' | 'typescript';

export interface TileRequest {
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
  /** Data version carried by the tile URLs, so that caches can keep a tile for long. */
  version: string;
  territory?: string;
  /** Extent of the data (lon/lat); the whole world when unknown. */
  bounds?: [number, number, number, number] | null;
}

export interface TileSource {
  id: string;
  minzoom: number;
  maxzoom: number;
  tilejson(base: URL, options: TileJsonOptions): TileJson;
  /** The tile's bytes, or null when it holds no feature (HTTP 204). */
  tile(z: number, x: number, y: number, request?: TileRequest): Promise<Uint8Array | null>;
}

export const ATTRIBUTION =
  "Foncier · ANCT Territoires d'industrie · CNIG Sites économiques (site-eco, terrain-eco) · Cerema Cartofriches (CNIG friches) · IGN ADMIN EXPRESS · © OpenStreetMap contributors";

const fieldTypes = { string: 'String', number: 'Number', integer: 'Number', boolean: 'Boolean' } as const;

/**
 * TileJSON has one field list per layer: the features' fields, then the clusters' (drawn below
 * `clusterBelow`), a shared name described for both.
 */
function vectorLayerJson(layer: TileLayer): VectorLayerJson {
  const fields: Record<string, string> = {};
  for (const [name, f] of Object.entries(layer.fields)) fields[name] = `${fieldTypes[f.type]}: ${f.description}`;
  for (const [name, f] of Object.entries(layer.clusterFields)) {
    const cluster = `cluster (below zoom ${layer.clusterBelow}): ${f.description}`;
    fields[name] = name in fields ? `${fields[name]}; ${cluster}` : `${fieldTypes[f.type]}: ${cluster}`;
  }
  return { id: layer.id, description: layer.description, minzoom: layer.minzoom, maxzoom: layer.maxzoom, fields };
}

function buildTileJson(
  base: URL,
  source: { id: string; name: string; description: string; minzoom: number; maxzoom: number; layers: TileLayer[] },
  options: TileJsonOptions,
): TileJson {
  const params = new URLSearchParams({ v: options.version });
  if (options.territory) params.set('territory', options.territory);
  const path = source.id === 'composite' ? '/tiles' : `/tiles/${source.id}`;
  const bounds = options.bounds ?? [-180, -85.0511, 180, 85.0511];
  const centerZoom = Math.max(source.minzoom, Math.min(source.maxzoom, options.bounds ? 8 : 2));
  return {
    tilejson: '3.0.0',
    name: source.name,
    description: source.description,
    version: '1.0.0',
    attribution: ATTRIBUTION,
    scheme: 'xyz',
    // Braces must stay literal for the {z}/{x}/{y} template.
    tiles: [`${new URL(path, base).href}/{z}/{x}/{y}.mvt?${params}`],
    vector_layers: source.layers.map(vectorLayerJson),
    minzoom: source.minzoom,
    maxzoom: source.maxzoom,
    bounds,
    center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, centerZoom],
  };
}

/** The affine map from EPSG:3857 metres to tile units (x right, y down) of one tile. */
function tileAffine(q: TileQuery): RawBuilder<unknown>[] {
  const [minX, , maxX, maxY] = tileEnvelope(q);
  const scale = EXTENT / (maxX - minX);
  return [
    sql`${scale}::float8`,
    sql`0`,
    sql`0`,
    sql`${-scale}::float8`,
    sql`${-minX * scale}::float8`,
    sql`${maxY * scale}::float8`,
  ];
}

/** The statement of one layer tile with ST_AsMVT (PostgreSQL); the benchmark runs it raw. */
export function asMvtStatement(layer: TileLayer, q: TileQuery): RawBuilder<{ mvt: Uint8Array | null }> {
  const envelope = sql`ST_TileEnvelope(${q.z}::int, ${q.x}::int, ${q.y}::int)`;
  const features = layer.features(q, (geom) => sql`ST_AsMVTGeom(${geom}, ${envelope}, ${EXTENT}, ${BUFFER}, true)`);
  return sql<{ mvt: Uint8Array | null }>`
    SELECT ST_AsMVT(f, ${layer.id}, ${EXTENT}, 'geom', 'fid') AS mvt FROM (${features}) f WHERE f.geom IS NOT NULL`;
}

/** One layer tile as ST_AsMVT bytes (PostgreSQL). */
async function layerTileWithAsMvt(db: Kysely<Database>, layer: TileLayer, q: TileQuery): Promise<Uint8Array> {
  const { rows } = await asMvtStatement(layer, q).execute(db);
  const bytes = rows[0]?.mvt;
  return bytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(0);
}

/**
 * The same layer tile through the TypeScript encoder: PostGIS clips to the buffered tile,
 * maps to tile units, snaps to the integer grid and repairs what snapping broke; the rows
 * come back as GeoJSON in tile units.
 */
async function layerTileWithEncoder(db: Kysely<Database>, layer: TileLayer, q: TileQuery): Promise<Uint8Array> {
  const buffered = sql`ST_TileEnvelope(${q.z}::int, ${q.x}::int, ${q.y}::int, margin => ${BUFFER / EXTENT}::float8)`;
  const polygons = layer.geometryAt(q.z) === 'polygon';
  const features = layer.features(q, (geom) => {
    const snapped = sql`ST_SnapToGrid(ST_Affine(ST_ClipByBox2D(${geom}, ${buffered}::box2d), ${sql.join(tileAffine(q))}), 1)`;
    return polygons ? sql`ST_CollectionExtract(ST_MakeValid(${snapped}), 3)` : snapped;
  });
  const { rows } = await sql<{ fid: number; geometry: Geometry; properties: Record<string, PropertyValue> }>`
    SELECT f.fid, ST_AsGeoJSON(f.geom, 0)::json AS geometry, to_jsonb(f) - 'geom' - 'fid' AS properties
    FROM (${features}) f WHERE f.geom IS NOT NULL AND NOT ST_IsEmpty(f.geom)`.execute(db);
  return encodeTile([
    {
      name: layer.id,
      extent: EXTENT,
      types: layerPropertyTypes(layer),
      features: rows.map((r) => ({ id: Number(r.fid), geometry: r.geometry, properties: r.properties })),
    },
  ]);
}

/** A PostGIS-backed layer. */
export class PostgisLayerSource implements TileSource {
  readonly id: string;
  readonly minzoom: number;
  readonly maxzoom: number;

  constructor(
    private readonly db: Kysely<Database>,
    readonly layer: TileLayer,
    readonly encoder: TileEncoder,
  ) {
    this.id = layer.id;
    this.minzoom = layer.minzoom;
    this.maxzoom = layer.maxzoom;
  }

  tilejson(base: URL, options: TileJsonOptions): TileJson {
    return buildTileJson(
      base,
      {
        id: this.id,
        name: `Foncier ${this.id}`,
        description: this.layer.description,
        minzoom: this.minzoom,
        maxzoom: this.maxzoom,
        layers: [this.layer],
      },
      options,
    );
  }

  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<Uint8Array | null> {
    if (z < this.minzoom || z > this.maxzoom) return null;
    const q: TileQuery = { z, x, y, territory: request.territory };
    const bytes =
      this.encoder === 'st_asmvt'
        ? await layerTileWithAsMvt(this.db, this.layer, q)
        : await layerTileWithEncoder(this.db, this.layer, q);
    return bytes.byteLength > 0 ? bytes : null;
  }
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

  tilejson(base: URL, options: TileJsonOptions): TileJson {
    return this.inner.tilejson(base, options);
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

  constructor(readonly sources: TileSource[]) {
    this.minzoom = Math.min(...sources.map((s) => s.minzoom));
    this.maxzoom = Math.max(...sources.map((s) => s.maxzoom));
  }

  tilejson(base: URL, options: TileJsonOptions): TileJson {
    const layers = tileLayers.filter((layer) => this.sources.some((s) => s.id === layer.id));
    return buildTileJson(
      base,
      {
        id: this.id,
        name: 'Foncier',
        description: "Territoires d'industrie, economic sites and plots, brownfields",
        minzoom: this.minzoom,
        maxzoom: this.maxzoom,
        layers,
      },
      options,
    );
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

export interface TileSources {
  layers: Map<string, TileSource>;
  composite: TileSource;
}

/**
 * The layer sources and the composite over one database, behind the cache. The composite is
 * the one entry for its tile: its parts come from the cache when a layer request put them
 * there, and are otherwise built and dropped after concatenation. Invalidating a layer tile
 * drops the composite tile with it (tiles/cache.ts), so both stay exact.
 */
export function createTileSources(db: Kysely<Database>, encoder: TileEncoder, cache: TileCache | null): TileSources {
  const currentVersion = () => dataVersionMs(db);
  const built = tileLayers.map((layer) => new PostgisLayerSource(db, layer, encoder));
  const layers = new Map<string, TileSource>(
    built.map((source) => [source.id, new CachedTileSource(source, cache, currentVersion)]),
  );
  const parts = built.map((source) => new CachedTileSource(source, cache, currentVersion, false));
  return { layers, composite: new CachedTileSource(new CompositeSource(parts), cache, currentVersion) };
}

/** PostgreSQL has ST_AsMVT; the embedded database does not. */
export function encoderFor(backend: string): TileEncoder {
  return backend === 'postgres' ? 'st_asmvt' : 'typescript';
}

/**
 * The data version: the last write to a site or plot (a soft delete is a write too) in
 * milliseconds (indexed by sql/003_tiles.sql), plus the reference-layer counter that every
 * statement writing brownfields, land cover or PENE perimeters bumps (sql/007_zan_cache.sql):
 * brownfields have no timestamp. Both only grow, so the sum grows whenever either does.
 */
export async function dataVersionMs(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ ms: number | null }>`
    SELECT coalesce(floor(extract(epoch FROM greatest((SELECT max(updated_at) FROM sites), (SELECT max(updated_at) FROM plots))) * 1000), 0)::float8
      + coalesce((SELECT version FROM zan_reference_version), 0) AS ms`.execute(db);
  return Math.round(rows[0]?.ms ?? 0);
}

/** The data version carried by TileJSON tile URLs: dataVersionMs in base 36. */
export async function dataVersion(db: Kysely<Database>): Promise<string> {
  return (await dataVersionMs(db)).toString(36);
}

/**
 * A URL's ?v= back to milliseconds. A version is a time of the data (plus a small counter):
 * one that is not a number, or lies more than a day ahead (a hand-made URL), counts as 0, any
 * version, so that it cannot make every request miss the cache.
 */
export function parseDataVersion(v: string, now = Date.now()): number {
  const ms = parseInt(v, 36);
  return Number.isFinite(ms) && ms <= now + 86_400_000 ? ms : 0;
}

/** [west, south, east, north] of the data a source shows: all territories, or one. */
export async function dataBounds(
  db: Kysely<Database>,
  territory?: string,
): Promise<[number, number, number, number] | null> {
  const { rows } = await sql<{ w: number | null; s: number | null; e: number | null; n: number | null }>`
    SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Extent(geom)::geometry AS b FROM territories ${territory === undefined ? sql`` : sql`WHERE id = ${territory}`}) x`.execute(
    db,
  );
  const r = rows[0];
  if (!r || r.w === null || r.s === null || r.e === null || r.n === null) return null;
  const round = (v: number, up: boolean) => (up ? Math.ceil(v * 1e4) : Math.floor(v * 1e4)) / 1e4;
  return [round(r.w, false), round(r.s, false), round(r.e, true), round(r.n, true)];
}

export async function territoryExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('territories').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}
