// FlatGeobuf downloads for desktop GIS (QGIS, GDAL): the same features and whitelisted
// properties as the GeoJSON download (geojson.ts, ogc/collections.ts), as typed columns.
// The file is written as a stream: magic bytes, a header that states no feature count and no
// spatial index (header.fbs: features_count 0 = unknown, index_node_size 0 = no index), then
// the features of each keyset page as they are read, so memory holds one page at a time.
import type { Kysely } from 'kysely';
import type { MultiPolygon } from 'geojson';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { buildFeature, type IProperties } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { Database } from '../db/schema.js';
import type { QueryableType } from '../ogc/collections.js';
import type { FeatureRow } from '../ogc/repository.js';
import { downloadCollection, featurePages, type DownloadLayer } from './geojson.js';

const wgs84 = 4326;

// FlatGeobuf has no date-only type: a date travels as ISO 8601 text ('2024-03-01') in a
// DateTime column, which GDAL reads as that day at midnight.
const columnTypes: Record<QueryableType, ColumnType> = {
  string: ColumnType.String,
  number: ColumnType.Double,
  integer: ColumnType.Int, // the integer properties are PostgreSQL `integer` (32 bits)
  boolean: ColumnType.Bool,
  date: ColumnType.DateTime,
};

// buildHeader writes a column's name and type only (and names the layer 'L1'); the rest of
// ColumnMeta stays at its default. A null value is left out of the feature, as the spec allows.
const column = (name: string, type: ColumnType): ColumnMeta => ({
  name,
  type,
  title: null,
  description: null,
  width: -1,
  precision: -1,
  scale: -1,
  nullable: true,
  unique: false,
  primary_key: false,
});

/** The column schema: the feature id (FlatGeobuf features have none of their own), then the
 *  collection's whitelisted properties in their declared order. */
export function flatGeobufColumns(layer: DownloadLayer): ColumnMeta[] {
  const { properties } = downloadCollection(layer);
  return [column('id', ColumnType.String), ...Object.entries(properties).map(([name, q]) => column(name, columnTypes[q.type]))];
}

export function flatGeobufHeader(layer: DownloadLayer): HeaderMeta {
  return {
    // sites.geom and plots.geom are geometry(MultiPolygon, 4326): one type for every feature.
    geometryType: GeometryType.MultiPolygon,
    columns: flatGeobufColumns(layer),
    envelope: null,
    featuresCount: 0,
    indexNodeSize: 0,
    crs: null, // buildHeader writes the CRS from its code (wgs84)
    title: null,
    description: null,
    metadata: null,
  };
}

function featureBytes(row: FeatureRow, header: HeaderMeta): Uint8Array {
  const properties: IProperties = { id: row.id };
  for (const { name } of header.columns!.slice(1)) properties[name] = (row.properties[name] ?? null) as IProperties[string];
  return buildFeature(parseGeometry(row.geometry as MultiPolygon), properties, header);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** The .fgb file as chunks of bytes: magic bytes and header first, then one chunk per page. */
export async function* flatGeobufChunks(db: Kysely<Database>, layer: DownloadLayer, territory?: string, pageSize?: number): AsyncGenerator<Uint8Array> {
  const header = flatGeobufHeader(layer);
  yield concat([magicbytes, buildHeader(header, wgs84)]);
  for await (const rows of featurePages(db, layer, territory, pageSize)) yield concat(rows.map((row) => featureBytes(row, header)));
}
