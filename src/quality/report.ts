// A territory's data-quality report (issue #16 item 3): its plots failing a check
// (quality/checks.ts), its overlapping plots, its sites lacking what investors filter on
// (power, availability), and its records not updated for 12 months by the app's clock. Each
// list is one SQL statement over the territory's sites (through the EPCI of each site).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import { AREA_TOLERANCE, checksOf, plotCheckQuery } from './checks.js';
import type { QualityReport } from './representation.js';

/** A record whose CNIG update date is older than this many months is stale. */
export const STALE_MONTHS = 12;

const inTerritory = (territoryId: string) =>
  sql`s.deleted_at IS NULL
      AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territoryId})`;

interface OverlapRow {
  aId: string;
  aCnigId: string;
  aSiteId: string;
  aSiteName: string;
  bId: string;
  bCnigId: string;
  bSiteId: string;
  bSiteName: string;
  overlapHa: number;
}

/**
 * Pairs of live plots whose interiors intersect (DE-9IM 2********: they share an area, not
 * only a boundary, so adjoining plots drawn from the cadastre do not count), one of them in
 * the territory.
 */
async function overlaps(db: Kysely<Database>, territoryId: string): Promise<OverlapRow[]> {
  const { rows } = await sql<OverlapRow>`
    SELECT a.id AS a_id, a.cnig_id AS a_cnig_id, s.id AS a_site_id, s.name AS a_site_name,
           b.id AS b_id, b.cnig_id AS b_cnig_id, sb.id AS b_site_id, sb.name AS b_site_name,
           ST_Area(ST_Intersection(a.geom, b.geom)::geography) / 10000 AS overlap_ha
    FROM plots a JOIN sites s ON s.id = a.site_id
    JOIN plots b ON b.geom && a.geom AND b.id <> a.id AND b.deleted_at IS NULL
    JOIN sites sb ON sb.id = b.site_id AND sb.deleted_at IS NULL
    WHERE a.deleted_at IS NULL AND ${inTerritory(territoryId)}
      -- each pair once: by id when both are in the territory, else from the one inside it
      AND (a.id < b.id
           OR sb.epci_siren NOT IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territoryId}))
      AND ST_Relate(a.geom, b.geom, '2********')
    ORDER BY a.cnig_id, b.cnig_id`.execute(db);
  return rows;
}

/** The territory a report is about, or undefined when there is none. */
export function findReportedTerritory(db: Kysely<Database>, id: string) {
  return db.selectFrom('territories').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

export async function territoryQuality(
  db: Kysely<Database>,
  territory: { id: string; name: string },
  today: string,
): Promise<QualityReport> {
  const where = inTerritory(territory.id);
  const [counts, plotRows, overlapRows, missing, stale] = await Promise.all([
    sql<{ sites: number; plots: number }>`
      SELECT (SELECT count(*)::int FROM sites s WHERE ${where}) AS sites,
             (SELECT count(*)::int
              FROM plots p JOIN sites s ON s.id = p.site_id
              WHERE p.deleted_at IS NULL AND ${where}) AS plots`.execute(db),
    plotCheckQuery(where).execute(db),
    overlaps(db, territory.id),
    // What the investor search filters on (search/brief.ts: min_power_mw, available_before):
    // a site's availability may come from its plots.
    sql<{ id: string; cnigId: string; name: string; noPower: boolean; noAvailability: boolean }>`
      SELECT q.* FROM (
        SELECT s.id, s.cnig_id, s.name, s.power_mw IS NULL AS no_power,
               s.available_from IS NULL AND NOT EXISTS (
                 SELECT 1
                 FROM plots p
                 WHERE p.site_id = s.id AND p.deleted_at IS NULL AND p.available_from IS NOT NULL
               ) AS no_availability
        FROM sites s WHERE ${where}
      ) q WHERE q.no_power OR q.no_availability ORDER BY q.cnig_id`.execute(db),
    // The CNIG update date (site_actu_date, terr_actu_date; an API write sets it to the app's
    // day), against the app's clock: never current_date.
    sql<{ entity: 'site' | 'plot'; id: string; cnigId: string; name: string; updatedOn: string }>`
      SELECT * FROM (
        SELECT 'site' AS entity, s.id, s.cnig_id, s.name, s.updated_on FROM sites s WHERE ${where}
        UNION ALL
        SELECT 'plot', p.id, p.cnig_id, s.name, p.updated_on
        FROM plots p JOIN sites s ON s.id = p.site_id
        WHERE p.deleted_at IS NULL AND ${where}
      ) r
      WHERE r.updated_on < CAST(${today} AS date) - make_interval(months => ${STALE_MONTHS})
      ORDER BY r.updated_on, r.cnig_id`.execute(db),
  ]);
  const plotChecks = plotRows.rows.map((row) => ({
    id: row.id,
    cnigId: row.cnigId,
    site: { id: row.siteId, name: row.siteName },
    checks: checksOf(row),
  }));
  const failing = (check: string) => plotChecks.filter((p) => p.checks.some((c) => c.check === check)).length;
  return {
    territory,
    today,
    thresholds: { areaTolerancePct: AREA_TOLERANCE * 100, staleMonths: STALE_MONTHS },
    counts: {
      sites: counts.rows[0]!.sites,
      plots: counts.rows[0]!.plots,
      areaMismatches: failing('declared_area'),
      parcelCommunes: failing('parcel_commune'),
      overlaps: overlapRows.length,
      missingInvestorFields: missing.rows.length,
      stale: stale.rows.length,
    },
    plotChecks,
    overlaps: overlapRows.map((o) => ({
      plots: [
        { id: o.aId, cnigId: o.aCnigId, site: { id: o.aSiteId, name: o.aSiteName } },
        { id: o.bId, cnigId: o.bCnigId, site: { id: o.bSiteId, name: o.bSiteName } },
      ],
      overlapHa: round(o.overlapHa, 4),
    })),
    missingInvestorFields: missing.rows.map((m) => ({
      site: { id: m.id, cnigId: m.cnigId, name: m.name },
      missing: [...(m.noPower ? ['powerMw' as const] : []), ...(m.noAvailability ? ['availableFrom' as const] : [])],
    })),
    stale: stale.rows.map((r) => ({ ...r, updatedOn: String(r.updatedOn) })),
  };
}
