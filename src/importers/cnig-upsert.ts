// Set-based writing of CNIG site-eco / terrain-eco rows (issue #18, target 4). Each batch a file
// brings is COPYed into a temporary landing table and, in one statement, moved into the staging
// table with its geometry parsed once, checked (kind, OGC validity, inside France) and the commune
// under each plot found: the database does this while the importer reads the next batch. Once
// the file is staged (both tables are dropped with the import's transaction): later rows repeating
// a CNIG id are taken out, and ONE statement resolves the references (the EPCI and commune a site
// names, the site a plot names) with joins, upserts the rows that pass on the CNIG id and returns
// the rejected rows with their reasons. A row whose every column (and geometry, to 6 decimals:
// what an export writes) already matches is left alone and counted unchanged, so re-importing an
// export changes nothing. See test/bench/import.ts for ogr2ogr on the same file.
import type { Geometry } from 'geojson';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { copyInto, copyText } from '../db/copy.js';
import { snakeCase, type Database } from '../db/schema.js';
import { timeOrderedId } from '../db/ids.js';
import { GEOJSON_DECIMALS } from '../db/postgis.js';
import { polygonalEwkbHex } from '../geometry/ewkb.js';
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
  /** The geometry as GeoJSON text ('' for none) and, when read, parsed (`value`). */
  geometry: { geojson: string; value?: Geometry; srid: number };
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
  /** The file columns `joins` reads. */
  joinedOn: string[];
  /** What the joins yield, as a select list. */
  found: RawBuilder<unknown>;
  /** Columns of `found` that are written (and compared like file columns). */
  resolved: string[];
  checks: ReferenceCheck[];
  /**
   * Columns derived from the stored (WGS 84) geometry `geom`: computed as each batch is staged
   * (checkLanded), written, never compared.
   */
  derived: { column: string; expression: (geom: RawBuilder<unknown>) => RawBuilder<unknown> }[];
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
    joinedOn: ['epci_siren', 'commune_insee'],
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
    joinedOn: [],
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
        expression: (geom) => sql`(
          SELECT m.insee
          FROM (SELECT ST_PointOnSurface(${geom}) AS point OFFSET 0) AS p
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

/** The bounding box of the stored (4326) geometry `geom` inside one of France's envelopes. */
const inFrance = (geom: RawBuilder<unknown>) =>
  sql.join(
    Object.values(franceEnvelopes).map(([a, b, c, d]) => sql`${geom} @ ST_MakeEnvelope(${a}, ${b}, ${c}, ${d}, 4326)`),
    sql` OR `,
  );

/**
 * The staging table, and the landing table each batch is COPYed into before its geometries are
 * checked into the staging table (checkLanded): temporary, private to the import's connection,
 * dropped at its end.
 */
export const STAGING = 'cnig_staging';
const LANDING = 'cnig_landing';

const derivedColumn = (column: string) => `derived_${column}`;

/**
 * What checkLanded adds to a landed row: its geometry in WGS 84 (multi), what is wrong with it,
 * why PostGIS could not read it at all, and the derived columns.
 */
function checkedColumns(kind: CnigClass): Column[] {
  return [
    { column: 'geom', type: 'geometry' },
    { column: 'geometry_problem', type: 'text' },
    { column: 'unreadable', type: 'text' },
    ...specs[kind].derived.map((d) => ({ column: derivedColumn(d.column), type: 'text' })),
  ];
}

/** The landing table's columns (the file's), in COPY order. */
function stagingColumns(kind: CnigClass): Column[] {
  const spec = specs[kind];
  return [
    ...spec.columns,
    ...spec.lookups,
    ...spec.columns.filter((c) => c.optional).map((c) => ({ column: presence(c.column), type: 'boolean' })),
    { column: 'id', type: 'uuid' },
    { column: 'input_row', type: 'integer' },
    // The geometry as EWKB (geometry/ewkb.ts) when it is plainly polygonal, else as GeoJSON text.
    { column: 'geom_ewkb', type: 'geometry' },
    { column: 'geom_json', type: 'text' },
    { column: 'srid', type: 'integer' },
  ];
}

/** Creates the (empty) landing and staging tables of one import, inside its transaction. */
export async function createStaging(db: Kysely<Database>, kind: CnigClass): Promise<void> {
  const definition = (columns: Column[]) => sql.join(columns.map((c) => sql`${sql.id(c.column)} ${sql.raw(c.type)}`));
  await sql`CREATE TEMPORARY TABLE ${sql.id(LANDING)} (${definition(stagingColumns(kind))}) ON COMMIT DROP`.execute(db);
  await sql`CREATE TEMPORARY TABLE ${sql.id(STAGING)} (${definition([
    ...stagingColumns(kind),
    ...checkedColumns(kind),
  ])}) ON COMMIT DROP`.execute(db);
}

/**
 * Rows on their way to the staging table, as COPY lines. The lines are built while the
 * database still copies the previous batch (cnig-sites-economiques.ts), so that the COPY goes
 * out as soon as the database is free. A row given by its parcels (no surface) is staged
 * without geometry, for stagedWithoutGeometry.
 */
export class StagedRows {
  readonly lines: string[] = [];

  constructor(readonly kind: CnigClass) {}

  add(row: BatchRow): void {
    const spec = specs[this.kind];
    const payload = spec.payload(row);
    const ewkb = row.geometry.value && polygonalEwkbHex(row.geometry.value, row.geometry.srid);
    const values: unknown[] = [
      ...spec.columns.map(({ key }) => row.values[key]),
      ...spec.lookups.map(({ column }) => payload[column]),
      // A missing presence flag reads as NULL: the stored value stays (statement()).
      ...spec.columns.filter((c) => c.optional).map(({ key }) => (key in row.values ? true : null)),
      timeOrderedId(),
      row.row,
      ewkb ?? null,
      // The text only when no EWKB was made of it; none for a row given by its parcels.
      ewkb || row.geometry.geojson === '' ? null : row.geometry.geojson,
      row.geometry.srid,
    ];
    this.lines.push(`${values.map(copyText).join('\t')}\n`);
  }

  get size(): number {
    return this.lines.length;
  }
}

/** COPYs `rows` into the landing table, then checks them into the staging table (checkLanded). */
export async function copyStaged(db: Kysely<Database>, rows: StagedRows): Promise<void> {
  await copyInto(
    db,
    LANDING,
    stagingColumns(rows.kind).map((c) => c.column),
    rows.lines,
  );
  rows.lines.length = 0;
  await checkLanded(db, rows.kind);
}

/**
 * The landed rows with their geometry checked (kind, OGC validity, inside France) and their
 * derived columns, into the staging table. The derived columns are computed in spatial order,
 * so that neighbouring plots look up the same commune polygon, which PostGIS caches; a row
 * whose geometry is wrong gets none (PostGIS may not compute them on an invalid geometry).
 */
function checkStatement(kind: CnigClass): RawBuilder<unknown> {
  const spec = specs[kind];
  const file = stagingColumns(kind).map((c) => sql.id(c.column));
  const types = sql.join(['POLYGON', 'MULTIPOLYGON'].map((t) => sql.lit(t)));
  return sql`
    INSERT INTO ${sql.table(STAGING)} (${sql.join([
      ...file,
      ...checkedColumns(kind)
        .filter((c) => c.column !== 'unreadable')
        .map((c) => sql.id(c.column)),
    ])})
    SELECT ${sql.join([
      // The GeoJSON is kept only when no geometry came out of it (none given: stagedWithoutGeometry).
      ...stagingColumns(kind).map((c) =>
        c.column === 'geom_json'
          ? sql`CASE WHEN k.geom IS NULL THEN k.geom_json END`
          : c.column === 'geom_ewkb'
            ? sql`NULL`
            : sql`k.${sql.id(c.column)}`,
      ),
      sql`k.geom`,
      sql`k.geometry_problem`,
      ...spec.derived.map((d) => sql`CASE WHEN k.geometry_problem IS NULL THEN ${d.expression(sql`k.geom`)} END`),
    ])}
    FROM (
      SELECT i.*, g.geom, CASE
          WHEN upper(GeometryType(p.source_geom)) NOT IN (${types})
            THEN 'geometry type ' || upper(GeometryType(p.source_geom)) || '; expected POLYGON or MULTIPOLYGON'
          WHEN NOT ST_IsValid(p.source_geom) THEN 'invalid geometry: ' || ST_IsValidReason(p.source_geom)
          WHEN NOT (${inFrance(sql`g.geom`)}) THEN 'geometry lies outside France (metropolitan and overseas)'
        END AS geometry_problem
      FROM ${sql.table(LANDING)} i
      -- Each geometry parsed and transformed once (OFFSET 0 keeps the planner from copying the calls).
      CROSS JOIN LATERAL (
        SELECT coalesce(i.geom_ewkb, ST_SetSRID(ST_GeomFromGeoJSON(i.geom_json), i.srid)) AS source_geom OFFSET 0
      ) AS p
      CROSS JOIN LATERAL (SELECT ST_Multi(ST_Transform(p.source_geom, 4326)) AS geom OFFSET 0) AS g
      ORDER BY g.geom
      OFFSET 0
    ) AS k`;
}

/**
 * Moves the landed rows, checked, into the staging table (checkStatement). It runs after each
 * batch's COPY, while this process reads the next batch: the database parses and checks the
 * geometries on the other core rather than after the whole file. A geometry PostGIS cannot
 * even parse (or transform) fails the statement, so it runs under a savepoint and, on failure,
 * the unreadable rows are staged with the reason (in one pass: foncier_geojson_problem, sql/017;
 * foncier_geometry_problem, sql/023, for a row staged as EWKB) and the others checked again.
 */
async function checkLanded(db: Kysely<Database>, kind: CnigClass): Promise<void> {
  const landing = sql.table(LANDING);
  await sql`SAVEPOINT cnig_check`.execute(db);
  try {
    await checkStatement(kind).execute(db);
    await sql`RELEASE SAVEPOINT cnig_check`.execute(db);
  } catch {
    await sql`ROLLBACK TO SAVEPOINT cnig_check`.execute(db);
    const file = stagingColumns(kind).map((c) => sql.id(c.column));
    await sql`
      WITH checked AS (
        SELECT i.*, CASE WHEN i.geom_ewkb IS NOT NULL THEN foncier_geometry_problem(i.geom_ewkb)
                         ELSE foncier_geojson_problem(i.geom_json, i.srid) END AS problem
        FROM ${landing} i
      ),
      unreadable AS (
        INSERT INTO ${sql.table(STAGING)} (${sql.join([...file, sql`unreadable`])})
        SELECT ${sql.join([...file.map((c) => sql`checked.${c}`), sql`checked.problem`])}
        FROM checked
        WHERE checked.problem IS NOT NULL
        RETURNING input_row
      )
      DELETE FROM ${landing} l USING unreadable WHERE l.input_row = unreadable.input_row`.execute(db);
    await checkStatement(kind).execute(db);
    // Released, or each batch that took this way would leave one more subtransaction open.
    await sql`RELEASE SAVEPOINT cnig_check`.execute(db);
  }
  await sql`TRUNCATE ${landing}`.execute(db);
}

/**
 * Once every row is staged: statistics, so that the checks' joins are planned for its size. Of
 * the columns the statement joins or groups on only: the geometries' statistics would cost as
 * much as the rest (0.2 s at 100,000 rows) and no plan reads them.
 */
export async function analyzeStaging(db: Kysely<Database>, kind: CnigClass): Promise<void> {
  const joined = ['cnig_id', 'input_row', ...specs[kind].joinedOn, ...specs[kind].lookups.map((c) => c.column)];
  await sql`ANALYZE ${sql.id(STAGING)} (${sql.join(joined.map((c) => sql.id(c)))})`.execute(db);
}

/**
 * Takes out the rows repeating an earlier row's CNIG id (the upsert would hit the same row
 * twice) and returns them as rejections naming the first row.
 */
export async function removeDuplicates(db: Kysely<Database>, kind: CnigClass): Promise<BatchRejection[]> {
  const staging = sql.table(STAGING);
  // Most files have none: a hash aggregate says so without sorting the table.
  const { rows: any } = await sql`
    SELECT 1 FROM ${staging} GROUP BY cnig_id HAVING count(*) > 1 LIMIT 1`.execute(db);
  if (any.length === 0) return [];
  const { rows } = await sql<{ inputRow: number; cnigId: string; firstRow: number }>`
    WITH d AS (
      SELECT input_row, min(input_row) OVER (PARTITION BY cnig_id) AS first_row
      FROM ${staging}
    )
    DELETE FROM ${staging} s
    USING d
    WHERE s.input_row = d.input_row AND d.input_row <> d.first_row
    RETURNING s.input_row, s.cnig_id, d.first_row`.execute(db);
  return rows.map((r) => ({
    row: r.inputRow,
    column: kind === 'site-eco' ? 'site_id' : 'terr_id',
    reason: `duplicate id (first on row ${r.firstRow})`,
    value: r.cnigId,
  }));
}

/** The staged rows given by their parcels instead of a surface, in file order. */
export async function stagedWithoutGeometry(db: Kysely<Database>): Promise<{ row: number; refs: string[] }[]> {
  const { rows } = await sql<{ inputRow: number; cadastralRefs: string[] }>`
    SELECT input_row, cadastral_refs FROM ${sql.table(STAGING)}
    WHERE geom IS NULL AND geom_json IS NULL AND geom_ewkb IS NULL AND unreadable IS NULL
    ORDER BY input_row`.execute(db);
  return rows.map((r) => ({ row: r.inputRow, refs: r.cadastralRefs }));
}

/**
 * Gives a staged row its surface (GeoJSON in WGS 84) and checks it again, or takes it out when
 * `geojson` is null.
 */
export async function resolveStagedGeometry(
  db: Kysely<Database>,
  kind: CnigClass,
  row: number,
  geojson: string | null,
): Promise<void> {
  const staging = sql.table(STAGING);
  if (geojson === null) {
    await sql`DELETE FROM ${staging} WHERE input_row = ${row}`.execute(db);
    return;
  }
  const file = stagingColumns(kind).map((c) => c.column);
  const value = (column: string) =>
    column === 'geom_json' ? sql`CAST(${geojson} AS text)` : column === 'srid' ? sql`4326` : sql.id(column);
  await sql`
    WITH moved AS (DELETE FROM ${staging} WHERE input_row = ${row} RETURNING ${sql.join(file.map((c) => sql.id(c)))})
    INSERT INTO ${sql.table(LANDING)} (${sql.join(file.map((c) => sql.id(c)))})
    SELECT ${sql.join(file.map(value))}
    FROM moved`.execute(db);
  await checkLanded(db, kind);
}

/** The rows of the staging table (after a write: the ones not rejected), CNIG id → file row. */
export function stagedRowsQuery(): RawBuilder<{ cnigId: string; inputRow: number }> {
  return sql`SELECT cnig_id, input_row FROM ${sql.table(STAGING)}`;
}

function statement(
  kind: CnigClass,
  scope: string[] | undefined,
): RawBuilder<{
  inputRow: number | null;
  columnName: string | null;
  reason: string | null;
  value: string | null;
  created: number | null;
  written: number | null;
}> {
  const spec = specs[kind];
  const checks = [...spec.checks, ...(scope ? scopeChecks(kind, scope) : [])];
  const target = sql.table(spec.table);
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
  const optionalColumns = spec.columns.filter((c) => c.optional).map((c) => c.column);
  const optional = new Set(optionalColumns);
  const stored = (column: string) => sql.id(`stored_${column}`);
  // An extension column the row lacks: the stored value (by the unique CNIG id), or NULL for a new row.
  const incoming = (column: string) =>
    optional.has(column)
      ? sql`CASE WHEN c.${sql.id(presence(column))} IS TRUE THEN c.${sql.id(column)} ELSE c.${stored(column)} END`
      : sql`c.${sql.id(column)}`;
  // The stored row's extension values, read once per row (one join) rather than once per column.
  const storedValues = optionalColumns.length
    ? sql`, ${sql.join(optionalColumns.map((column) => sql`t.${sql.id(column)} AS ${stored(column)}`))}`
    : sql``;
  const storedJoin = optionalColumns.length ? sql`LEFT JOIN ${target} t ON t.cnig_id = i.cnig_id` : sql``;
  return sql`
    -- The references resolved once for both readers.
    WITH c AS MATERIALIZED (
      SELECT i.*, ${spec.found} ${storedValues}
      FROM ${sql.table(STAGING)} i
      ${spec.joins}
      ${storedJoin}
    ),
    rejected AS (
      SELECT c.input_row, r.column_name, r.reason, r.value
      FROM c CROSS JOIN LATERAL (VALUES ${sql.join(rejections)}) AS r(failed, column_name, reason, value)
      WHERE r.failed
    ),
    written AS (
      INSERT INTO ${target} (${sql.join(insertColumns.map((c) => sql.id(c)))})
      SELECT ${sql.join([
        ...written.map(incoming),
        sql`c.id`,
        sql`c.geom`,
        ...spec.derived.map((d) => sql`c.${sql.id(derivedColumn(d.column))}`),
      ])}
      FROM c
      WHERE ${referencesOk} AND c.geometry_problem IS NULL
      -- Spatial order: the table's rows written as the tiles read them.
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

/** Takes the rows whose geometry PostGIS could not parse (checkLanded) out of the staging table. */
async function removeUnreadable(db: Kysely<Database>, kind: CnigClass): Promise<BatchRejection[]> {
  const { rows } = await sql<{ inputRow: number; unreadable: string }>`
    DELETE FROM ${sql.table(STAGING)} WHERE unreadable IS NOT NULL RETURNING input_row, unreadable`.execute(db);
  return rows.map((r) => ({
    row: r.inputRow,
    column: specs[kind].geometryField,
    reason: `unreadable geometry: ${r.unreadable}`,
    value: null,
  }));
}

async function run(db: Kysely<Database>, kind: CnigClass, scope: string[] | undefined): Promise<BatchResult> {
  // CamelCasePlugin: input_row comes back as inputRow.
  const result = await statement(kind, scope).execute(db);
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
  const { rows } = await sql<{ n: number }>`SELECT CAST(count(*) AS integer) AS n FROM ${sql.table(STAGING)}`.execute(
    db,
  );
  const accepted = rows[0]!.n - new Set(rejected.map((r) => r.row)).size;
  // The rejected rows leave the staging table: what stays is what was written or unchanged.
  if (rejected.length > 0)
    await sql`DELETE FROM ${sql.table(STAGING)} WHERE input_row = ANY(CAST(${[...new Set(rejected.map((r) => r.row))]} AS integer[]))`.execute(
      db,
    );
  return { accepted, created, updated: writtenRows - created, unchanged: accepted - writtenRows, rejected };
}

/**
 * Checks and upserts every staged row (distinct CNIG ids, each with a checked geometry, or
 * unreadable) in one statement, inside the import transaction. The rows whose geometry could
 * not be read are rejected first. Afterwards the staging table holds the rows written or
 * unchanged.
 */
export async function writeStaged(db: Kysely<Database>, kind: CnigClass, scope?: string[]): Promise<BatchResult> {
  const unreadable = await removeUnreadable(db, kind);
  const result = await run(db, kind, scope);
  return { ...result, rejected: [...unreadable, ...result.rejected] };
}
