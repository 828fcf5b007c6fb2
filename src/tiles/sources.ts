// Foncier's tile sources: each layer of layers.ts as a PostGIS source, the composite of all of
// them, behind the tile cache (tiles/ holds the interfaces, the composite and the cache).
// On PostgreSQL a layer tile is ST_AsMVT(ST_AsMVTGeom(...)); on the embedded database, which
// lacks both, PostGIS clips, transforms and snaps and tiles/mvt-encoder.ts writes the bytes.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Geometry } from 'geojson';
import type { Database } from '../db/schema.js';
import type { TileCache } from '../../tiles/cache.js';
import { encodeTile, type PropertyValue } from '../../tiles/mvt-encoder.js';
import {
  buildTileJson,
  CachedTileSource,
  CompositeSource,
  type TileJson,
  type TileJsonOptions,
  type TileRequest,
  type TileSource,
  type VectorLayerJson,
} from '../../tiles/source.js';
import { BUFFER, EXTENT, tileEnvelope } from '../../tiles/tile-math.js';
import type { ClusterBuild } from './clusters.js';
import { layerPropertyTypes, tileLayers, type TileLayer, type TileQuery } from './layers.js';
import { dataVersionMs } from './versions.js';

/** Which encoder writes the protobuf: PostGIS ST_AsMVT, or ours (embedded database). */
export type TileEncoder = 'st_asmvt' | 'typescript';

export const ATTRIBUTION =
  "Foncier · ANCT Territoires d'industrie · CNIG Sites économiques (site-eco, terrain-eco) · " +
  'Cerema Cartofriches (CNIG friches) · IGN ADMIN EXPRESS · © OpenStreetMap contributors';

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
    const clipped = sql`ST_ClipByBox2D(${geom}, ${buffered}::box2d)`;
    const snapped = sql`ST_SnapToGrid(ST_Affine(${clipped}, ${sql.join(tileAffine(q))}), 1)`;
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
    /** Cluster zooms from the cells or, for the tests and bench that compare, the members. */
    readonly clusters: ClusterBuild = 'cells',
  ) {
    this.id = layer.id;
    this.minzoom = layer.minzoom;
    this.maxzoom = layer.maxzoom;
  }

  tilejson(options: TileJsonOptions): TileJson {
    return buildTileJson(
      {
        name: `Foncier ${this.id}`,
        description: this.layer.description,
        attribution: ATTRIBUTION,
        minzoom: this.minzoom,
        maxzoom: this.maxzoom,
        vectorLayers: [vectorLayerJson(this.layer)],
      },
      options,
    );
  }

  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<Uint8Array | null> {
    if (z < this.minzoom || z > this.maxzoom) return null;
    const q: TileQuery = { z, x, y, territory: request.territory, clusters: this.clusters };
    const bytes =
      this.encoder === 'st_asmvt'
        ? await layerTileWithAsMvt(this.db, this.layer, q)
        : await layerTileWithEncoder(this.db, this.layer, q);
    return bytes.byteLength > 0 ? bytes : null;
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
  const composite = new CompositeSource(parts, {
    name: 'Foncier',
    description: "Territoires d'industrie, economic sites and plots, brownfields",
    attribution: ATTRIBUTION,
  });
  return { layers, composite: new CachedTileSource(composite, cache, currentVersion) };
}

/** PostgreSQL has ST_AsMVT; the embedded database does not. */
export function encoderFor(backend: string): TileEncoder {
  return backend === 'postgres' ? 'st_asmvt' : 'typescript';
}
