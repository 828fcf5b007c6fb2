// ZAN measures over the database: plot areas cut by land cover, brownfields and PENE
// perimeters in PostGIS (areas on the ellipsoid), Cerema series per commune, and the
// commune → EPCI → territory envelopes and pipelines built from them with the pure formulas.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Geometry as GeoJsonGeometry } from 'geojson';
import type { Database } from '../db/schema.js';
import {
  aggregateEnvelopes,
  communeEnvelope,
  countedM2,
  envelopeShare,
  guaranteeFor,
  plotMeasure,
  type PlanningDocument,
  type ConsumptionYear,
  type Envelope,
  type PlotAreas,
  type PlotMeasure,
} from './formulas.js';
import { sirenPattern } from '../territories/codes.js';
import type { ZanRuleSet } from './rule-sets.js';

const M2_PER_HA = 10_000;

export interface MeasuredSubject extends PlotAreas {
  key: string;
  communeInsee: string | null;
  siteId: string | null;
  occupation: string | null;
}

/**
 * The rule-independent areas of subjects given as SQL rows (geom, area_m2 and the `passed`
 * columns), as a query of (the passed columns, area_m2, naf_m2, brownfield_m2,
 * naf_on_brownfield_m2, pene_m2, naf_in_pene_m2). Passing columns through rather than joining
 * the result back by key keeps the planner off a nested loop between two CTE scans it
 * estimates at one row each (quadratic on thousands of plots).
 * Geometry work is paid only where it changes the answer: a subject touching no artificial
 * land, brownfield or PENE is all NAF; one wholly covered by a single polygon of a layer takes
 * its whole area from it; only partly covered subjects are cut (ST_Difference).
 */
function cutQuery(subjects: RawBuilder<unknown>, passed: string[]): RawBuilder<unknown> {
  const layer = (table: string, where: RawBuilder<unknown>) => sql`
    LEFT JOIN LATERAL (
      SELECT bool_or(ST_Covers(x.geom, s.geom)) AS covers, array_agg(x.geom) AS gs
      FROM ${sql.table(table)} x WHERE ${where} ST_Intersects(x.geom, s.geom)
    )`;
  return sql`
    WITH input AS (${subjects}),
    touched AS MATERIALIZED (
      SELECT s.*,
        art.covers AS art_covers, art.gs AS art_gs,
        bf.covers AS bf_covers, bf.gs AS bf_gs,
        pe.covers AS pe_covers, pe.gs AS pe_gs
      FROM input s
      ${layer('land_cover', sql`x.artificial AND`)} art ON true
      ${layer('brownfields', sql``)} bf ON true
      ${layer('pene_perimeters', sql``)} pe ON true
    ),
    -- naf_g: the subject off artificial land (NULL when nothing is left)
    naf AS MATERIALIZED (
      SELECT t.*,
        CASE
          WHEN art_gs IS NULL THEN geom
          WHEN art_covers THEN NULL
          ELSE ST_Difference(geom, ST_Union(art_gs))
        END AS naf_g,
        CASE WHEN bf_gs IS NULL OR bf_covers THEN NULL ELSE ST_Union(bf_gs) END AS bf_u,
        CASE WHEN pe_gs IS NULL OR pe_covers THEN NULL ELSE ST_Union(pe_gs) END AS pe_u
      FROM touched t
    ),
    -- off_g: the NAF part off brownfields, the land developing the subject would consume
    off AS MATERIALIZED (
      SELECT n.*,
        CASE WHEN art_gs IS NULL THEN area_m2 WHEN art_covers THEN 0 ELSE ST_Area(naf_g::geography) END AS naf_m2,
        CASE
          WHEN naf_g IS NULL OR bf_covers THEN NULL
          WHEN bf_gs IS NULL THEN naf_g
          ELSE ST_Difference(naf_g, bf_u)
        END AS off_g
      FROM naf n
    ),
    areas AS (
      SELECT o.*,
        CASE WHEN off_g IS NULL THEN 0 WHEN bf_gs IS NULL THEN naf_m2 ELSE ST_Area(off_g::geography) END AS off_m2
      FROM off o
    )
    SELECT ${sql.join(passed.map((c) => sql.ref(c)))}, area_m2, naf_m2,
      CASE
        WHEN bf_gs IS NULL THEN 0
        WHEN bf_covers THEN area_m2
        ELSE ST_Area(ST_Intersection(geom, bf_u)::geography)
      END AS brownfield_m2,
      greatest(0, naf_m2 - off_m2) AS naf_on_brownfield_m2,
      CASE
        WHEN pe_gs IS NULL THEN 0
        WHEN pe_covers THEN area_m2
        ELSE ST_Area(ST_Intersection(geom, pe_u)::geography)
      END AS pene_m2,
      CASE
        WHEN pe_gs IS NULL OR off_g IS NULL THEN 0
        WHEN pe_covers THEN off_m2
        ELSE ST_Area(ST_Intersection(off_g, pe_u)::geography)
      END AS naf_in_pene_m2
    FROM areas`;
}

/** Measures subjects given as SQL rows (key, commune_insee, site_id, site_vocation, occupation, geom, area_m2). */
async function measureSubjects(db: Kysely<Database>, subjects: RawBuilder<unknown>): Promise<MeasuredSubject[]> {
  const passed = ['key', 'commune_insee', 'site_id', 'site_vocation', 'occupation'];
  const { rows } = await sql<MeasuredSubject>`${cutQuery(subjects, passed)}`.execute(db);
  return rows;
}

export interface PlotFilter {
  plotIds?: string[];
  siteIds?: string[];
  communes?: string[];
  /** Only plots still to develop: the built ones are already in the Cerema flows. */
  pipelineOnly?: boolean;
}

/**
 * Plots and their areas, from the measure cache (zan_plot_measures) where its row still
 * matches the plot version, the reference version and the plot area; the missing and stale
 * ones are cut in the same statement and written back, so one snapshot gives both the
 * reference version and the areas stored with it. Rows are upserted in plot order so that
 * two requests filling overlapping plots cannot deadlock.
 */
const passedPlotColumns = ['id', 'version', 'commune_insee', 'site_id', 'site_vocation', 'occupation'];

async function measureCachedPlots(db: Kysely<Database>, filter: PlotFilter): Promise<MeasuredSubject[]> {
  const conditions = [sql`p.deleted_at IS NULL`, sql`s.deleted_at IS NULL`];
  if (filter.plotIds) conditions.push(sql`p.id = ANY(${filter.plotIds}::uuid[])`);
  if (filter.siteIds) conditions.push(sql`s.id = ANY(${filter.siteIds}::uuid[])`);
  if (filter.communes) {
    // Written so that both halves can use an index (plots_commune_idx, sites_commune_idx):
    // a plot in one of the communes, or one with no commune of its own whose site is there.
    conditions.push(sql`p.id IN (
      SELECT pc.id FROM plots pc WHERE pc.commune_insee = ANY(${filter.communes}::text[])
      UNION ALL
      SELECT ps.id FROM sites sc JOIN plots ps ON ps.site_id = sc.id
      WHERE sc.commune_insee = ANY(${filter.communes}::text[]) AND ps.commune_insee IS NULL)`);
  }
  if (filter.pipelineOnly) conditions.push(sql`p.occupation <> 'occupé'`);
  const uncached = sql`
    SELECT l.id, l.version, l.commune_insee, l.site_id, l.site_vocation, l.occupation, l.area_m2, p.geom
    FROM listed l JOIN plots p ON p.id = l.id
    WHERE NOT l.cached`;
  const { rows } = await sql<MeasuredSubject>`

    WITH ref AS (SELECT version FROM zan_reference_version),
    listed AS MATERIALIZED (
      SELECT p.id, p.version, coalesce(p.commune_insee, s.commune_insee) AS commune_insee, s.id::text AS site_id,
             s.main_vocation AS site_vocation, p.occupation, p.area_ha * 10000 AS area_m2,
             m.plot_id IS NOT NULL AS cached,
             m.naf_m2, m.brownfield_m2, m.naf_on_brownfield_m2, m.pene_m2, m.naf_in_pene_m2
      FROM plots p JOIN sites s ON s.id = p.site_id
      LEFT JOIN zan_plot_measures m ON m.plot_id = p.id AND m.plot_version = p.version
        AND m.reference_version = (SELECT version FROM ref) AND m.area_m2 = p.area_ha * 10000
      WHERE ${sql.join(conditions, sql` AND `)}
    ),
    cut AS MATERIALIZED (${cutQuery(uncached, passedPlotColumns)}),
    stored AS (
      INSERT INTO zan_plot_measures (
        plot_id, plot_version, reference_version, area_m2,
        naf_m2, brownfield_m2, naf_on_brownfield_m2, pene_m2, naf_in_pene_m2
      )
      SELECT c.id, c.version, ref.version, c.area_m2,
        c.naf_m2, c.brownfield_m2, c.naf_on_brownfield_m2, c.pene_m2, c.naf_in_pene_m2
      FROM cut c CROSS JOIN ref
      ORDER BY c.id
      ON CONFLICT (plot_id) DO UPDATE SET
        plot_version = excluded.plot_version, reference_version = excluded.reference_version,
        area_m2 = excluded.area_m2, naf_m2 = excluded.naf_m2, brownfield_m2 = excluded.brownfield_m2,
        naf_on_brownfield_m2 = excluded.naf_on_brownfield_m2, pene_m2 = excluded.pene_m2,
        naf_in_pene_m2 = excluded.naf_in_pene_m2, measured_at = now()
    )
    SELECT id::text AS key, commune_insee, site_id, site_vocation, occupation,
      area_m2, naf_m2, brownfield_m2, naf_on_brownfield_m2, pene_m2, naf_in_pene_m2
    FROM listed WHERE cached
    UNION ALL
    SELECT id::text, commune_insee, site_id, site_vocation, occupation,
      area_m2, naf_m2, brownfield_m2, naf_on_brownfield_m2, pene_m2, naf_in_pene_m2
    FROM cut`.execute(db);
  return rows;
}

export async function measurePlots(db: Kysely<Database>, rules: ZanRuleSet, filter: PlotFilter) {
  const measured = await measureCachedPlots(db, filter);
  return measured.map((m) => ({ ...m, measure: plotMeasure(rules, m) }));
}

export type MeasuredPlot = Awaited<ReturnType<typeof measurePlots>>[number];

/** A drawn geometry cut along commune boundaries: one subject per commune it touches. */
export async function measureGeometry(db: Kysely<Database>, rules: ZanRuleSet, geometry: GeoJsonGeometry) {
  const measured = await measureSubjects(
    db,
    sql`
      WITH g AS (SELECT ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326)) AS geom),
      parts AS (
        SELECT c.insee, ST_Multi(ST_CollectionExtract(ST_Intersection(g.geom, c.geom), 3)) AS geom
        FROM g JOIN communes c ON ST_Intersects(c.geom, g.geom)
      )
      SELECT insee AS key, insee AS commune_insee,
             NULL::text AS site_id, NULL::text AS site_vocation, NULL::text AS occupation,

             geom, ST_Area(geom::geography) AS area_m2
      FROM parts WHERE NOT ST_IsEmpty(geom)`,
  );
  const { rows } = await sql<{ areaM2: number }>`
    SELECT ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326)::geography) AS area_m2`.execute(
    db,
  );
  return { parts: measured.map((m) => ({ ...m, measure: plotMeasure(rules, m) })), areaM2: rows[0]!.areaM2 };
}

// ---- envelopes ---------------------------------------------------------------------------

export interface CommuneRef {
  insee: string;
  name: string;
  epciSiren: string | null;
}

export interface CommuneEnvelope extends CommuneRef {
  /** Null when the commune has no consumption data ("données manquantes"). */
  envelope: Envelope | null;
  planningDocument: PlanningDocument | null;
  guarantee: ReturnType<typeof guaranteeFor>;
  reductionRate: number;
  reductionSource: string | null;
  series: ConsumptionYear[];
}

/** Cerema series, territorialised reductions and planning documents of communes; envelope null without data. */
export async function communeEnvelopes(
  db: Kysely<Database>,
  rules: ZanRuleSet,
  communes: CommuneRef[],
): Promise<CommuneEnvelope[]> {
  if (communes.length === 0) return [];
  const insees = communes.map((c) => c.insee);
  const [rows, targets, documents] = await Promise.all([
    db
      .selectFrom('communeConsumption')
      .where('insee', 'in', insees)
      .select([
        'insee',
        'year',
        'nafM2',
        'activityM2',
        'housingM2',
        'mixedM2',
        'roadM2',
        'railM2',
        'unknownM2',
        'provisional',
      ])
      .orderBy('insee')
      .orderBy('year')
      .execute(),
    db
      .selectFrom('zanReductionTargets')
      .where((eb) =>
        eb.or([
          eb.and([eb('landKind', '=', 'commune'), eb('landCode', 'in', insees)]),
          eb.and([
            eb('landKind', '=', 'epci'),
            eb('landCode', 'in', [...new Set(communes.map((c) => c.epciSiren ?? '-'))]),
          ]),
        ]),
      )
      .selectAll()
      .execute(),
    db
      .selectFrom('communePlanningDocuments')
      .where('insee', 'in', insees)
      .select(['insee', 'status', sql<string | null>`status_on::text`.as('statusOn')])
      .execute(),
  ]);
  const planning = new Map(documents.map((d) => [d.insee, { status: d.status, statusOn: d.statusOn }]));
  const series = new Map<string, ConsumptionYear[]>();
  for (const r of rows) {
    const list = series.get(r.insee) ?? [];
    list.push(r);
    series.set(r.insee, list);
  }
  return communes.map((c) => {
    const target =
      targets.find((t) => t.landKind === 'commune' && t.landCode === c.insee) ??
      targets.find((t) => t.landKind === 'epci' && t.landCode === c.epciSiren);
    const own = series.get(c.insee) ?? [];
    const planningDocument = planning.get(c.insee) ?? null;
    const guarantee = guaranteeFor(rules, planningDocument);
    return {
      ...c,
      reductionRate: target?.reductionRate ?? rules.reductionRate,
      reductionSource: target ? `${target.document} (${target.source})` : null,
      planningDocument,
      guarantee,
      series: own,
      envelope: own.length
        ? communeEnvelope(rules, {
            insee: c.insee,
            series: own,
            reductionRate: target?.reductionRate,
            guarantee: guarantee.applies,
          })
        : null,
    };
  });
}

/** The envelope of communes with data, summed; null when none has any (never a total of 0). */
export function sumEnvelopes(rules: ZanRuleSet, communes: CommuneEnvelope[]): Envelope | null {
  const known = communes.flatMap((c) => (c.envelope ? [c.envelope] : []));
  return known.length ? aggregateEnvelopes(rules, known) : null;
}

/**
 * What a level's figures leave out: the communes without consumption data, and the least their
 * allowances would add (the guarantee of those that keep it), so that a total never reads as if
 * their hectares were zero.
 */
export function missingData(rules: ZanRuleSet, communes: CommuneEnvelope[]) {
  const missing = communes.filter((c) => !c.envelope);
  return {
    communes: missing.length,
    insee: missing.map((c) => c.insee),
    allowedAtLeastHa: missing.filter((c) => c.guarantee.applies).length * rules.communalGuaranteeHa,
  };
}

/** Yearly totals across communes, with the counted figure and the provisional flag. */
export function yearlySeries(rules: ZanRuleSet, communes: CommuneEnvelope[]) {
  const byYear = new Map<
    number,
    { year: number; nafHa: number; activityHa: number; countedHa: number; provisional: boolean }
  >();
  for (const c of communes) {
    for (const y of c.series) {
      const entry = byYear.get(y.year) ?? { year: y.year, nafHa: 0, activityHa: 0, countedHa: 0, provisional: false };
      entry.nafHa += y.nafM2 / M2_PER_HA;
      entry.activityHa += y.activityM2 / M2_PER_HA;
      entry.countedHa += countedM2(rules, y) / M2_PER_HA;
      entry.provisional ||= y.provisional;
      byYear.set(y.year, entry);
    }
  }
  return [...byYear.values()].sort((a, b) => a.year - b.year);
}

// ---- territories -------------------------------------------------------------------------

export type TerritoryKind = 'commune' | 'epci' | 'territory';

export interface ZanTerritory {
  kind: TerritoryKind;
  id: string;
  name: string;
  communes: CommuneRef[];
}

/** A Territoire d'industrie (ti-…), an EPCI (SIREN, 9 digits) or a commune (INSEE, 5 characters). */
export async function resolveTerritory(db: Kysely<Database>, id: string): Promise<ZanTerritory | undefined> {
  const communes = db.selectFrom('communes as c').select(['c.insee', 'c.name', 'c.epciSiren']).orderBy('c.insee');
  if (id.startsWith('ti-')) {
    const t = await db.selectFrom('territories').where('id', '=', id).select(['id', 'name']).executeTakeFirst();
    if (!t) return undefined;
    const list = await communes
      .innerJoin('territoryEpci as te', 'te.epciSiren', 'c.epciSiren')
      .where('te.territoryId', '=', id)
      .execute();
    return { kind: 'territory', id: t.id, name: t.name, communes: list };
  }
  if (sirenPattern.test(id)) {
    const e = await db.selectFrom('epci').where('siren', '=', id).select(['siren', 'name']).executeTakeFirst();
    if (!e) return undefined;
    return {
      kind: 'epci',
      id: e.siren,
      name: e.name,
      communes: await communes.where('c.epciSiren', '=', id).execute(),
    };
  }
  const list = await communes.where('c.insee', '=', id).execute();
  if (list.length === 0) return undefined;
  return { kind: 'commune', id, name: list[0]!.name, communes: list };
}

export async function epciCommunes(db: Kysely<Database>, siren: string): Promise<CommuneRef[]> {
  return db
    .selectFrom('communes')
    .where('epciSiren', '=', siren)
    .select(['insee', 'name', 'epciSiren'])
    .orderBy('insee')
    .execute();
}

/** The communes of these INSEE codes, in code order (unknown codes are left out). */
export async function communeRefs(db: Kysely<Database>, insees: string[]): Promise<CommuneRef[]> {
  return db
    .selectFrom('communes')
    .where('insee', 'in', [...insees, '-']) // '-' matches nothing and keeps the list non-empty
    .select(['insee', 'name', 'epciSiren'])
    .orderBy('insee')
    .execute();
}

/** Where every figure comes from: the vintages of the reference data behind them. */
export async function dataVintages(db: Kysely<Database>, insees: string[]) {
  const distinct = async (table: 'landCover' | 'brownfields' | 'penePerimeters') =>
    (await db.selectFrom(table).select('vintage').distinct().orderBy('vintage').execute()).map((r) => r.vintage);
  const consumption = insees.length
    ? (
        await db
          .selectFrom('communeConsumption')
          .where('insee', 'in', insees)
          .select('vintage')
          .distinct()
          .orderBy('vintage')
          .execute()
      ).map((r) => r.vintage)
    : [];
  return {
    consumption,
    landCover: await distinct('landCover'),
    brownfields: await distinct('brownfields'),
    pene: await distinct('penePerimeters'),
  };
}

/** Sums of measured plots, in hectares. */
export function plotTotals(plots: { measure: PlotMeasure }[]) {
  const total = (key: 'areaM2' | 'nafM2' | 'brownfieldM2' | 'nafConsumptionM2' | 'consumptionM2' | 'nationalM2') =>
    plots.reduce((s, p) => s + p.measure[key], 0) / M2_PER_HA;
  return {
    plots: plots.length,
    areaHa: total('areaM2'),
    nafHa: total('nafM2'),
    brownfieldHa: total('brownfieldM2'),
    nafConsumptionHa: total('nafConsumptionM2'),
    consumptionHa: total('consumptionM2'),
    nationalHa: total('nationalM2'),
    classes: {
      already_urbanised: plots.filter((p) => p.measure.class === 'already_urbanised').length,
      mixed: plots.filter((p) => p.measure.class === 'mixed').length,
      naf: plots.filter((p) => p.measure.class === 'naf').length,
    },
  };
}

/** The planned sites of a pipeline, largest expected consumption first: what each would take. */
async function pipelineBySite(db: Kysely<Database>, plots: MeasuredPlot[]) {
  const bySite = new Map<string, { plots: number; consumptionHa: number }>();
  for (const p of plots) {
    if (!p.siteId) continue;
    const entry = bySite.get(p.siteId) ?? { plots: 0, consumptionHa: 0 };
    entry.plots += 1;
    entry.consumptionHa += p.measure.consumptionM2 / M2_PER_HA;
    bySite.set(p.siteId, entry);
  }
  if (bySite.size === 0) return [];
  const sites = await db
    .selectFrom('sites')
    .where('id', 'in', [...bySite.keys()])
    .select(['id', 'name', 'communeInsee'])
    .execute();
  return sites
    .map((s) => ({ ...s, ...bySite.get(s.id)! }))
    .sort((a, b) => b.consumptionHa - a.consumptionHa || a.name.localeCompare(b.name, 'fr'));
}

/** The box of a level's communes [west, south, east, north], for its map; null without geometry. */
export async function communesBounds(
  db: Kysely<Database>,
  insees: string[],
): Promise<[number, number, number, number] | null> {
  if (insees.length === 0) return null;
  const { rows } = await sql<{ w: number | null; s: number; e: number; n: number }>`
    SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Extent(geom)::geometry AS b FROM communes WHERE insee = ANY(${insees}::text[])) x`.execute(db);
  const r = rows[0];
  return r && r.w !== null ? [r.w, r.s, r.e, r.n] : null;
}

export async function territoryZan(db: Kysely<Database>, rules: ZanRuleSet, territory: ZanTerritory) {
  const insees = territory.communes.map((c) => c.insee);
  const [communes, pipeline, vintages] = await Promise.all([
    communeEnvelopes(db, rules, territory.communes),
    insees.length ? measurePlots(db, rules, { communes: insees, pipelineOnly: true }) : Promise.resolve([]),
    dataVintages(db, insees),
  ]);
  const envelope = sumEnvelopes(rules, communes);
  const expected = plotTotals(pipeline);
  return {
    communes,
    envelope,
    missingData: missingData(rules, communes),
    pipelineSites: await pipelineBySite(db, pipeline),
    pipeline: {
      ...expected,
      pressure: envelope ? envelopeShare(expected.consumptionHa, envelope.remainingHa) : null,
    },
    series: yearlySeries(rules, communes),
    vintages,
  };
}
