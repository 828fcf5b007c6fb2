// Sites (CNIG site-eco): reads with their EPCI, commune, territories and plot summary.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { asGeoJson, bbox, pointOnSurfaceGeoJson } from '../db/postgis.js';
import { forSaleStages } from '../plots/vocabulary.js';

const forSale = sql`p.marketing_stage IN (${sql.join(forSaleStages)})`;

export async function findSite(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('sites as s')
    .innerJoin('epci as e', 'e.siren', 's.epciSiren')
    .innerJoin('communes as c', 'c.insee', 's.communeInsee')
    .where('s.id', '=', id)
    .where('s.deletedAt', 'is', null)
    .selectAll('s')
    .select((eb) => [
      'e.name as epciName',
      'c.name as communeName',
      'c.department as department',
      asGeoJson(eb.ref('s.geom')).as('geometry'),
      pointOnSurfaceGeoJson(eb.ref('s.geom')).as('point'),
      bbox(eb.ref('s.geom')).as('bbox'),
      sql<{ id: string; name: string }[]>`coalesce((
        SELECT json_agg(json_build_object('id', t.id, 'name', t.name) ORDER BY t.name)
        FROM territory_epci te JOIN territories t ON t.id = te.territory_id
        WHERE te.epci_siren = s.epci_siren), '[]'::json)`.as('territories'),
      sql<{
        count: number;
        areaHa: number;
        availableCount: number;
        availableAreaHa: number;
        largestAvailableHa: number | null;
      }>`(
        SELECT json_build_object(
          'count', count(*),
          'areaHa', coalesce(sum(p.area_ha), 0),
          'availableCount', count(*) FILTER (WHERE ${forSale}),
          'availableAreaHa', coalesce(sum(p.area_ha) FILTER (WHERE ${forSale}), 0),
          'largestAvailableHa', max(p.area_ha) FILTER (WHERE ${forSale}))
        FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL)`.as('plotStats'),
    ])
    .executeTakeFirst();
}

export type SiteRow = NonNullable<Awaited<ReturnType<typeof findSite>>>;
