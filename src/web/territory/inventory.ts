// What the territory pages show: the territories a viewer keeps (an editor's own, all for an
// admin), and a territory's plots with their site, filtered as the inventory page's form asks
// (site or plot name, marketing stage, only the plots failing a quality check).
import { sql, type Kysely } from 'kysely';
import type { Viewer } from '../../auth/viewer.js';
import type { Database } from '../../db/schema.js';
import { checksOf, plotCheckQuery } from '../../quality/checks.js';
import type { PlotCheck } from '../../quality/representation.js';

export async function territoriesKept(db: Kysely<Database>, viewer: Viewer) {
  let query = db.selectFrom('territories').select(['id', 'name']).orderBy('name');
  if (viewer.role === 'editor') query = query.where('id', 'in', viewer.territories.length ? viewer.territories : ['']);
  return query.execute();
}

const inTerritory = (territoryId: string) =>
  sql`s.deleted_at IS NULL AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${territoryId})`;

export interface InventorySite {
  id: string;
  cnigId: string;
  name: string;
  communeInsee: string;
  powerMw: number | null;
  availableFrom: string | null;
  plots: number;
}

/** The territory's live sites, by name, with what investors filter on (and where a new plot may go). */
export async function territorySites(db: Kysely<Database>, territoryId: string): Promise<InventorySite[]> {
  const { rows } = await sql<InventorySite>`
    SELECT s.id, s.cnig_id, s.name, s.commune_insee, s.power_mw, s.available_from,
           (SELECT count(*)::int FROM plots p WHERE p.site_id = s.id AND p.deleted_at IS NULL) AS plots
    FROM sites s WHERE ${inTerritory(territoryId)} ORDER BY s.name, s.cnig_id`.execute(db);
  return rows.map((row) => ({ ...row, availableFrom: row.availableFrom === null ? null : String(row.availableFrom) }));
}

export interface InventoryFilters {
  /** Part of the site's name or the plot's CNIG id, accents and case as typed. */
  q?: string;
  stage?: string;
  /** Only the plots failing a quality check. */
  failing?: boolean;
}

export interface InventoryPlot {
  id: string;
  cnigId: string;
  siteId: string;
  siteName: string;
  communeInsee: string | null;
  areaHa: number;
  marketingStage: string;
  priceEurM2: number | null;
  availableFrom: string | null;
  updatedOn: string;
  checks: PlotCheck[];
}

export async function territoryInventory(
  db: Kysely<Database>,
  territoryId: string,
  filters: InventoryFilters,
): Promise<InventoryPlot[]> {
  // strpos over lower(): a substring match without pg_trgm (which PGlite lacks), the text a parameter.
  const q = filters.q?.trim().toLowerCase();
  const { rows } = await sql<Omit<InventoryPlot, 'checks'>>`
    SELECT p.id, p.cnig_id, s.id AS site_id, s.name AS site_name, p.commune_insee, p.area_ha, p.marketing_stage,
           p.price_eur_m2, p.available_from, p.updated_on
    FROM plots p JOIN sites s ON s.id = p.site_id
    WHERE p.deleted_at IS NULL AND ${inTerritory(territoryId)}
      ${q ? sql`AND (strpos(lower(s.name), ${q}) > 0 OR strpos(lower(p.cnig_id), ${q}) > 0)` : sql``}
      ${filters.stage ? sql`AND p.marketing_stage = ${filters.stage}` : sql``}
    ORDER BY s.name, p.cnig_id`.execute(db);
  const failing = await plotCheckQuery(inTerritory(territoryId)).execute(db);
  const checks = new Map(failing.rows.map((row) => [row.id, checksOf(row)]));
  return rows
    .map((row) => ({ ...row, updatedOn: String(row.updatedOn), checks: checks.get(row.id) ?? [] }))
    .filter((row) => !filters.failing || row.checks.length > 0);
}
