// The investor sheet of one site (GET /sites/{id}/sheet as JSON; its HTML is the site page,
// web/investor/site.tsx): everything a site-selection consultant forwards, on one page: location,
// territory and EPCI, areas, plots with status and price, utilities and power, distances,
// procedures cleared (labelling criteria met for

// turnkey sites), and the site manager's contacts. Contacts are the legal entities of CNIG
// site_moa_* fields; plot owners and buyers are never shown here, whoever they are.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import { findSite } from '../sites/repository.js';
import { toSiteJson, type SiteJson } from '../sites/representation.js';
import { ruleSet } from '../zan/rule-sets.js';
import { siteZan } from '../zan/representation.js';

export interface SheetPlot {
  id: string;
  cnigId: string;
  areaHa: number;
  marketingStage: string;
  developmentStage: string;
  occupation: string;
  planningZone: string | null;
  turnkey: boolean | null;
  priceEurM2: number | null;
  availableFrom: string | null;
}

export interface SheetZan {
  ruleSet: string;
  /** NAF land that developing the plots still free would consume, hectares. */
  nafConsumptionHa: number;
  /** The part charged to the commune's 2021-2030 envelope (brownfield and PENE land excluded). */
  consumptionHa: number;
  renewalShare: number | null;
  /** The share of the site's plots on brownfield land (CNIG friches), by area. */
  brownfieldShare: number | null;
  communeShareOfRemaining: number | null;
  epciShareOfRemaining: number | null;
}

export interface SiteSheet {
  site: SiteJson;
  plots: SheetPlot[];
  proceduresCleared: { criterionId: string; title: string; group: string; assessedAt: string }[];
  contacts: { role: string; name: string }[];
  /** ZAN figures under the default rule set; null when the site has no plot to measure. */
  zan: SheetZan | null;
  generatedOn: string;
}

export async function siteSheet(db: Kysely<Database>, id: string, today: string): Promise<SiteSheet | undefined> {
  const row = await findSite(db, id);
  if (!row) return undefined;
  const site = toSiteJson(row);
  const plots = await db
    .selectFrom('plots')
    .select([
      'id',
      'cnigId',
      'areaHa',
      'marketingStage',
      'developmentStage',
      'occupation',
      'planningZone',
      'turnkey',
      'priceEurM2',
      'availableFrom',
    ])
    .where('siteId', '=', id)
    .where('deletedAt', 'is', null)
    .orderBy('cnigId')
    .execute();
  const cleared = site.turnkey.programme
    ? await db
        .selectFrom('labelAssessments')
        .select(['criterionId', 'gridVersion', 'assessedAt'])
        .where('siteId', '=', id)
        .where('status', '=', 'met')
        .orderBy('criterionId')
        .execute()
    : [];
  const grids =
    cleared.length > 0 ? await db.selectFrom('labellingGrids').select(['version', 'criteria']).execute() : [];
  const criterion = (version: string, criterionId: string) =>
    (
      (grids.find((g) => g.version === version)?.criteria as
        | { id: string; title: string; group: string }[]
        | undefined) ?? []
    ).find((c) => c.id === criterionId);
  const m = site.management;
  const contacts = [
    { role: 'Maître d’ouvrage (site_moa_nom)', name: m.ownerName },
    { role: 'Aménageur (site_moa_amngt)', name: m.developerName },
    { role: 'Commercialisation (site_moa_comm)', name: m.marketerName },
    { role: 'EPCI', name: site.location.epci.name },
  ].filter((c): c is { role: string; name: string } => c.name !== null);
  return {
    site,
    plots: plots.map((p) => ({ ...p, areaHa: round(p.areaHa, 4) })),
    proceduresCleared: cleared.map((a) => {
      const c = criterion(a.gridVersion, a.criterionId);
      return {
        criterionId: a.criterionId,
        title: c?.title ?? a.criterionId,
        group: c?.group ?? '',
        assessedAt: new Date(a.assessedAt).toISOString().slice(0, 10),
      };
    }),
    contacts,
    zan: await sheetZan(db, id),
    generatedOn: today,
  };
}

async function sheetZan(db: Kysely<Database>, id: string): Promise<SheetZan | null> {
  const zan = await siteZan(db, ruleSet(), id);
  if (!zan || zan.plots.length === 0) return null;
  return {
    ruleSet: zan.ruleSet.id,
    nafConsumptionHa: zan.expected.nafConsumptionHa ?? 0,
    consumptionHa: zan.expected.consumptionHa ?? 0,
    renewalShare: zan.renewal.measuredShare,
    brownfieldShare: zan.totals.areaHa > 0 ? round((zan.totals.brownfieldHa ?? 0) / zan.totals.areaHa, 4) : null,
    communeShareOfRemaining: zan.commune?.shareOfRemaining ?? null,
    epciShareOfRemaining: zan.epci?.shareOfRemaining ?? null,
  };
}
