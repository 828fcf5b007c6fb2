// SQL fragments over a site row aliased `s`, shared by the programme dashboard and the labelling
// queue and dossier, so that "brownfield share" and "the site's territory" mean one thing.

import { sql } from 'kysely';

/** The share of the site's live plot area that is brownfield (`friche`), null without plot area. */
export const brownfieldShareOfSite = sql<number | null>`(
  SELECT sum(p.area_ha) FILTER (WHERE p.occupation = 'friche') / nullif(sum(p.area_ha), 0)
  FROM plots p
  WHERE p.site_id = s.id AND p.deleted_at IS NULL)`;

/** A LATERAL subquery `t`: the site's first territory by id (a site may be in two). */
export const firstTerritoryOfSite = sql`LATERAL (
  SELECT t.*
  FROM territory_epci te
  JOIN territories t ON t.id = te.territory_id
  WHERE te.epci_siren = s.epci_siren
  ORDER BY t.id
  LIMIT 1
) t`;
