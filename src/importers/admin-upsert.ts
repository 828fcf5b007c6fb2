// Idempotent upserts of administrative units (EPCI, communes, départements, régions) and of
// parcels: one statement per batch, the batch as one JSON parameter, geometry as GeoJSON text
// with its SRID, reprojected with ST_Transform and made valid. Unchanged rows are not
// rewritten and are counted as such (RETURNING only reports inserted or updated rows).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { UpsertCounts } from './cnig-upsert.js';

export interface GeometryInput {
  geom_json: string | null;
  srid: number;
}

const geometryOf = sql`CASE WHEN x.geom_json IS NULL THEN NULL ELSE
  ST_Multi(ST_CollectionExtract(
    ST_MakeValid(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(x.geom_json), x.srid), 4326)),
  3)) END`;

interface UpsertSpec {
  table: 'epci' | 'communes' | 'departments' | 'regions' | 'parcels';
  key: string;
  /** Column name → SQL type of the record fields (besides geom_json and srid). */
  columns: Record<string, string>;
  /** Columns updated on conflict (the geometry always is). */
  updated: string[];
  /** Extra column on insert only, e.g. a derived department. */
  insertOnly?: Record<string, RawBuilder<unknown>>;
}

async function upsert(db: Kysely<Database>, spec: UpsertSpec, payload: readonly object[]): Promise<UpsertCounts> {
  if (payload.length === 0) return { created: 0, updated: 0, unchanged: 0 };
  const target = sql.table(spec.table);
  const record = sql.join(
    [...Object.entries(spec.columns), ['geom_json', 'text'], ['srid', 'integer']].map(
      ([name, type]) => sql`${sql.id(name!)} ${sql.raw(type!)}`,
    ),
  );
  const names = Object.keys(spec.columns);
  const extra = Object.entries(spec.insertOnly ?? {});
  const compared = [...spec.updated];
  const assignments = [
    ...compared.map((c) => sql`${sql.id(c)} = EXCLUDED.${sql.id(c)}`),
    sql`geom = coalesce(EXCLUDED.geom, ${target}.geom)`,
  ];
  const current = sql.join(compared.map((c) => sql`${target}.${sql.id(c)}`));
  const incoming = sql.join(compared.map((c) => sql`EXCLUDED.${sql.id(c)}`));
  const result = await sql<{ inserted: boolean }>`
    INSERT INTO ${target} (${sql.join([...names, ...extra.map(([n]) => n), 'geom'].map((n) => sql.id(n)))})
    SELECT ${sql.join([...names.map((n) => sql`x.${sql.id(n)}`), ...extra.map(([, e]) => e), geometryOf])}
    FROM json_to_recordset(CAST(${JSON.stringify(payload)} AS json)) AS x(${record})
    ON CONFLICT (${sql.id(spec.key)}) DO UPDATE SET
      ${sql.join(assignments)}
    WHERE (${current}) IS DISTINCT FROM (${incoming})
       OR (EXCLUDED.geom IS NOT NULL
           AND (${target}.geom IS NULL OR NOT ST_OrderingEquals(${target}.geom, EXCLUDED.geom)))
    RETURNING (xmax = 0) AS inserted`.execute(db);
  const created = result.rows.filter((r) => r.inserted).length;
  return { created, updated: result.rows.length - created, unchanged: payload.length - result.rows.length };
}

/** The upsert of one kind of unit, typed by its record (besides the geometry). */
function upserter<Row extends object>(spec: UpsertSpec) {
  return (db: Kysely<Database>, rows: (Row & GeometryInput)[]) => upsert(db, spec, rows);
}

export type EpciNature = 'CA' | 'CC' | 'CU' | 'METRO' | 'EPT' | 'COM';

export const upsertEpci = upserter<{ siren: string; name: string; nature: EpciNature }>({
  table: 'epci',
  key: 'siren',
  columns: { siren: 'text', name: 'text', nature: 'text' },
  updated: ['name', 'nature'],
});

/** Communes keep their EPCI (set by the epcicom import) when their boundary is reloaded. */
export const upsertCommunes = upserter<{ insee: string; name: string; department: string }>({
  table: 'communes',
  key: 'insee',
  columns: { insee: 'text', name: 'text', department: 'text' },
  updated: ['name', 'department'],
});

export const upsertDepartments = upserter<{ code: string; name: string; region_code: string | null }>({
  table: 'departments',
  key: 'code',
  columns: { code: 'text', name: 'text', region_code: 'text' },
  updated: ['name', 'region_code'],
});

export const upsertRegions = upserter<{ code: string; name: string }>({
  table: 'regions',
  key: 'code',
  columns: { code: 'text', name: 'text' },
  updated: ['name'],
});

export const upsertParcels = upserter<{
  id: string;
  commune_insee: string;
  prefix: string;
  section: string;
  number: string;
  registered_area_m2: number | null;
  created_on: string | null;
  updated_on: string | null;
}>({
  table: 'parcels',
  key: 'id',
  columns: {
    id: 'text',
    commune_insee: 'text',
    prefix: 'text',
    section: 'text',
    number: 'text',
    registered_area_m2: 'integer',
    created_on: 'date',
    updated_on: 'date',
  },
  updated: ['commune_insee', 'prefix', 'section', 'number', 'registered_area_m2', 'created_on', 'updated_on'],
});

/** Rows written in batches through one upsert, with what the batches did added up for the report. */
export class UpsertBatches<Row> {
  private rows: Row[] = [];
  private readonly totals = { accepted: 0, inserted: 0, updated: 0, unchanged: 0 };

  constructor(
    private readonly write: (db: Kysely<Database>, rows: Row[]) => Promise<UpsertCounts>,
    private readonly size: number,
  ) {}

  async push(db: Kysely<Database>, row: Row): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= this.size) await this.flush(db);
  }

  async flush(db: Kysely<Database>): Promise<void> {
    if (this.rows.length === 0) return;
    const counts = await this.write(db, this.rows);
    this.totals.accepted += this.rows.length;
    this.totals.inserted += counts.created;
    this.totals.updated += counts.updated;
    this.totals.unchanged += counts.unchanged;
    this.rows = [];
  }

  /** The counts an import report finishes with. */
  get counts() {
    return { ...this.totals };
  }
}

/** The union of parcels by id (CNIG terr_refcad), and the ids not found. */
export async function parcelsUnion(
  db: Kysely<Database>,
  ids: string[],
): Promise<{ geojson: string | null; missing: string[] }> {
  const found = await db
    .selectFrom('parcels')
    .select('id')
    .where('id', 'in', ids.length ? ids : [''])
    .execute();
  const known = new Set(found.map((p) => p.id));
  const missing = ids.filter((id) => !known.has(id));
  if (known.size === 0) return { geojson: null, missing };
  const { rows } = await sql<{ g: string }>`
    SELECT ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3))) AS g
    FROM parcels
    WHERE id = ANY(${[...known]})`.execute(db);
  return { geojson: rows[0]?.g ?? null, missing };
}
