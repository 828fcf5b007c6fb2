// FlatGeobuf downloads for desktop GIS (QGIS, GDAL): the same features and whitelisted
// properties as the GeoJSON download (geojson.ts, ogc/collections.ts), as typed columns.
// The file is written as a stream: magic bytes, a header that states no feature count and no
// spatial index (header.fbs: features_count 0 = unknown, index_node_size 0 = no index), then
// the features of each keyset page as they are read, so memory holds one page at a time. Each
// feature is written from the database's WKB and typed columns, never from GeoJSON, by
// fgb-features.ts (issue #18).
// The header is built here with flatbuffers and flatgeobuf's generated tables: flatgeobuf's
// own buildHeader names every layer 'L1' and writes no title, description or column
// description, so a GIS would list every download as "L1".
import * as flatbuffers from 'flatbuffers';
import { sql, type Kysely } from 'kysely';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { Database } from '../db/schema.js';
import type { QueryableType } from '../ogc/collections.js';
import { crs84, wkbIn, type CrsDefinition } from '../ogc/crs.js';
import { columnExpression } from '../ogc/filter-sql.js';
import { FeatureWriter } from './fgb-features.js';
import { downloadCollection, downloadPages, type DownloadLayer } from './geojson.js';

// FlatGeobuf has no date-only type: a date travels as ISO 8601 text ('2024-03-01') in a
// DateTime column, which GDAL reads as that day at midnight.
const columnTypes: Record<QueryableType, ColumnType> = {
  string: ColumnType.String,
  number: ColumnType.Double,
  integer: ColumnType.Int, // the integer properties are PostgreSQL `integer` (32 bits)
  boolean: ColumnType.Bool,
  date: ColumnType.DateTime,
};

// A column is written with its name, type and description; width, precision and scale are
// unknown (-1), every column nullable. A null value is left out of the feature, as the spec allows.
const column = (name: string, type: ColumnType, description?: string): ColumnMeta => ({
  name,
  type,
  title: null,
  description: description ?? null,
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
  return [
    column('id', ColumnType.String, 'Foncier id'),
    ...Object.entries(properties).map(([name, q]) => column(name, columnTypes[q.type], q.description)),
  ];
}

export function flatGeobufHeader(
  layer: DownloadLayer,
  about: { title: string; description: string },
  crs: CrsDefinition = crs84,
): HeaderMeta {
  return {
    // sites.geom and plots.geom are geometry(MultiPolygon, 4326): one type for every feature.
    geometryType: GeometryType.MultiPolygon,
    columns: flatGeobufColumns(layer),
    envelope: null,
    featuresCount: 0,
    indexNodeSize: 0,
    // CRS84 is written EPSG:4326, x = longitude as every FlatGeobuf reader takes it.
    crs: {
      org: 'EPSG',
      code: crs.srid,
      name: crs === crs84 ? 'WGS 84' : crs.title,
      description: null,
      wkt: null,
      code_string: null,
    },
    title: about.title,
    description: about.description,
    metadata: null,
  };
}

const optionalString = (builder: flatbuffers.Builder, text: string | null) =>
  text === null ? 0 : builder.createString(text);

/** The size-prefixed Header table of header.fbs, the layer named `name`. */
export function headerBytes(header: HeaderMeta, name: string): Uint8Array {
  const builder = new flatbuffers.Builder(1024);
  // Strings and sub-tables first: a flatbuffers table cannot be built inside another.
  const columns = header.columns!.map((c) => {
    const columnName = builder.createString(c.name);
    const description = optionalString(builder, c.description);
    Column.startColumn(builder);
    Column.addName(builder, columnName);
    Column.addType(builder, c.type);
    if (description) Column.addDescription(builder, description);
    return Column.endColumn(builder);
  });
  const columnsVector = Header.createColumnsVector(builder, columns);
  const crsOrg = optionalString(builder, header.crs!.org);
  const crsName = optionalString(builder, header.crs!.name);
  Crs.startCrs(builder);
  if (crsOrg) Crs.addOrg(builder, crsOrg);
  Crs.addCode(builder, header.crs!.code);
  if (crsName) Crs.addName(builder, crsName);
  const crs = Crs.endCrs(builder);
  const layerName = builder.createString(name);
  const title = optionalString(builder, header.title);
  const description = optionalString(builder, header.description);
  Header.startHeader(builder);
  Header.addName(builder, layerName);
  Header.addGeometryType(builder, header.geometryType);
  Header.addColumns(builder, columnsVector);
  // Written even at its default (0 = unknown): an 8-byte field makes the whole header a
  // multiple of 8 bytes, so the float64 coordinates of the features after it stay aligned for
  // readers that view them in place (flatgeobuf's deserialize builds Float64Arrays on the file).
  builder.forceDefaults(true);
  Header.addFeaturesCount(builder, BigInt(header.featuresCount));
  builder.forceDefaults(false);
  // Written explicitly: the schema's default is 16, a packed R-tree this stream does not have.
  Header.addIndexNodeSize(builder, header.indexNodeSize);
  Header.addCrs(builder, crs);
  if (title) Header.addTitle(builder, title);
  if (description) Header.addDescription(builder, description);
  builder.finishSizePrefixed(Header.endHeader(builder));
  return builder.asUint8Array();
}

interface FlatGeobufRow {
  id: string;
  wkb: Uint8Array;
  [column: string]: unknown;
}

/** The select list: the id, the geometry as WKB, then each whitelisted property as column `c<i>`. */
function flatGeobufSelect(layer: DownloadLayer, crs: CrsDefinition) {
  const collection = downloadCollection(layer);
  const properties = Object.values(collection.properties).map(
    (q, i) => sql`${columnExpression(q)} AS ${sql.id(`c${i}`)}`,
  );
  return sql`CAST(t.${sql.id(collection.idColumn)} AS text) AS id,
    ${wkbIn(sql.ref(`t.${collection.geometryColumn}`), crs)} AS wkb, ${sql.join(properties)}`;
}

export interface FlatGeobufOptions {
  /** Territoire d'industrie id: its features only. */
  territory?: string;
  /** The layer name GIS tools show (the download's file name without `.fgb`); the layer by default. */
  name?: string;
  pageSize?: number;
  /** The embedded database: keyset pages rather than a cursor (geojson.ts, downloadPages). */
  singleConnection?: boolean;
  /** CRS84 (written as EPSG:4326) by default, or a projected CRS. */
  crs?: CrsDefinition;
}

async function describe(db: Kysely<Database>, layer: DownloadLayer, territory: string | undefined, crs: CrsDefinition) {
  const collection = downloadCollection(layer);
  const found = territory
    ? (await sql<{ name: string }>`SELECT name FROM territories WHERE id = ${territory}`.execute(db)).rows[0]
    : undefined;
  const where = territory ? `Territoire d'industrie ${found?.name ?? territory} (${territory})` : 'France';
  return {
    title: `${collection.title}, ${where}`,
    description: `${collection.description}. Foncier download of the live ${layer} of ${where}, EPSG:${crs.srid}.`,
  };
}

/** The .fgb file as chunks of bytes: magic bytes and header first, then one chunk per page. */
export async function* flatGeobufChunks(
  db: Kysely<Database>,
  layer: DownloadLayer,
  options: FlatGeobufOptions = {},
): AsyncGenerator<Uint8Array> {
  const crs = options.crs ?? crs84;
  const header = flatGeobufHeader(layer, await describe(db, layer, options.territory, crs), crs);
  yield Buffer.concat([magicbytes, headerBytes(header, options.name ?? layer)]);
  const columns = flatGeobufSelect(layer, crs);
  const writer = new FeatureWriter(header.columns!.map((c) => c.type));
  const keys = header.columns!.map((_, i) => (i === 0 ? 'id' : `c${i - 1}`));
  const values: unknown[] = new Array(keys.length); // one row's, reused
  for await (const rows of downloadPages<FlatGeobufRow>(db, layer, columns, options.territory, options)) {
    for (const row of rows) {
      for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]!];
      writer.feature(row.wkb, values);
    }
    yield writer.take();
  }
}
