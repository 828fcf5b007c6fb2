// The checks of one plot's data against itself and the land it names (issue #14 B3), shared by
// the plot (`GET /plots/{id}` lists them), the import report (as warnings: the row is kept) and
// the territory's quality report: a declared area off the drawn one by more than 10 %, and
// cadastral parcels of another commune than the plot's. The filtering is SQL (a territory holds
// thousands of plots); this module only shapes what it finds.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import type { PlotCheck } from './representation.js';

export type { PlotCheck };

/** A declared area (terr_surf_brute) may differ from the drawn one by 10 % of the drawn area. */
export const AREA_TOLERANCE = 0.1;

/** A plot with something to report, as the check query returns it. */
export interface PlotCheckRow {
  id: string;
  cnigId: string;
  siteId: string;
  siteName: string;
  declaredHa: number;
  drawnHa: number;
  areaOff: boolean;
  commune: string;
  /** Parcels of another commune: a cadastral parcel id starts with its commune's INSEE code. */
  foreignParcels: string[];
}

/** The live plots matching `where` (over `p` and its site `s`) that fail a check. */
export function plotCheckQuery(where: RawBuilder<unknown>): RawBuilder<PlotCheckRow> {
  return sql<PlotCheckRow>`
    SELECT q.* FROM (
      SELECT p.id, p.cnig_id, s.id AS site_id, s.name AS site_name,
             p.gross_area_ha AS declared_ha, p.area_ha AS drawn_ha,
             abs(p.gross_area_ha - p.area_ha) > ${AREA_TOLERANCE} * p.area_ha AS area_off,
             coalesce(p.commune_insee, s.commune_insee) AS commune,
             ARRAY(SELECT r
                   FROM unnest(p.cadastral_refs) AS r
                   WHERE left(r, 5) <> coalesce(p.commune_insee, s.commune_insee)
                   ORDER BY r) AS foreign_parcels
      FROM plots p JOIN sites s ON s.id = p.site_id
      WHERE p.deleted_at IS NULL AND ${where}
    ) q
    WHERE q.area_off OR cardinality(q.foreign_parcels) > 0
    ORDER BY q.cnig_id`;
}

/** What a row of plotCheckQuery says, one entry per failed check. */
export function checksOf(row: PlotCheckRow): PlotCheck[] {
  const checks: PlotCheck[] = [];
  if (row.areaOff) {
    const differencePct = round(((row.declaredHa - row.drawnHa) / row.drawnHa) * 100, 1);
    checks.push({
      check: 'declared_area',
      reason:
        `declared ${round(row.declaredHa, 2)} ha, drawn ${round(row.drawnHa, 2)} ha ` +
        `(${differencePct > 0 ? '+' : ''}${differencePct} %, more than ${AREA_TOLERANCE * 100} %)`,
      declaredHa: row.declaredHa,
      drawnHa: round(row.drawnHa, 4),
      differencePct,
    });
  }
  if (row.foreignParcels.length > 0) {
    const parcelCommunes = [...new Set(row.foreignParcels.map((r) => r.slice(0, 5)))];
    checks.push({
      check: 'parcel_commune',
      reason: `parcels of ${parcelCommunes.join(', ')} on a plot in ${row.commune}: ${row.foreignParcels.join(', ')}`,
      plotCommune: row.commune,
      parcels: row.foreignParcels,
      parcelCommunes,
    });
  }
  return checks;
}

/** The checks of one plot (none when it passes them all, or is gone). */
export async function plotChecks(db: Kysely<Database>, id: string): Promise<PlotCheck[]> {
  const { rows } = await plotCheckQuery(sql`p.id = ${id}`).execute(db);
  return rows.flatMap(checksOf);
}

/** The checks of the plots with these CNIG ids, by CNIG id (an import's batch). */
export async function plotChecksByCnigId(db: Kysely<Database>, cnigIds: string[]): Promise<Map<string, PlotCheck[]>> {
  const found = new Map<string, PlotCheck[]>();
  if (cnigIds.length === 0) return found;
  const { rows } = await plotCheckQuery(sql`p.cnig_id = ANY(CAST(${cnigIds} AS text[]))`).execute(db);
  for (const row of rows) found.set(row.cnigId, checksOf(row));
  return found;
}
