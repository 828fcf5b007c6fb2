// GeoJSON downloads for desktop GIS: a FeatureCollection of a territory's (or the nation's)
// sites or plots, written as it is read in keyset pages (featurePages, which the FlatGeobuf
// download reads too). The properties are the OGC collection's whitelist
// (ogc/collections.ts), so no personal data can leave here either. CRS84 unless `crs` asks
// for a projected CRS (ogc/crs.ts), which the FeatureCollection then names in its `crs` member.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { feature, featureCollectionChunks } from '../http/features.js';
import { findCollection, type CollectionDefinition } from '../ogc/collections.js';
import { crs84, legacyCrsMember, type CrsDefinition } from '../ogc/crs.js';
import { featureColumns, type FeatureRow } from '../ogc/repository.js';

export type DownloadLayer = 'sites' | 'plots';
const defaultPageSize = 1000;

export function downloadCollection(layer: DownloadLayer): CollectionDefinition {
  return findCollection(layer)!;
}

/** The layer's live features in id order, one keyset page at a time (one page in memory). */
export async function* featurePages(
  db: Kysely<Database>,
  layer: DownloadLayer,
  territory?: string,
  pageSize = defaultPageSize,
  crs: CrsDefinition = crs84,
): AsyncGenerator<FeatureRow[]> {
  const collection = downloadCollection(layer);
  const inTerritory = territory
    ? layer === 'sites'
      ? sql`AND epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territory})`
      : sql`AND site_id IN (SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren WHERE te.territory_id = ${territory})`
    : sql``;
  let after: string | undefined;
  for (;;) {
    const { rows } = await sql<FeatureRow>`SELECT ${featureColumns(collection, crs)} FROM ${sql.table(collection.table)}
      WHERE deleted_at IS NULL ${inTerritory} ${after !== undefined ? sql`AND id > ${after}` : sql``}
      ORDER BY id LIMIT ${pageSize}`.execute(db);
    if (rows.length > 0) {
      yield rows;
      after = rows[rows.length - 1]!.id;
    }
    if (rows.length < pageSize) return;
  }
}

async function* featureTexts(
  db: Kysely<Database>,
  layer: DownloadLayer,
  territory: string | undefined,
  crs: CrsDefinition,
): AsyncGenerator<string[]> {
  for await (const rows of featurePages(db, layer, territory, defaultPageSize, crs))
    yield rows.map((row) => JSON.stringify(feature(row)));
}

export function geoJsonChunks(
  db: Kysely<Database>,
  layer: DownloadLayer,
  territory?: string,
  crs: CrsDefinition = crs84,
): AsyncGenerator<string> {
  return featureCollectionChunks(featureTexts(db, layer, territory, crs), legacyCrsMember(crs));
}
