// Territoires d'industrie: lists with their catalogue figures, details, boundaries.
import type { MultiPolygon } from 'geojson';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { asGeoJson, bbox } from '../db/postgis.js';
import { forSaleStages } from '../plots/vocabulary.js';

function catalogueStats(db: Kysely<Database>) {
  // One pass over the live sites and plots, grouped by territory.
  const siteStats = db
    .selectFrom('territoryEpci as te')
    .innerJoin('sites as s', (j) => j.onRef('s.epciSiren', '=', 'te.epciSiren').on('s.deletedAt', 'is', null))
    .select((eb) => [
      'te.territoryId',
      eb.fn.countAll<number>().as('sitesCount'),
      sql<number>`coalesce(sum(s.area_ha), 0)`.as('sitesHa'),
      sql<number>`count(*) FILTER (WHERE s.turnkey_programme IS NOT NULL)`.as('turnkeySitesCount'),
    ])
    .groupBy('te.territoryId');
  const plotStats = db
    .selectFrom('territoryEpci as te')
    .innerJoin('sites as s', (j) => j.onRef('s.epciSiren', '=', 'te.epciSiren').on('s.deletedAt', 'is', null))
    .innerJoin('plots as p', (j) => j.onRef('p.siteId', '=', 's.id').on('p.deletedAt', 'is', null))
    .select((eb) => [
      'te.territoryId',
      eb.fn.countAll<number>().as('plotsCount'),
      sql<number>`coalesce(sum(p.area_ha), 0)`.as('plotsHa'),
      sql<number>`count(*) FILTER (WHERE p.marketing_stage IN (${sql.join(forSaleStages)}))`.as('availablePlotsCount'),
      sql<number>`coalesce(sum(p.area_ha) FILTER (WHERE p.marketing_stage IN (${sql.join(forSaleStages)})), 0)`.as(
        'availablePlotsHa',
      ),
    ])
    .groupBy('te.territoryId');
  return { siteStats, plotStats };
}

function territorySummaries(db: Kysely<Database>) {
  const { siteStats, plotStats } = catalogueStats(db);
  return db
    .selectFrom('territories as t')
    .leftJoin(siteStats.as('ss'), 'ss.territoryId', 't.id')
    .leftJoin(plotStats.as('ps'), 'ps.territoryId', 't.id')
    .select((eb) => [
      't.id',
      't.name',
      't.regionCode',
      't.regionName',
      't.phases',
      't.rebondIndustriel',
      't.rebondDate',
      't.areaHa',
      eb
        .selectFrom('territoryEpci as te')
        .whereRef('te.territoryId', '=', 't.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('epciCount'),
      sql<number>`coalesce(ss.sites_count, 0)`.as('sitesCount'),
      sql<number>`coalesce(ss.sites_ha, 0)`.as('sitesHa'),
      sql<number>`coalesce(ss.turnkey_sites_count, 0)`.as('turnkeySitesCount'),
      sql<number>`coalesce(ps.plots_count, 0)`.as('plotsCount'),
      sql<number>`coalesce(ps.plots_ha, 0)`.as('plotsHa'),
      sql<number>`coalesce(ps.available_plots_count, 0)`.as('availablePlotsCount'),
      sql<number>`coalesce(ps.available_plots_ha, 0)`.as('availablePlotsHa'),
    ]);
}

export type TerritorySummaryRow = Awaited<ReturnType<ReturnType<typeof territorySummaries>['executeTakeFirstOrThrow']>>;

export async function listTerritories(db: Kysely<Database>): Promise<TerritorySummaryRow[]> {
  return territorySummaries(db).orderBy('t.name').orderBy('t.id').execute();
}

export async function findTerritory(db: Kysely<Database>, id: string) {
  const summary = await territorySummaries(db)
    .select((eb) => [
      bbox(eb.ref('t.geom')).as('bbox'),
      eb
        .selectFrom('communes as c')
        .innerJoin('territoryEpci as te', 'te.epciSiren', 'c.epciSiren')
        .whereRef('te.territoryId', '=', 't.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('communesCount'),
    ])
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (!summary) return undefined;
  const epci = await db
    .selectFrom('territoryEpci as te')
    .innerJoin('epci as e', 'e.siren', 'te.epciSiren')
    .where('te.territoryId', '=', id)
    .select(['e.siren', 'e.name', 'e.nature', 'e.areaHa'])
    .orderBy('e.name')
    .orderBy('e.siren')
    .execute();
  return { ...summary, epci };
}

export async function findTerritoryBoundary(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('territories as t')
    .where('t.id', '=', id)
    .select((eb) => [
      't.id',
      't.name',
      't.areaHa',
      asGeoJson<MultiPolygon>(eb.ref('t.geom')).as('geometry'),
      bbox(eb.ref('t.geom')).as('bbox'),
    ])
    .executeTakeFirst();
}

/** Recomputes a territory's boundary as the union of its member EPCI. */
export async function refreshTerritoryGeometry(db: Kysely<Database>, id?: string): Promise<void> {
  await sql`
    UPDATE territories t SET geom = u.geom
    FROM (
      SELECT te.territory_id, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(e.geom)), 3)) AS geom
      FROM territory_epci te JOIN epci e ON e.siren = te.epci_siren
      ${id === undefined ? sql`` : sql`WHERE te.territory_id = ${id}`}
      GROUP BY te.territory_id
    ) u
    WHERE u.territory_id = t.id`.execute(db);
}
