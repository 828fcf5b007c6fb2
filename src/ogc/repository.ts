// Feature reads for /ogc: one page of a collection with its exact match count (from the items
// request's bbox, datetime, property filters, CQL2 filter and sortby), one feature, and a
// collection's spatial extent. The SQL is assembled from whitelisted identifiers (collections.ts)
// and parameterised conditions (filter-sql.ts, crs.ts).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Geometry } from 'geojson';
import type { Database } from '../db/schema.js';
import type { CollectionDefinition } from './collections.js';
import { parseCql2Json, parseCql2Text } from './cql2.js';
import { bboxCondition, crs84, geoJsonIn, type CrsDefinition } from './crs.js';
import {
  columnExpression,
  datetimeExpression,
  filterExpression,
  propertyEquals,
  QueryError,
  sortExpressions,
} from './filter-sql.js';

export interface FeatureRow {
  id: string;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
}

/** The items request's selection as the client wrote it (each part parsed and checked here). */
export interface ItemsQuery {
  /** minLon,minLat,maxLon,maxLat (or 6 numbers) in `bboxCrs`. */
  bbox?: string;
  bboxCrs: CrsDefinition;
  /** RFC 3339 date or interval. */
  datetime?: string;
  /** Property filters: queryable name → value; another name is a QueryError. */
  properties: Record<string, string>;
  filter?: string;
  filterLang?: 'cql2-text' | 'cql-text' | 'cql2-json';
  sortby?: string;
  crs?: CrsDefinition;
  limit: number;
  offset: number;
}

/** The WHERE conditions of an items request; a client mistake throws QueryError or Cql2SyntaxError. */
function itemsConditions(collection: CollectionDefinition, query: ItemsQuery): RawBuilder<boolean>[] {
  const { bbox, datetime, filter } = query;
  return [
    ...(bbox !== undefined ? [bboxCondition(collection, bbox, query.bboxCrs)] : []),
    ...(datetime !== undefined ? [datetimeExpression(collection, datetime)] : []),
    ...Object.entries(query.properties).map(([name, value]) => {
      if (!Object.hasOwn(collection.properties, name)) throw new QueryError(name, 'unknown parameter');
      return propertyEquals(collection, name, String(value));
    }),
    ...(filter !== undefined
      ? [filterExpression(collection, query.filterLang === 'cql2-json' ? parseCql2Json(filter) : parseCql2Text(filter))]
      : []),
  ];
}

function whereClause(collection: CollectionDefinition, conditions: RawBuilder<boolean>[]) {
  const all = [...(collection.softDelete ? [sql<boolean>`deleted_at IS NULL`] : []), ...conditions];
  return all.length === 0 ? sql`` : sql`WHERE ${sql.join(all, sql` AND `)}`;
}

/** The id, the whitelisted properties and the geometry in `crs` (CRS84 by default). */
export function featureColumns(collection: CollectionDefinition, crs: CrsDefinition = crs84) {
  // Property keys are constants of ours, so sql.lit is safe for them.
  const pairs = Object.entries(collection.properties).flatMap(([name, q]) => [sql.lit(name), columnExpression(q)]);
  const geom = sql.ref(collection.geometryColumn);
  return sql`CAST(${sql.ref(collection.idColumn)} AS text) AS id,
    json_build_object(${sql.join(pairs)}) AS properties,
    ${geoJsonIn(geom, crs)}::json AS geometry`;
}

/** One page of a collection's features and the exact count of all that match. */
export async function findFeatures(db: Kysely<Database>, collection: CollectionDefinition, query: ItemsQuery) {
  const where = whereClause(collection, itemsConditions(collection, query));
  const table = sql.table(collection.table);
  // Both statements see one snapshot only in a REPEATABLE READ transaction (READ COMMITTED
  // takes one per statement): numberMatched is then exact for the page it comes with.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} ${where}`.execute(trx);
      // sortby names are checked while the ORDER BY is built.
      const rows = await sql<FeatureRow>`SELECT ${featureColumns(collection, query.crs)} FROM ${table} ${where}
      ORDER BY ${sql.join(sortExpressions(collection, query.sortby))}
      LIMIT ${query.limit} OFFSET ${query.offset}`.execute(trx);
      return { numberMatched: count.rows[0]!.n, features: rows.rows };
    });
}

export async function findFeature(
  db: Kysely<Database>,
  collection: CollectionDefinition,
  id: string,
  crs: CrsDefinition = crs84,
): Promise<FeatureRow | undefined> {
  const where = whereClause(collection, [sql<boolean>`CAST(${sql.ref(collection.idColumn)} AS text) = ${id}`]);
  const result = await sql<FeatureRow>`
    SELECT ${featureColumns(collection, crs)}
    FROM ${sql.table(collection.table)} ${where}`.execute(db);
  return result.rows[0];
}

/** [minLon, minLat, maxLon, maxLat] of every live feature, or null for an empty collection. */
export async function collectionExtent(
  db: Kysely<Database>,
  collection: CollectionDefinition,
): Promise<[number, number, number, number] | null> {
  const where = whereClause(collection, []);
  const geom = sql.ref(collection.geometryColumn);
  const result = await sql<{
    e: [number, number, number, number] | null;
  }>`SELECT CASE WHEN count(${geom}) = 0 THEN NULL ELSE json_build_array(
      ST_XMin(ST_Extent(${geom})), ST_YMin(ST_Extent(${geom})),
      ST_XMax(ST_Extent(${geom})), ST_YMax(ST_Extent(${geom}))) END AS e
    FROM ${sql.table(collection.table)} ${where}`.execute(db);
  return result.rows[0]?.e ?? null;
}
