// CNIG "Sites économiques" CSV downloads (site-eco, terrain-eco): the standard's columns in
// its order, as cnig/write.ts writes them. Rows are read in keyset pages (cnigPages, which the
// CNIG GeoJSON download reads too) and written as they come, so a national export holds one
// page in memory.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CnigClass } from '../cnig/fields.js';
import { cnigCsvHeader, cnigCsvLines, cnigSelect, type CnigSelectedRow } from '../cnig/write.js';
import { crs84, type CrsDefinition } from '../ogc/crs.js';

// test/bench/import.ts writes its CNIG files with this header.
export { cnigHeader } from '../cnig/write.js';

const pageSize = 1000;

/** The live sites or plots (of a territory) as CNIG rows, in CNIG id order, one page at a time. */
export async function* cnigPages(
  db: Kysely<Database>,
  kind: CnigClass,
  output: 'csv' | 'geojson',
  territory?: string,
  crs: CrsDefinition = crs84,
  extensions = false,
): AsyncGenerator<CnigSelectedRow[]> {
  const inTerritory = territory
    ? sql`AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territory})`
    : sql``;
  let after: string | undefined;
  for (;;) {
    const next =
      after !== undefined ? sql`AND ${sql.ref(kind === 'site-eco' ? 's.cnig_id' : 'p.cnig_id')} > ${after}` : sql``;
    const { rows } =
      kind === 'site-eco'
        ? await sql<
            CnigSelectedRow & { cursor: string }
          >`SELECT ${cnigSelect(kind, output, crs, extensions)}, s.cnig_id AS cursor
            FROM sites s JOIN epci e ON e.siren = s.epci_siren JOIN communes c ON c.insee = s.commune_insee
            WHERE s.deleted_at IS NULL ${inTerritory} ${next}
            ORDER BY s.cnig_id LIMIT ${pageSize}`.execute(db)
        : await sql<
            CnigSelectedRow & { cursor: string }
          >`SELECT ${cnigSelect(kind, output, crs, extensions)}, p.cnig_id AS cursor
            FROM plots p JOIN sites s ON s.id = p.site_id
            WHERE p.deleted_at IS NULL ${inTerritory} ${next}
            ORDER BY p.cnig_id LIMIT ${pageSize}`.execute(db);
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.cursor;
  }
}

/** The CSV as chunks of text: header first, then one chunk per page of rows. The geometries
 *  (site_geomsurf, site_geompoint, terr_geomsurf) in `crs`, CRS84 or the standard's Lambert-93;
 *  with `extensions`, Foncier's extension columns after the standard's. */
export async function* cnigCsvChunks(
  db: Kysely<Database>,
  kind: CnigClass,
  territory?: string,
  crs: CrsDefinition = crs84,
  extensions = false,
): AsyncGenerator<string> {
  yield cnigCsvHeader(kind, extensions);
  for await (const rows of cnigPages(db, kind, 'csv', territory, crs, extensions))
    yield cnigCsvLines(kind, rows, extensions);
}
