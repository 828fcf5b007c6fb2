// CNIG "Sites économiques" CSV exports (site-eco, terrain-eco): the standard's columns in the
// standard's order, ';'-separated, 'oui'/'non' booleans, geometry as GeoJSON text (CRS84,
// 6 decimals). Rows are read in keyset pages and written as they come, so a national export
// holds one page in memory. A natural person's name (terr_acquereur) is never exported.
import { stringify } from 'csv-stringify/sync';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { GEOJSON_DECIMALS } from '../db/postgis.js';
import { cnigBoolean, refcadSeparator, siteEcoFields, terrainEcoFields, type CnigClass, type CnigField } from '../cnig/fields.js';

export const csvDelimiter = ';';
const pageSize = 1000;

type Row = Record<string, unknown>;

const snake = (name: string) => name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

function formatValue(field: CnigField<string>, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (field.kind) {
    case 'boolean':
      return cnigBoolean(value as boolean);
    case 'refs':
      return (value as string[]).join(refcadSeparator);
    default:
      return String(value);
  }
}

/** Selects one CNIG row per site or plot, keyed by the CNIG field names. */
function pageQuery(db: Kysely<Database>, kind: CnigClass, territory: string | undefined, after: string | undefined, limit: number) {
  const fields = (kind === 'site-eco' ? siteEcoFields : terrainEcoFields) as CnigField<string>[];
  const alias = kind === 'site-eco' ? 's' : 'p';
  const columns: RawBuilder<unknown>[] = [];
  for (const field of fields) {
    const name = sql.id(field.name);
    if (field.kind === 'geometry') columns.push(sql`ST_AsGeoJSON(${sql.ref(`${alias}.geom`)}, ${sql.lit(GEOJSON_DECIMALS)}) AS ${name}`);
    else if (field.column) columns.push(sql`${sql.ref(`${alias}.${snake(field.column)}`)} AS ${name}`);
  }
  if (kind === 'site-eco') {
    columns.push(sql`e.name AS site_epci_nom`, sql`c.name AS site_comm_nom`);
    columns.push(sql`round(ST_X(ST_PointOnSurface(s.geom))::numeric, 6) || ', ' || round(ST_Y(ST_PointOnSurface(s.geom))::numeric, 6) AS site_geompoint`);
    return sql<Row>`SELECT ${sql.join(columns)}, s.cnig_id AS cursor
      FROM sites s JOIN epci e ON e.siren = s.epci_siren JOIN communes c ON c.insee = s.commune_insee
      WHERE s.deleted_at IS NULL
        ${territory ? sql`AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territory})` : sql``}
        ${after !== undefined ? sql`AND s.cnig_id > ${after}` : sql``}
      ORDER BY s.cnig_id LIMIT ${limit}`.execute(db);
  }
  columns.push(sql`s.cnig_id AS site_id`, sql`p.buyer_is_natural_person AS buyer_is_natural_person`);
  return sql<Row>`SELECT ${sql.join(columns)}, p.cnig_id AS cursor
    FROM plots p JOIN sites s ON s.id = p.site_id
    WHERE p.deleted_at IS NULL
      ${territory ? sql`AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territory})` : sql``}
      ${after !== undefined ? sql`AND p.cnig_id > ${after}` : sql``}
    ORDER BY p.cnig_id LIMIT ${limit}`.execute(db);
}

export function cnigHeader(kind: CnigClass): string[] {
  return (kind === 'site-eco' ? siteEcoFields : terrainEcoFields).map((field) => field.name);
}

/** The CSV as chunks of text: header first, then one chunk per page of rows. */
export async function* cnigCsvChunks(db: Kysely<Database>, kind: CnigClass, territory?: string): AsyncGenerator<string> {
  const fields = (kind === 'site-eco' ? siteEcoFields : terrainEcoFields) as CnigField<string>[];
  yield stringify([cnigHeader(kind)], { delimiter: csvDelimiter });
  let after: string | undefined;
  for (;;) {
    const { rows } = await pageQuery(db, kind, territory, after, pageSize);
    if (rows.length === 0) return;
    // The driver's CamelCasePlugin maps result keys; read them back under the same mapping.
    const read = (row: Row, name: string) => row[name] ?? row[name.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase())];
    const records = rows.map((row) =>
      fields.map((field) => {
        if (field.name === 'terr_acquereur' && read(row, 'buyer_is_natural_person') === true) return '';
        return formatValue(field, read(row, field.name));
      }),
    );
    yield stringify(records, { delimiter: csvDelimiter });
    after = String(read(rows[rows.length - 1]!, 'cursor'));
    if (rows.length < pageSize) return;
  }
}
