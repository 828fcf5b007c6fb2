// Idempotent upserts of CNIG site-eco / terrain-eco rows, one statement per batch: the batch
// travels as ONE JSON parameter (json_to_recordset), geometry as GeoJSON text with its SRID
// and is reprojected by ST_Transform. A row whose every column (and geometry, to 6 decimals:
// what an export writes) already matches is left alone and counted unchanged, so re-importing
// an export changes nothing.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { GEOJSON_DECIMALS } from '../db/postgis.js';
import { siteEcoFields, terrainEcoFields, type CnigField, type CnigValueKind } from '../cnig/fields.js';

export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface PreparedRow {
  values: Record<string, unknown>;
  geometry: { geojson: string; srid: number };
}

const snake = (name: string) => name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

const sqlTypes: Record<CnigValueKind, string> = {
  text: 'text',
  number: 'double precision',
  integer: 'integer',
  year: 'integer',
  date: 'date',
  boolean: 'boolean',
  refs: 'text[]',
  geometry: 'text',
  point: 'text',
};

function mappedColumns(fields: CnigField<string>[]) {
  return fields.filter((f) => f.column && f.kind !== 'geometry').map((f) => ({ column: snake(f.column!), type: sqlTypes[f.kind] }));
}

/**
 * The reprojected MultiPolygon of an input row's GeoJSON text. Rows reach here after
 * checkGeometryRows (valid polygons only), so no ST_MakeValid: it is the costliest step.
 */
const inputGeometry = sql`ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(x.geom_json), x.srid), 4326))`;

async function upsert(
  db: Kysely<Database>,
  table: 'sites' | 'plots',
  columns: { column: string; type: string }[],
  payload: Record<string, unknown>[],
  extraInsert: { column: string; expression: RawBuilder<unknown> }[],
  assignments: Map<string, RawBuilder<unknown>>,
): Promise<UpsertCounts> {
  if (payload.length === 0) return { created: 0, updated: 0, unchanged: 0 };
  const target = sql.table(table);
  const recordType = sql.join([...columns, { column: 'id', type: 'uuid' }, { column: 'geom_json', type: 'text' }, { column: 'srid', type: 'integer' }].map((c) => sql`${sql.id(c.column)} ${sql.raw(c.type)}`));
  const insertColumns = [...columns.map((c) => c.column), 'id', 'geom', ...extraInsert.map((e) => e.column)];
  const selectList = [...columns.map((c) => sql`x.${sql.id(c.column)}`), sql`x.id`, sql`g.geom`, ...extraInsert.map((e) => e.expression)];
  // What each column becomes on update; by default the incoming value.
  const newValue = (column: string) => assignments.get(column) ?? sql`EXCLUDED.${sql.id(column)}`;
  const compared = columns.map((c) => c.column).filter((c) => c !== 'cnig_id');
  const result = await sql<{ inserted: boolean }>`
    INSERT INTO ${target} (${sql.join(insertColumns.map((c) => sql.id(c)))})
    SELECT ${sql.join(selectList)} FROM json_to_recordset(CAST(${JSON.stringify(payload)} AS json)) AS x(${recordType})
      -- OFFSET 0 keeps the planner from inlining this: the geometry is parsed once per row.
      CROSS JOIN LATERAL (SELECT ${inputGeometry} AS geom OFFSET 0) AS g
    ON CONFLICT (cnig_id) DO UPDATE SET
      ${sql.join([...compared.map((c) => sql`${sql.id(c)} = ${newValue(c)}`), sql`geom = EXCLUDED.geom`, ...extraInsert.map((e) => sql`${sql.id(e.column)} = EXCLUDED.${sql.id(e.column)}`)])},
      version = ${target}.version + 1,
      updated_at = now()
    WHERE (${sql.join(compared.map((c) => sql`${target}.${sql.id(c)}`))}) IS DISTINCT FROM (${sql.join(compared.map((c) => newValue(c)))})
       OR ST_AsGeoJSON(${target}.geom, ${sql.lit(GEOJSON_DECIMALS)}) IS DISTINCT FROM ST_AsGeoJSON(EXCLUDED.geom, ${sql.lit(GEOJSON_DECIMALS)})
    RETURNING (xmax = 0) AS inserted`.execute(db);
  const created = result.rows.filter((r) => r.inserted).length;
  return { created, updated: result.rows.length - created, unchanged: payload.length - result.rows.length };
}

function payloadOf<R extends PreparedRow>(rows: R[], columns: { column: string }[], extra: (row: R) => Record<string, unknown> = () => ({})) {
  return rows.map((row) => ({
    ...Object.fromEntries(columns.map(({ column }) => [column, row.values[column.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase())] ?? null])),
    id: randomUUID(),
    geom_json: row.geometry.geojson,
    srid: row.geometry.srid,
    ...extra(row),
  }));
}

export async function upsertSites(db: Kysely<Database>, rows: PreparedRow[]): Promise<UpsertCounts> {
  const columns = mappedColumns(siteEcoFields as CnigField<string>[]);
  return upsert(db, 'sites', columns, payloadOf(rows, columns), [], new Map());
}

/** Plots: `siteId` must already be resolved (sites.id); the commune is the one under the plot. */
export async function upsertPlots(db: Kysely<Database>, rows: (PreparedRow & { siteId: string })[]): Promise<UpsertCounts> {
  const columns = [...mappedColumns(terrainEcoFields as CnigField<string>[]), { column: 'site_id', type: 'uuid' }];
  const payload = payloadOf(rows, columns, (row) => ({ site_id: row.siteId }));
  const commune = sql`(SELECT c.insee FROM communes c WHERE ST_Intersects(c.geom, ST_PointOnSurface(g.geom)) LIMIT 1)`;
  // An export leaves terr_acquereur empty when the buyer is a natural person; an empty value
  // must then not erase the name we hold.
  const buyer = sql`CASE WHEN EXCLUDED.buyer_name IS NULL AND plots.buyer_is_natural_person THEN plots.buyer_name ELSE EXCLUDED.buyer_name END`;
  return upsert(db, 'plots', columns, payload, [{ column: 'commune_insee', expression: commune }], new Map([['buyer_name', buyer]]));
}
