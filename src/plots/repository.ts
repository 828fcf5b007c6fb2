// Plots (CNIG terrain-eco): reads with their site and commune.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { asGeoJson, bbox, pointOnSurfaceGeoJson } from '../db/postgis.js';

export async function findPlot(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('plots as p')
    .innerJoin('sites as s', 's.id', 'p.siteId')
    .leftJoin('communes as c', 'c.insee', 'p.communeInsee')
    .where('p.id', '=', id)
    .where('p.deletedAt', 'is', null)
    .selectAll('p')
    .select((eb) => [
      's.name as siteName',
      's.cnigId as siteCnigId',
      'c.name as communeName',
      asGeoJson(eb.ref('p.geom')).as('geometry'),
      pointOnSurfaceGeoJson(eb.ref('p.geom')).as('point'),
      bbox(eb.ref('p.geom')).as('bbox'),
    ])
    .executeTakeFirst();
}

export type PlotRow = NonNullable<Awaited<ReturnType<typeof findPlot>>>;

/** The plots of a site drawn on its page: geometry and what the map colours them by. */
export async function sitePlotShapes(db: Kysely<Database>, siteId: string) {
  return db
    .selectFrom('plots as p')
    .where('p.siteId', '=', siteId)
    .where('p.deletedAt', 'is', null)
    .select((eb) => [
      'p.id',
      'p.cnigId',
      'p.marketingStage',
      'p.occupation',
      asGeoJson(eb.ref('p.geom')).as('geometry'),
    ])
    .orderBy('p.cnigId')
    .execute();
}
