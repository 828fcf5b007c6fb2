// Set-based writing of CNIG site-eco / terrain-eco rows: ONE statement per batch. The batch
// travels as one JSON parameter (json_to_recordset); the statement parses each geometry once,
// resolves the references (the EPCI and commune a site names, the site a plot names) with
// joins, checks the geometry (kind, OGC validity, inside France), finds the commune under each
// plot, upserts the rows that pass on the CNIG id and returns the rejected rows with their
// reasons. A row whose every column (and geometry, to 6 decimals: what an export writes)
// already matches is left alone and counted unchanged, so re-importing an export changes
// nothing. (As separate statements per batch, with the geometry parsed twice, the import ran
// 2.6× slower than raw inserts; see test/bench/import.ts.)
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { snakeCase, type Database } from '../db/schema.js';
import { timeOrderedId } from '../db/ids.js';
import { GEOJSON_DECIMALS } from '../db/postgis.js';
import { franceEnvelopes } from '../geometry/input.js';
import {
  cnigExtensions,
  siteEcoFields,
  terrainEcoFields,
  type CnigClass,
  type CnigField,
  type CnigValueKind,
} from '../cnig/fields.js';

export interface UpsertCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface BatchRow {
  row: number;
  values: Record<string, unknown>;
  geometry: { geojson: string; srid: number };
  /** The site's CNIG id, for a terrain-eco row. */
  siteCnigId?: string;
}

export interface BatchRejection {
  row: number;
  column: string;
  reason: string;
  value: string | null;
}

export interface BatchResult extends UpsertCounts {
  accepted: number;
  rejected: BatchRejection[];
}

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

interface Column {
  /** The SQL column. */
  column: string;
  type: string;
}

/** A column copied from the file; `key` names its value in a row read by cnig/read.ts. */
interface FileColumn extends Column {
  key: string;
  /**
   * An extension column (cnig/fields.ts), which a file may lack: the payload says whether the
   * row had it (`has_<column>`), and a row without it keeps the stored value.
   */
  optional?: true;
}

function mappedColumns(kind: CnigClass, fields: CnigField<string>[]): FileColumn[] {
  return [
    ...fields
      .filter((f) => f.column && f.kind !== 'geometry')
      .map((f) => ({ column: snakeCase(f.column!), key: f.column!, type: sqlTypes[f.kind] })),
    ...cnigExtensions(kind).map((e) => ({
      column: snakeCase(e.column),
      key: e.column,
      type: sqlTypes[e.kind],
      optional: true as const,
    })),
  ];
}

const presence = (column: string) => `has_${column}`;

/** A reference that must exist: the row is rejected on `column` when `failed` holds. */
interface ReferenceCheck {
  failed: RawBuilder<unknown>;
  column: string;
  reason: string;
  value: RawBuilder<unknown>;
}

/** How one CNIG class maps onto its table. `c` is the checked row in every expression. */
interface ClassSpec {
  table: 'sites' | 'plots';
  geometryField: string;
  /** Columns copied from the file. */
  columns: FileColumn[];
  /** Payload fields used only to resolve references. */
  lookups: Column[];
  joins: RawBuilder<unknown>;
  /** What the joins yield, as a select list. */
  found: RawBuilder<unknown>;
  /** Columns of `found` that are written (and compared like file columns). */
  resolved: string[];
  checks: ReferenceCheck[];
  /** Columns derived from the stored geometry: written, never compared. */
  derived: { column: string; expression: RawBuilder<unknown> }[];
  /** What a column becomes on update, when not simply the incoming value. */
  assignments: Map<string, RawBuilder<unknown>>;
  payload: (row: BatchRow) => Record<string, unknown>;
}

const siteColumns = mappedColumns('site-eco', siteEcoFields as CnigField<string>[]);
const plotColumns = mappedColumns('terrain-eco', terrainEcoFields as CnigField<string>[]);

const specs: Record<CnigClass, ClassSpec> = {
  'site-eco': {
    table: 'sites',
    geometryField: 'site_geomsurf',
    columns: siteColumns,
    lookups: [],
    joins: sql`LEFT JOIN epci e ON e.siren = i.epci_siren LEFT JOIN communes m ON m.insee = i.commune_insee`,
    found: sql`e.siren AS epci_found, m.insee AS commune_found`,
    resolved: [],
    checks: [
      {
        failed: sql`c.epci_found IS NULL`,
        column: 'site_epci_siren',
        reason: 'no such EPCI (import the EPCI boundaries first)',
        value: sql`c.epci_siren`,
      },
      {
        failed: sql`c.commune_found IS NULL`,
        column: 'site_comm_insee',
        reason: 'no such commune (a commune merged since? import the communes first)',
        value: sql`c.commune_insee`,
      },
    ],
    derived: [],
    assignments: new Map(),
    payload: () => ({}),
  },
  'terrain-eco': {
    table: 'plots',
    geometryField: 'terr_geomsurf',
    columns: plotColumns,
    lookups: [{ column: 'site_cnig_id', type: 'text' }],
    joins: sql`LEFT JOIN sites s ON s.cnig_id = i.site_cnig_id`,
    found: sql`s.id AS site_id`,
    resolved: ['site_id'],
    checks: [
      {
        failed: sql`c.site_id IS NULL`,
        column: 'site_id',
        reason: 'no such site (import site-eco first)',
        value: sql`c.site_cnig_id`,
      },
    ],
    // The commune under the plot; LIMIT 1 for a point on a boundary.
    // (The point is computed once: inline, it would be computed for the index and the filter.)
    derived: [
      {
        column: 'commune_insee',
        expression: sql`(
          SELECT m.insee
          FROM (SELECT ST_PointOnSurface(c.geom) AS point OFFSET 0) AS p
          JOIN communes m ON ST_Intersects(m.geom, p.point)
          LIMIT 1)`,
      },
    ],
    // An export leaves terr_acquereur empty when the buyer is a natural person; an empty value
    // must then not erase the name we hold.
    assignments: new Map([
      [
        'buyer_name',
        sql`CASE WHEN EXCLUDED.buyer_name IS NULL AND plots.buyer_is_natural_person
                 THEN plots.buyer_name
                 ELSE EXCLUDED.buyer_name END`,
      ],
    ]),
    payload: (row) => ({ site_cnig_id: row.siteCnigId ?? null }),
  },
};

/**
 * The checks of an editor's import: the row and, when it updates a stored one, the stored row
 * must lie in one of the key's territories (through the EPCI of the site), so that a file can
 * neither create outside the scope nor move a site or plot in from outside.
 */
function scopeChecks(kind: CnigClass, territories: string[]): ReferenceCheck[] {
  const list = sql`CAST(${territories} AS text[])`;
  const inScope = (epci: RawBuilder<unknown>) =>
    sql`EXISTS (SELECT 1 FROM territory_epci te WHERE te.epci_siren = ${epci} AND te.territory_id = ANY(${list}))`;
  const reason = `outside this key's territories (${territories.join(', ')})`;
  if (kind === 'site-eco')
    return [
      {
        failed: sql`c.epci_found IS NOT NULL AND NOT ${inScope(sql`c.epci_siren`)}`,
        column: 'site_epci_siren',
        reason: `EPCI ${reason}`,
        value: sql`c.epci_siren`,
      },
      {
        // Said once: a row outside already is.
        failed: sql`${inScope(sql`c.epci_siren`)} AND EXISTS (
          SELECT 1 FROM sites x WHERE x.cnig_id = c.cnig_id AND NOT ${inScope(sql`x.epci_siren`)})`,
        column: 'site_id',
        reason: `the stored site is ${reason}`,
        value: sql`c.cnig_id`,
      },
    ];
  const siteInScope = sql`EXISTS (SELECT 1 FROM sites x WHERE x.id = c.site_id AND ${inScope(sql`x.epci_siren`)})`;
  return [
    {
      failed: sql`c.site_id IS NOT NULL AND NOT ${siteInScope}`,
      column: 'site_id',
      reason: `the site is ${reason}`,
      value: sql`c.site_cnig_id`,
    },
    {
      failed: sql`${siteInScope} AND EXISTS (
        SELECT 1
        FROM plots y JOIN sites x ON x.id = y.site_id
        WHERE y.cnig_id = c.cnig_id AND NOT ${inScope(sql`x.epci_siren`)})`,
      column: 'terr_id',
      reason: `the stored plot is ${reason}`,
      value: sql`c.cnig_id`,
    },
  ];
}

/** The bounding box of the stored (4326) geometry inside one of France's envelopes. */
const inFranceSql = sql.join(
  Object.values(franceEnvelopes).map(([a, b, c, d]) => sql`g.geom @ ST_MakeEnvelope(${a}, ${b}, ${c}, ${d}, 4326)`),
  sql` OR `,
);

/**
 * A batch on its way to the database: its rows and, built as they are added, their JSON
 * records. The records are built while the database still writes the previous batch
 * (cnig-sites-economiques.ts), so that the statement goes out as soon as the database is free.
 */
export class CnigBatch {
  readonly rows: BatchRow[] = [];
  private readonly records: string[] = [];

  /** `scope`: an editor's territories; rows outside them are rejected (scopeChecks). */
  constructor(
    readonly kind: CnigClass,
    readonly scope?: string[],
  ) {}

  add(row: BatchRow): void {
    const spec = specs[this.kind];
    const record: Record<string, unknown> = { ...spec.payload(row) };
    // Absent keys read as NULL: leaving the empty fields out keeps the batch small.
    for (const { column, key, optional } of spec.columns) {
      const value = row.values[key];
      if (value !== null && value !== undefined) record[column] = value;
      if (optional && key in row.values) record[presence(column)] = true;
    }
    record.id = timeOrderedId();
    record.input_row = row.row;
    record.srid = row.geometry.srid;
    record.geom_json = row.geometry.geojson;
    this.rows.push(row);
    this.records.push(JSON.stringify(record));
  }

  get payload(): string {
    return `[${this.records.join(',')}]`;
  }
}

function statement(batch: CnigBatch): RawBuilder<{
  inputRow: number | null;
  columnName: string | null;
  reason: string | null;
  value: string | null;
  created: number | null;
  written: number | null;
}> {
  const spec = specs[batch.kind];
  const checks = [...spec.checks, ...(batch.scope ? scopeChecks(batch.kind, batch.scope) : [])];
  const target = sql.table(spec.table);
  const recordType = sql.join(
    [
      ...spec.columns,
      ...spec.lookups,
      ...spec.columns.filter((c) => c.optional).map((c) => ({ column: presence(c.column), type: 'boolean' })),
      { column: 'id', type: 'uuid' },
      { column: 'input_row', type: 'integer' },
      { column: 'geom_json', type: 'text' },
      { column: 'srid', type: 'integer' },
    ].map((c) => sql`${sql.id(c.column)} ${sql.raw(c.type)}`),
  );
  const referencesOk = checks.length
    ? sql.join(
        checks.map((check) => sql`NOT (${check.failed})`),
        sql` AND `,
      )
    : sql`true`;
  const rejections = [
    ...checks.map((check) => sql`(${check.failed}, ${check.column}, ${check.reason}, CAST(${check.value} AS text))`),
    sql`(${referencesOk} AND c.geometry_problem IS NOT NULL, ${spec.geometryField},
         c.geometry_problem, CAST(NULL AS text))`,
  ];
  const written = [...spec.columns.map((c) => c.column), ...spec.resolved];
  const insertColumns = [...written, 'id', 'geom', ...spec.derived.map((d) => d.column)];
  const newValue = (column: string) => spec.assignments.get(column) ?? sql`EXCLUDED.${sql.id(column)}`;
  const compared = written.filter((c) => c !== 'cnig_id');
  const optional = new Set(spec.columns.filter((c) => c.optional).map((c) => c.column));
  // An extension column the row lacks: the stored value (by the unique CNIG id), or NULL for a new row.
  const incoming = (column: string) =>
    optional.has(column)
      ? sql`CASE WHEN c.${sql.id(presence(column))} IS TRUE
                 THEN c.${sql.id(column)}
                 ELSE (SELECT t.${sql.id(column)} FROM ${target} t WHERE t.cnig_id = c.cnig_id) END`
      : sql`c.${sql.id(column)}`;
  return sql`
    WITH i AS MATERIALIZED (
      SELECT x.*, ST_SetSRID(ST_GeomFromGeoJSON(x.geom_json), x.srid) AS source_geom
      FROM json_to_recordset(CAST(${batch.payload} AS json)) AS x(${recordType})
    ),
    g AS MATERIALIZED (
      SELECT i.*, ST_Multi(ST_Transform(i.source_geom, 4326)) AS geom,
             upper(GeometryType(i.source_geom)) AS geometry_type, ST_IsValid(i.source_geom) AS valid,
             ${spec.found}
      FROM i ${spec.joins}
    ),
    c AS MATERIALIZED (
      SELECT g.*, CASE
          WHEN g.geometry_type NOT IN ('POLYGON', 'MULTIPOLYGON')
            THEN 'geometry type ' || g.geometry_type || '; expected POLYGON or MULTIPOLYGON'
          WHEN NOT g.valid THEN 'invalid geometry: ' || ST_IsValidReason(g.source_geom)
          WHEN NOT (${inFranceSql}) THEN 'geometry lies outside France (metropolitan and overseas)'
        END AS geometry_problem
      FROM g
    ),
    rejected AS (
      SELECT c.input_row, r.column_name, r.reason, r.value
      FROM c CROSS JOIN LATERAL (VALUES ${sql.join(rejections)}) AS r(failed, column_name, reason, value)
      WHERE r.failed
    ),
    written AS (
      INSERT INTO ${target} (${sql.join(insertColumns.map((c) => sql.id(c)))})
      SELECT ${sql.join([...written.map(incoming), sql`c.id`, sql`c.geom`, ...spec.derived.map((d) => d.expression)])}
      FROM c
      WHERE ${referencesOk} AND c.geometry_problem IS NULL
      -- Spatial order: neighbouring plots hit the same commune polygon, which PostGIS caches.
      ORDER BY c.geom
      ON CONFLICT (cnig_id) DO UPDATE SET
        ${sql.join([
          ...compared.map((c) => sql`${sql.id(c)} = ${newValue(c)}`),
          sql`geom = EXCLUDED.geom`,
          ...spec.derived.map((d) => sql`${sql.id(d.column)} = EXCLUDED.${sql.id(d.column)}`),
        ])},
        version = ${target}.version + 1,
        updated_at = now()
      WHERE (${sql.join(compared.map((c) => sql`${target}.${sql.id(c)}`))})
            IS DISTINCT FROM (${sql.join(compared.map((c) => newValue(c)))})
         OR ST_AsGeoJSON(${target}.geom, ${sql.lit(GEOJSON_DECIMALS)})
            IS DISTINCT FROM ST_AsGeoJSON(EXCLUDED.geom, ${sql.lit(GEOJSON_DECIMALS)})
      RETURNING (xmax = 0) AS inserted
    )
    SELECT input_row, column_name, reason, value, CAST(NULL AS integer) AS created, CAST(NULL AS integer) AS written
    FROM rejected
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, CAST(count(*) FILTER (WHERE inserted) AS integer), CAST(count(*) AS integer)
    FROM written`;
}

/** Parses one geometry alone, inside a savepoint: the error message, or undefined. */
async function unreadable(db: Kysely<Database>, row: BatchRow): Promise<string | undefined> {
  await sql`SAVEPOINT cnig_geometry`.execute(db);
  try {
    await sql`
      SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(${row.geometry.geojson}), ${row.geometry.srid}), 4326)`.execute(
      db,
    );
    await sql`RELEASE SAVEPOINT cnig_geometry`.execute(db);
    return undefined;
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT cnig_geometry`.execute(db);
    return (error as Error).message.split('\n')[0];
  }
}

async function run(db: Kysely<Database>, batch: CnigBatch): Promise<BatchResult> {
  // CamelCasePlugin: input_row comes back as inputRow.
  const result = await statement(batch).execute(db);
  const rejected: BatchRejection[] = [];
  let created = 0;
  let writtenRows = 0;
  for (const r of result.rows) {
    if (r.inputRow !== null)
      rejected.push({ row: r.inputRow, column: r.columnName!, reason: r.reason!, value: r.value });
    else {
      // The one row counting what was written: inserted (created) or changed.
      created = r.created!;
      writtenRows = r.written!;
    }
  }
  const accepted = batch.rows.length - new Set(rejected.map((r) => r.row)).size;
  return { accepted, created, updated: writtenRows - created, unchanged: accepted - writtenRows, rejected };
}

/**
 * Checks and upserts one batch (rows with distinct CNIG ids and a geometry). Runs inside the
 * import transaction: a geometry PostGIS cannot even parse fails the whole statement, so the
 * statement runs under a savepoint and, on failure, the unparsable rows are found one by one,
 * rejected, and the rest written.
 */
export async function writeCnigBatch(db: Kysely<Database>, batch: CnigBatch): Promise<BatchResult> {
  if (batch.rows.length === 0) return { accepted: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  await sql`SAVEPOINT cnig_batch`.execute(db);
  try {
    const result = await run(db, batch);
    await sql`RELEASE SAVEPOINT cnig_batch`.execute(db);
    return result;
  } catch {
    await sql`ROLLBACK TO SAVEPOINT cnig_batch`.execute(db);
  }
  const rejected: BatchRejection[] = [];
  const readable = new CnigBatch(batch.kind, batch.scope);
  for (const row of batch.rows) {
    const error = await unreadable(db, row);
    if (error)
      rejected.push({
        row: row.row,
        column: specs[batch.kind].geometryField,
        reason: `unreadable geometry: ${error}`,
        value: null,
      });
    else readable.add(row);
  }
  const result = readable.rows.length
    ? await run(db, readable)
    : { accepted: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  return { ...result, rejected: [...rejected, ...result.rejected] };
}
