// Search over sites and plots: a brief becomes one WHERE clause (filters joined by AND),
// a facts select, the score components and a sort key, paged by keyset on (sort key, id).
// Every value travels as a parameter. Filters that belong to the other class apply through
// the relation: a plot search filters on its site's utilities and access; a site search
// filters on its plots' stages, price, zone and brownfield status with one EXISTS, so that
// a single plot has to satisfy all of them together.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { allowLongStatements } from '../db/limits.js';
import type { Database } from '../db/schema.js';
import { GEOJSON_DECIMALS } from '../db/postgis.js';
import type { CnigClass } from '../cnig/fields.js';
import { cnigSelect } from '../cnig/write.js';
import { type Brief, noLabelFile } from './brief.js';
import type { Cursor } from './cursor.js';
import {
  componentColumn,
  scoreDefinition,
  totalExpression,
  type ComponentDefinition,
  type ComponentSql,
  type Facts,
  type SearchKind,
} from './score.js';

type Filters = Brief['filters'];
/** What a search renders; `spreadsheet` reads the facts alone (no point, geometry or CNIG columns). */
export type SearchOutput = 'json' | 'geojson' | 'csv' | 'spreadsheet';

const and = (conditions: RawBuilder<unknown>[]) =>
  conditions.length === 0 ? sql`TRUE` : sql.join(conditions, sql` AND `);

/** `%`, `_` and `\` are LIKE metacharacters: a brief's words match literally. */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

const nearPoint = (near: { lon: number; lat: number }) =>
  sql`ST_SetSRID(ST_MakePoint(${near.lon}::float8, ${near.lat}::float8), 4326)::geography`;

/**
 * Metres from `near` as the GiST index orders them (KNN): geography `<->` is the distance on
 * the sphere, like ST_Distance(…, false) to within a nanometre but not bit for bit, so the sort
 * key, the cursor and the reported distance all use this one expression.
 */
const nearDistance = (geom: RawBuilder<unknown>, near: { lon: number; lat: number }) =>
  sql<number>`((${geom})::geography <-> ${nearPoint(near)})`;

function flag(column: RawBuilder<unknown>, wanted: boolean | undefined): RawBuilder<unknown>[] {
  if (wanted === undefined) return [];
  return [wanted ? sql`${column} IS TRUE` : sql`${column} IS NOT TRUE`];
}

const brownfieldPlot = (p: string) =>
  sql`(${sql.ref(`${p}.occupation`)} = 'friche' OR ${sql.ref(`${p}.cartofriches_url`)} IS NOT NULL)`;

/** Conditions on a plot row `p` (direct for plot searches, inside EXISTS for site searches). */
function plotConditions(f: Filters, kind: SearchKind): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  if (f.development_stage) out.push(sql`p.development_stage IN (${sql.join(f.development_stage)})`);
  if (f.marketing_stage) out.push(sql`p.marketing_stage IN (${sql.join(f.marketing_stage)})`);
  if (f.land_control) out.push(sql`p.land_control IN (${sql.join(f.land_control)})`);
  if (f.planning_zone) out.push(sql`p.planning_zone IN (${sql.join(f.planning_zone)})`);
  if (f.max_price_eur_m2 !== undefined) out.push(sql`p.price_eur_m2 <= ${f.max_price_eur_m2}::float8`);
  if (f.brownfield !== undefined) out.push(f.brownfield ? brownfieldPlot('p') : sql`NOT ${brownfieldPlot('p')}`);
  if (kind === 'plot') {
    if (f.turnkey !== undefined) out.push(...flag(sql.ref('p.turnkey'), f.turnkey));
    if (f.available_before) out.push(sql`p.available_from <= ${f.available_before}::date`);
    if (f.min_area_ha !== undefined) out.push(sql`p.area_ha >= ${f.min_area_ha}::float8`);
    if (f.max_area_ha !== undefined) out.push(sql`p.area_ha <= ${f.max_area_ha}::float8`);
  }
  return out;
}

/** The brief's WHERE clause over `s` (and `p` for a plot search). */
export function briefConditions(kind: SearchKind, f: Filters): RawBuilder<unknown> {
  const geom = sql.ref(kind === 'site' ? 's.geom' : 'p.geom');
  const out: RawBuilder<unknown>[] = [sql`s.deleted_at IS NULL`];
  if (kind === 'plot') out.push(sql`p.deleted_at IS NULL`);

  // where
  if (f.territory)
    out.push(sql`s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${f.territory})`);
  if (f.epci) out.push(sql`s.epci_siren = ${f.epci}`);
  const communeColumn = sql.ref(kind === 'site' ? 's.commune_insee' : 'p.commune_insee');
  if (f.commune) out.push(sql`${communeColumn} = ${f.commune}`);
  if (f.department) out.push(sql`${communeColumn} IN (SELECT insee FROM communes WHERE department = ${f.department})`);
  // Regions are known through the Territoires d'industrie (territories.region_code).
  if (f.region) {
    out.push(
      sql`s.epci_siren IN (
        SELECT te.epci_siren
        FROM territory_epci te JOIN territories t ON t.id = te.territory_id
        WHERE t.region_code = ${f.region})`,
    );
  }
  if (f.within) {
    // Inside means the point on surface (CNIG site_geompoint) is inside: a territory is the union of
    // its EPCI, and slivers between members would otherwise drop sites that straddle two of them.
    const boundary = sql`(SELECT geom FROM territories WHERE id = ${f.within})`;
    out.push(sql`${geom} && ${boundary} AND ST_Intersects(ST_PointOnSurface(${geom}), ${boundary})`);
  }
  if (f.bbox) {
    const [minLon, minLat, maxLon, maxLat] = f.bbox;
    const envelope = sql`ST_MakeEnvelope(
      ${minLon}::float8, ${minLat}::float8, ${maxLon}::float8, ${maxLat}::float8, 4326)`;
    out.push(sql`${geom} && ${envelope} AND ST_Intersects(${geom}, ${envelope})`);
  }
  // geom::geography matches the expression indexes of 002_search.sql; distances on the sphere
  // (use_spheroid false, as turf measures) stay within 0.3 % of the ellipsoid at a fraction of its cost.
  // This is what ST_DWithin expands to (index box, then exact test), written out because through
  // ST_DWithin the planner counts the box twice: it expects 20 plots within 30 km where 1M plots
  // put 70,000, and then sorts them all rather than reading the nearest from the index.
  if (f.near && f.radius_km !== undefined) {
    const metres = sql`${f.radius_km * 1000}::float8`;
    out.push(
      sql`(${geom})::geography && _ST_Expand(${nearPoint(f.near)}, ${metres})
        AND _ST_DWithin((${geom})::geography, ${nearPoint(f.near)}, ${metres}, false)`,
    );
  }

  // size and readiness of a site: its offer (sql/012), from its plots for sale when it has plots
  if (kind === 'site') {
    // Size is a plot an investor can take: the largest available one, not the site's total.
    if (f.min_area_ha !== undefined) out.push(sql`s.offer_max_plot_area_ha >= ${f.min_area_ha}::float8`);
    if (f.max_area_ha !== undefined) out.push(sql`s.offer_max_plot_area_ha <= ${f.max_area_ha}::float8`);
    if (f.turnkey !== undefined)
      out.push(f.turnkey ? sql`s.turnkey_programme IS NOT NULL` : sql`s.turnkey_programme IS NULL`);
    if (f.available_before) out.push(sql`s.offer_available_from <= ${f.available_before}::date`);
    const onPlots = plotConditions(f, 'site');
    if (onPlots.length > 0)
      out.push(sql`EXISTS (SELECT 1 FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL AND ${and(onPlots)})`);
  } else {
    out.push(...plotConditions(f, 'plot'));
  }
  // The site's label file; a plot search keeps the plots of such sites. `none`: no label file.
  if (f.label_status) {
    const states = f.label_status.filter((state) => state !== noLabelFile);
    const either = [
      ...(states.length > 0 ? [sql`s.label_status IN (${sql.join(states)})`] : []),
      ...(f.label_status.includes(noLabelFile) ? [sql`s.label_status IS NULL`] : []),
    ];
    out.push(sql`(${sql.join(either, sql` OR `)})`);
  }
  // The total a site offers; a plot search keeps the plots of such sites.
  if (f.min_available_ha !== undefined) out.push(sql`s.offer_available_area_ha >= ${f.min_available_ha}::float8`);

  // utilities and access: CNIG site-eco fields
  out.push(...flag(sql.ref('s.network_electricity'), f.electricity));
  if (f.min_power_mw !== undefined) out.push(sql`s.power_mw >= ${f.min_power_mw}::float8`);
  out.push(...flag(sql.ref('s.network_gas'), f.gas));
  out.push(...flag(sql.ref('s.network_drinking_water'), f.drinking_water));
  out.push(...flag(sql.ref('s.network_sewerage'), f.sewerage));
  out.push(...flag(sql.ref('s.network_fibre'), f.fibre));
  out.push(...flag(sql.ref('s.rail_siding'), f.rail_siding));
  out.push(...flag(sql.ref('s.river_quay'), f.river_quay));
  if (f.max_motorway_km !== undefined) out.push(sql`s.motorway_interchange_km <= ${f.max_motorway_km}::float8`);
  if (f.max_freight_station_km !== undefined)
    out.push(sql`s.freight_station_km <= ${f.max_freight_station_km}::float8`);
  if (f.max_port_km !== undefined) out.push(sql`s.port_km <= ${f.max_port_km}::float8`);

  // free text, accent- and case-insensitive (foncier_fold, 001_catalogue.sql)
  if (f.q) {
    const pattern = sql`foncier_fold(${likePattern(f.q)})`;
    out.push(
      kind === 'site'
        ? sql`foncier_fold(s.name) LIKE ${pattern}`
        : sql`(foncier_fold(s.name) LIKE ${pattern} OR foncier_fold(p.cnig_id) LIKE ${pattern})`,
    );
  }
  return and(out);
}

const fromClause = (kind: SearchKind) =>
  kind === 'site'
    ? sql`sites s JOIN epci e ON e.siren = s.epci_siren JOIN communes c ON c.insee = s.commune_insee`
    : sql`plots p JOIN sites s ON s.id = p.site_id`;

/** The CNIG class a search kind exports as (CSV columns: cnig/write.ts, over fromClause's aliases). */
export const cnigClassOf = (kind: SearchKind): CnigClass => (kind === 'site' ? 'site-eco' : 'terrain-eco');

/** The facts a result, its score and its sort key are built from (snake_case, read camelCased). */
function factColumns(kind: SearchKind, brief: Brief, output: SearchOutput): RawBuilder<unknown> {
  const near = brief.filters.near;
  const geom = sql.ref(kind === 'site' ? 's.geom' : 'p.geom');
  const point =
    output === 'json' ? sql`ST_AsGeoJSON(ST_PointOnSurface(${geom}), ${sql.lit(GEOJSON_DECIMALS)})` : sql`NULL::text`;
  const geometry =
    output === 'geojson'
      ? sql`ST_AsGeoJSON(ST_ForcePolygonCCW(${geom}), ${sql.lit(GEOJSON_DECIMALS)})`
      : sql`NULL::text`;

  const shared = sql`s.power_mw,
    s.network_electricity, s.network_gas, s.network_drinking_water, s.network_sewerage, s.network_fibre,
    s.rail_siding, s.river_quay, s.motorway_interchange_km, s.freight_station_km, s.port_km,
    s.turnkey_programme, s.label_status,
    EXISTS (SELECT 1 FROM territory_epci te WHERE te.epci_siren = s.epci_siren) AS in_territory,
    ${near ? sql`${nearDistance(geom, near)}` : sql`NULL::float8`} AS distance_m,
    ${near ? sql`${nearDistance(geom, near)} / 1000` : sql`NULL::float8`} AS distance_km,
    ${point} AS point,
    ${geometry} AS geometry`;
  const cnig = output === 'csv' ? sql`, ${cnigSelect(cnigClassOf(kind))}` : sql``;
  if (kind === 'site') {
    // OFFSET 0 keeps the brownfield EXISTS a per-row probe of plots_brownfield_idx: without it
    // the planner may hash every brownfield plot (53,000 at 1M plots, ~4 ms per reference) for
    // the matches it expects, when a page of 20 needs 20 probes.
    return sql`s.id, s.cnig_id, s.name, s.site_type, s.main_vocation, s.state, s.usable_area_ha, s.area_ha,
      s.offer_available_area_ha AS available_area_ha, s.offer_max_plot_area_ha AS max_plot_area_ha,
      s.offer_available_from AS available_from, s.offer_price_eur_m2 AS price_eur_m2,
      s.offer_source AS availability_source,
      s.available_area_ha AS declared_available_area_ha,
      s.epci_siren, e.name AS epci_name, s.commune_insee, c.name AS commune_name, c.department,
      EXISTS (
        SELECT 1 FROM plots b
        WHERE b.site_id = s.id AND b.deleted_at IS NULL AND ${brownfieldPlot('b')}
        OFFSET 0
      ) AS brownfield,
      ${shared}${cnig}`;
  }
  return sql`p.id, p.cnig_id, p.site_id, s.cnig_id AS site_cnig_id, s.name AS site_name,
    p.commune_insee, p.area_ha, p.land_control,
    p.development_stage, p.marketing_stage, p.occupation, p.planning_zone, p.turnkey, p.price_eur_m2, p.available_from,
    ${brownfieldPlot('p')} AS brownfield, ${shared}${cnig}`;
}

/** The sort key, always non-null and ascending; nulls sort last whichever the direction. */
function sortKeyExpression(kind: SearchKind, brief: Brief, definition: ComponentSql[]): RawBuilder<number> {
  const { key, reverse } = brief.sort;
  const ascending = (value: RawBuilder<unknown>) =>
    reverse ? sql<number>`-coalesce((${value})::float8, -1e15)` : sql<number>`coalesce((${value})::float8, 1e15)`;
  const bestFirst = (value: RawBuilder<unknown>) =>
    reverse ? sql<number>`(${value})::float8` : sql<number>`-(${value})::float8`;
  switch (key) {
    case 'score':
      return bestFirst(totalExpression(definition));
    case 'readiness':
      return bestFirst(definition.find((c) => c.name === 'readiness')!.expression);
    case 'area':
      return ascending(kind === 'site' ? sql.ref('f.max_plot_area_ha') : sql.ref('f.area_ha'));
    case 'price':
      return ascending(sql.ref('f.price_eur_m2'));
    case 'distance':
      return ascending(sql.ref('f.distance_m'));
    case 'motorway':
      return ascending(sql.ref('f.motorway_interchange_km'));
    case 'id':
      return sql<number>`0::float8`;
  }
}

export interface SearchQuery<K extends SearchKind = SearchKind> {
  kind: K;
  brief: Brief;
  output: SearchOutput;
  cursor?: Cursor;
  /** Rows to return; undefined streams every match. */
  limit?: number;
  /** The day availability is scored on (YYYY-MM-DD, from the app's clock). */
  today: string;
}

/**
 * A page nearest first, read from the GiST index in distance order (KNN) instead of measuring
 * and sorting every match: the cost is the page (plus the pages before it), not the radius.
 * The index orders by distance alone, and PostgreSQL cannot add the id tie-break on top of a
 * KNN scan, so the inner select takes the first `limit` rows WITH TIES (every row as far as
 * the last one) and the outer ORDER BY sort_key, id then cuts the page exactly. The cursor
 * repeats the outer keyset condition on the raw expression, so that it filters in the scan.
 */
function nearestFirst(q: SearchQuery): RawBuilder<unknown> | undefined {
  const near = q.brief.filters.near;
  if (!near || q.brief.sort.key !== 'distance' || q.brief.sort.reverse || q.limit === undefined) return undefined;
  const alias = q.kind === 'site' ? 's' : 'p';
  const distance = nearDistance(sql.ref(`${alias}.geom`), near);
  const after = q.cursor
    ? sql` AND (${distance}, ${sql.ref(`${alias}.id`)}) > (${q.cursor.key}::float8, ${q.cursor.id}::uuid)`
    : sql``;
  return sql`SELECT ${factColumns(q.kind, q.brief, q.output)} FROM ${fromClause(q.kind)}
    WHERE ${briefConditions(q.kind, q.brief.filters)}${after}
    ORDER BY ${distance} FETCH FIRST (${q.limit}::int8) ROWS WITH TIES`;
}

/** The full search as one SQL statement (the benchmark runs the same text through pg). */
export function searchStatement<K extends SearchKind>(
  q: SearchQuery<K>,
): {
  statement: RawBuilder<Facts<K>>;
  definition: ComponentDefinition<Facts<K>>[];
} {
  const definition = scoreDefinition(q.kind, q.brief, q.today);
  // Sorting by id alone lets the planner walk the primary key (a fast-starting export).
  const byId = q.brief.sort.key === 'id';
  const descending = byId && q.brief.sort.reverse;
  const after = !q.cursor
    ? sql``
    : byId
      ? sql`WHERE r.id ${sql.raw(descending ? '<' : '>')} ${q.cursor.id}::uuid`
      : sql`WHERE (r.sort_key, r.id) > (${q.cursor.key}::float8, ${q.cursor.id}::uuid)`;
  const order = byId ? sql`r.id ${sql.raw(descending ? 'DESC' : 'ASC')}` : sql`r.sort_key, r.id`;
  const components = sql.join(
    definition.map((c) => sql`(${c.expression})::float8 AS ${sql.id(componentColumn(c.name))}`),
  );
  const facts =
    nearestFirst(q) ??
    sql`SELECT ${factColumns(q.kind, q.brief, q.output)}
      FROM ${fromClause(q.kind)}
      WHERE ${briefConditions(q.kind, q.brief.filters)}`;
  const statement = sql<Facts<K>>`SELECT * FROM (
      SELECT f.*, ${components},
        ${sortKeyExpression(q.kind, q.brief, definition)} AS sort_key
      FROM (${facts}) f

    ) r ${after}
    ORDER BY ${order} ${q.limit !== undefined ? sql`LIMIT ${q.limit}` : sql``}`;
  return { statement, definition };
}

/**
 * Counting stops past this many matches unless the brief asks for count=exact: an exact count
 * reads every match (about 70,000 plots within 30 km of a busy site at 1M plots: over a second),
 * while a page reads only itself. The cap is the largest page, so a count under it is exact.
 */
export const TOTAL_CAP = 1000;

/** The count behind `total` (the benchmark runs the same text through pg). */
export function countStatement(kind: SearchKind, brief: Brief, exact: boolean): RawBuilder<{ n: number }> {
  const matches = sql`SELECT 1 FROM ${fromClause(kind)} WHERE ${briefConditions(kind, brief.filters)}`;
  if (exact) return sql<{ n: number }>`SELECT count(*)::int AS n FROM (${matches}) m`;
  // Any TOTAL_CAP + 1 matches will do; around a point, the nearest come straight off the GiST
  // index (KNN) where the planner would otherwise build a bitmap of every box in the radius.
  const near = brief.filters.near;
  const nearestFirst = near
    ? sql` ORDER BY ${nearDistance(sql.ref(kind === 'site' ? 's.geom' : 'p.geom'), near)}`
    : sql``;
  return sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM (${matches}${nearestFirst} LIMIT ${sql.lit(TOTAL_CAP + 1)}) m`;
}

/** Matches of the brief: exact, or TOTAL_CAP with exact false when there are more. */
export async function countMatches(
  db: Kysely<Database>,
  kind: SearchKind,
  brief: Brief,
  exact = false,
): Promise<{ total: number; exact: boolean }> {
  const { rows } = await countStatement(kind, brief, exact).execute(db);
  const n = rows[0]?.n ?? 0;
  return exact || n <= TOTAL_CAP ? { total: n, exact: true } : { total: TOTAL_CAP, exact: false };
}

export async function searchPage<K extends SearchKind>(db: Kysely<Database>, q: SearchQuery<K> & { limit: number }) {
  const { statement, definition } = searchStatement({ ...q, limit: q.limit + 1 });
  const { rows } = await statement.execute(db);
  return { rows: rows.slice(0, q.limit), more: rows.length > q.limit, definition };
}

/**
 * Every match, in chunks, through a server-side cursor (DECLARE … FETCH) inside a read-only
 * transaction: memory holds one chunk whatever the result size. Kysely's own .stream() needs
 * the pg-cursor package on PostgreSQL, which is not a dependency; DECLARE works on both backends.
 */
export async function* searchChunks<Row = Facts>(
  db: Kysely<Database>,
  statement: RawBuilder<Row>,
  options: {
    chunkSize?: number;
    singleConnection?: boolean;
    /** Plan for reading every row (cursor_tuple_fraction 1), not for the first tenth as a cursor does by default. */
    readAll?: boolean;
  } = {},
): AsyncGenerator<Row[]> {
  const chunkSize = options.chunkSize ?? 2000;
  if (options.singleConnection) {
    yield* heldCursorChunks(db, statement, chunkSize);
    return;
  }
  const trx = await db.startTransaction().setAccessMode('read only').execute();
  let finished = false;
  try {
    // A streamed export is a long, simple scan: JIT compilation costs more than it saves.
    await sql`SET LOCAL jit = off`.execute(trx);
    if (options.readAll) await sql`SELECT set_config('cursor_tuple_fraction', '1', true)`.execute(trx);
    // A sorted download sorts every match before its first row: the long limit, not the API's.
    await allowLongStatements(trx);
    await sql`DECLARE search_export NO SCROLL CURSOR FOR ${statement}`.execute(trx);
    const fetch = () =>
      sql<Row>`FETCH FORWARD ${sql.lit(chunkSize)} FROM search_export`.execute(trx).then((r) => r.rows);
    // One chunk ahead: the database formats the next chunk while the client writes this one.
    let next: Promise<Row[]> | undefined = fetch();
    try {
      for (;;) {
        const rows: Row[] = await next!;
        next = rows.length === chunkSize ? fetch() : undefined;
        if (rows.length > 0) yield rows;
        if (!next) break;
      }
    } finally {
      await next?.catch(() => undefined);
    }
    await trx.commit().execute();
    finished = true;
  } finally {
    if (!finished) await trx.rollback().execute();
  }
}

/**
 * The embedded database has one connection: a cursor held in an open transaction would make
 * every other request wait for the whole download (and forever for a stalled client). A
 * WITH HOLD cursor outlives its transaction, so each chunk takes the connection only for its
 * FETCH; the cursor is closed when the stream ends or the client goes away.
 */
async function* heldCursorChunks<Row>(
  db: Kysely<Database>,
  statement: RawBuilder<Row>,
  chunkSize: number,
): AsyncGenerator<Row[]> {
  const cursor = `search_export_${randomUUID().replaceAll('-', '')}`;
  await db
    .transaction()
    .execute((trx) => sql`DECLARE ${sql.id(cursor)} NO SCROLL CURSOR WITH HOLD FOR ${statement}`.execute(trx));
  try {
    for (;;) {
      const { rows } = await sql<Row>`FETCH FORWARD ${sql.lit(chunkSize)} FROM ${sql.id(cursor)}`.execute(db);
      if (rows.length > 0) yield rows;
      if (rows.length < chunkSize) break;
    }
  } finally {
    await sql`CLOSE ${sql.id(cursor)}`.execute(db).catch(() => undefined);
  }
}
