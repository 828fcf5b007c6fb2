// GeoJSON downloads for desktop GIS: a FeatureCollection of a territory's (or the nation's)
// sites or plots, written as it is read in keyset pages (downloadPages, which the FlatGeobuf
// download reads too). The properties are the OGC collection's whitelist
// (ogc/collections.ts), so no personal data can leave here either. CRS84 unless `crs` asks
// for a projected CRS (ogc/crs.ts), which the FeatureCollection then names in its `crs` member.
//
// Linear at any size (issue #18): the rows follow the uuid primary key itself (one cursor, or
// keyset pages `t.id > $after ORDER BY t.id` on the embedded database), never a text alias of
// it, which made every page sort the whole table; and each Feature is one text the database
// writes, spliced into the stream as it comes (no JSON parsed and written again here).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { featureCollectionChunks } from '../http/features.js';
import { findCollection, type CollectionDefinition } from '../ogc/collections.js';
import { columnExpression } from '../ogc/filter-sql.js';
import { crs84, geoJsonIn, legacyCrsMember, type CrsDefinition } from '../ogc/crs.js';
import { searchChunks } from '../search/repository.js';

export type DownloadLayer = 'sites' | 'plots';
const defaultPageSize = 1000;

export function downloadCollection(layer: DownloadLayer): CollectionDefinition {
  return findCollection(layer)!;
}

/** What a territory's rows are picked by: its EPCI for sites, its sites for plots. */
async function territoryFilter(db: Kysely<Database>, layer: DownloadLayer, territory: string) {
  if (layer === 'sites') {
    const { rows } = await sql<{ siren: string }>`SELECT epci_siren AS siren FROM territory_epci
      WHERE territory_id = ${territory}`.execute(db);
    return sql`AND t.epci_siren = ANY(${rows.map((r) => r.siren)}::text[])`;
  }
  const { rows } = await sql<{ id: string }>`SELECT s.id FROM sites s
    JOIN territory_epci te ON te.epci_siren = s.epci_siren WHERE te.territory_id = ${territory}`.execute(db);
  return sql`AND t.site_id = ANY(${rows.map((r) => r.id)}::uuid[])`;
}

export interface PageOptions {
  pageSize?: number;
  /** The embedded database (one connection): keyset pages, as a cursor's transaction would hold it. */
  singleConnection?: boolean;
}

/**
 * The layer's live rows (of a territory), a page at a time; `columns` is the select list, over
 * the table aliased `t`. The territory's sites (or EPCI) are read once and passed as an array,
 * which PostgreSQL hashes, so that each row costs a cheap filter, not a join.
 *
 * On PostgreSQL, one statement read through a cursor (search/repository.ts, searchChunks):
 * planned once, the array sent once, one scan of the table, the next chunk fetched while this
 * one is written, in one snapshot, as ogr2ogr reads PostGIS (issue #18). Its read-only
 * transaction holds a pool connection for the download; a client that stops reading is ended
 * by the idle-in-transaction limit (db/limits.ts). The rows come in the table's order, not
 * sorted (a download is a set of features; two downloads of the same data may list them in
 * another order): a cursor is never a parallel plan, and sorting the densest territory at 1M
 * plots (390,331 wide rows, sorted on disk) or walking the primary key for it (a heap fetch
 * per row, 9.0 s) cost several times the scan. Planned for every row (`readAll`), not for the
 * first tenth as a cursor is by default.
 *
 * With `singleConnection`, keyset pages (`t.id > $after ORDER BY t.id LIMIT n`), each its own
 * statement, so that other requests are served between two pages; the same
 * features, in id order (test/http/exports-fgb.test.ts compares the two).
 */
export async function* downloadPages<Row extends object>(
  db: Kysely<Database>,
  layer: DownloadLayer,
  columns: RawBuilder<unknown>,
  territory?: string,
  options: PageOptions = {},
): AsyncGenerator<Row[]> {
  const pageSize = options.pageSize ?? defaultPageSize;
  const table = sql.table(downloadCollection(layer).table);
  const inTerritory = territory ? await territoryFilter(db, layer, territory) : sql``;
  // The rows as the database names them (c0, wkb, feature…, already what the callers read):
  // the camelCase plugin would copy every row into a new object, a tenth of a FlatGeobuf
  // download's time. The statement's identifiers are the tables' own snake_case names.
  const raw = db.withoutPlugins();
  if (!options.singleConnection) {
    const statement = sql<Row>`SELECT ${columns} FROM ${table} t WHERE t.deleted_at IS NULL ${inTerritory}`;
    yield* searchChunks<Row>(raw, statement, { chunkSize: pageSize, readAll: true });
    return;
  }
  const page = (after: string | undefined) =>
    sql<Row & { cursor: string }>`SELECT ${columns}, t.id AS cursor FROM ${table} t
      WHERE t.deleted_at IS NULL ${inTerritory} ${after !== undefined ? sql`AND t.id > ${after}::uuid` : sql``}
      ORDER BY t.id LIMIT ${pageSize}`
      .execute(raw)
      .then((result) => result.rows);
  // A page asked for ahead may fail while the caller still writes the one before (a timeout): it is
  // heard at once, or Node would take it for an unhandled rejection; the await below still throws it.
  const ahead = (after: string | undefined) => {
    const promise = page(after);
    promise.catch(() => undefined);
    return promise;
  };
  let next: Promise<(Row & { cursor: string })[]> | undefined = ahead(undefined);
  try {
    while (next) {
      const rows: (Row & { cursor: string })[] = await next;
      next = rows.length === pageSize ? ahead(rows[rows.length - 1]!.cursor) : undefined;
      if (rows.length > 0) yield rows;
    }
  } finally {
    // A client gone mid-download: the page asked for ahead is not left to reject unheard.
    await next?.catch(() => undefined);
  }
}

/** A Feature as the text the database writes: `{"type":"Feature","id":…,"geometry":…,"properties":{…}}`. */
function featureTextColumn(collection: CollectionDefinition, crs: CrsDefinition): RawBuilder<unknown> {
  // Property keys are constants of ours, so sql.lit is safe for them; a uuid needs no escaping.
  const pairs = Object.entries(collection.properties).flatMap(([name, q]) => [sql.lit(name), columnExpression(q)]);
  const geom = sql.ref(`t.${collection.geometryColumn}`);
  return sql`'{"type":"Feature","id":"' || CAST(${sql.ref(`t.${collection.idColumn}`)} AS text)
    || '","geometry":' || COALESCE(${geoJsonIn(geom, crs)}, 'null')
    || ',"properties":' || CAST(json_build_object(${sql.join(pairs)}) AS text) || '}' AS feature`;
}

async function* featureTexts(
  db: Kysely<Database>,
  layer: DownloadLayer,
  territory: string | undefined,
  crs: CrsDefinition,
  pages: PageOptions,
): AsyncGenerator<string[]> {
  const columns = featureTextColumn(downloadCollection(layer), crs);
  for await (const rows of downloadPages<{ feature: string }>(db, layer, columns, territory, pages))
    yield rows.map((row) => row.feature);
}

export function geoJsonChunks(
  db: Kysely<Database>,
  layer: DownloadLayer,
  territory?: string,
  crs: CrsDefinition = crs84,
  pages: PageOptions = {},
): AsyncGenerator<string> {
  return featureCollectionChunks(featureTexts(db, layer, territory, crs, pages), legacyCrsMember(crs));
}
