// A comparison of 2 to 5 sites (GET /sites/compare): each site's sheet (the site, its plots and
// ZAN figures) and its search item under the default brief (lowest price, brownfield, the score
// and its components), in the order asked. The JSON rows and the page are both read from it.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../http/errors.js';
import type { SiteJson } from '../sites/representation.js';
import { toBrief } from './brief.js';
import { searchStatement } from './repository.js';
import { siteItem } from './representation.js';
import type { SiteFacts } from './score.js';
import { siteSheet, type SiteSheet } from './sheet.js';

export type SiteItem = ReturnType<typeof siteItem>;

export interface ComparedSite {
  sheet: SiteSheet;
  /** The site as the search lists it with no filter: its default score explained. */
  item: SiteItem;
}

/** The sites of `ids` scored by the default brief (no filter), as the search would list them. */
export async function scoredByDefault(
  db: Kysely<Database>,
  ids: string[],
  today: string,
): Promise<Map<string, SiteItem>> {
  const { statement, definition } = searchStatement({
    kind: 'site',
    brief: toBrief({ limit: undefined }),
    output: 'json',
    today,
  });
  // The id condition reaches the sites scan: PostgreSQL pushes it down through the sorted subquery.
  const { rows } = await sql<SiteFacts>`SELECT * FROM (${statement}) m WHERE m.id IN (${sql.join(ids)})`.execute(db);
  return new Map(rows.map((row) => [row.id, siteItem(row, definition)]));
}

export async function compareSites(db: Kysely<Database>, ids: string[], today: string): Promise<ComparedSite[]> {
  const items = await scoredByDefault(db, ids, today);
  const compared: ComparedSite[] = [];
  for (const id of ids) {
    const sheet = await siteSheet(db, id, today);
    const item = items.get(id);
    if (!sheet || !item) throw new NotFoundError('site', id);
    compared.push({ sheet, item });
  }
  return compared;
}

/** The rows of the JSON comparison, one value per site, in the order of the page's rows. */
const comparedRows: [string, (s: ComparedSite) => unknown][] = [
  ['commune', ({ sheet: { site } }) => `${site.location.commune.name} (${site.location.commune.department})`],
  ['epci', ({ sheet: { site } }) => site.location.epci.name],
  ['territories', ({ sheet: { site } }) => site.location.territories.map((t) => t.name).join(', ')],
  ['usableAreaHa', ({ sheet: { site } }) => site.areas.usableAreaHa],
  ['availableAreaHa', ({ sheet: { site } }) => site.areas.availableAreaHa],
  ['largestAvailablePlotHa', ({ sheet: { site } }) => site.areas.maxPlotAreaHa],
  ['availabilitySource', ({ sheet: { site } }) => site.availabilitySource],
  ['availableFrom', ({ sheet: { site } }) => site.availableFrom],
  ['lowestPriceEurM2', ({ item }) => item.lowestPriceEurM2],
  ['brownfield', ({ item }) => item.brownfield],
  ['zanNafConsumptionHa', ({ sheet }) => sheet.zan?.nafConsumptionHa ?? null],
  ['zanCommuneShareOfRemaining', ({ sheet }) => sheet.zan?.communeShareOfRemaining ?? null],
  ['powerMw', ({ sheet: { site } }) => site.utilities.powerMw],
  ['gas', ({ sheet: { site } }) => site.utilities.gas],
  ['fibre', ({ sheet: { site } }) => site.utilities.fibre],
  ['railSiding', ({ sheet: { site } }) => site.access.railSiding],
  ['riverQuay', ({ sheet: { site } }) => site.access.riverQuay],
  ['motorwayInterchangeKm', ({ sheet: { site } }) => site.access.motorway.interchangeKm],
  ['freightStationKm', ({ sheet: { site } }) => site.access.freightStation.km],
  ['portKm', ({ sheet: { site } }) => site.access.port.km],
  ['turnkeyLabel', ({ sheet: { site } }) => site.turnkey.labelStatus],
  ['score', ({ item }) => item.score.total],
];

/** The JSON comparison: the ids, the rows, each site without its geometry, each default score. */
export function comparisonJson(ids: string[], compared: ComparedSite[]) {
  const sites = compared.map(({ sheet: { site } }): Omit<SiteJson, 'geometry'> => {
    const { geometry: _geometry, ...rest } = site;
    return rest;
  });
  return {
    ids,
    rows: comparedRows.map(([criterion, read]) => ({ criterion, values: compared.map(read) })),
    sites,
    scores: compared.map(({ item }) => item.score),
  };
}
