// The investor sheet of one site (GET /sites/{id}/sheet): everything a site-selection
// consultant forwards, on one page: location, territory and EPCI, areas, plots with status
// and price, utilities and power, distances, procedures cleared (labelling criteria met for
// turnkey sites), and the site manager's contacts. Contacts are the legal entities of CNIG
// site_moa_* fields; plot owners and buyers are never shown here, whoever they are.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { escapeHtml } from '../http/html.js';
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
    communeShareOfRemaining: zan.commune?.shareOfRemaining ?? null,
    epciShareOfRemaining: zan.epci?.shareOfRemaining ?? null,
  };
}

/** A cell's text: an absent value reads as a dash. */
const cell = (value: unknown) => escapeHtml(String(value ?? '—'));
const yesNo = (v: boolean | null) => (v === null ? 'unknown' : v ? 'yes' : 'no');
const km = (v: number | null) => (v === null ? '—' : `${v} km`);

function table(rows: [string, unknown][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${cell(k)}</th><td>${cell(v)}</td></tr>`).join('')}</table>`;
}

/** A self-contained printable page (no script, no external resource). */
export function sheetHtml(sheet: SiteSheet): string {
  const s = sheet.site;
  const plotsRows = sheet.plots
    .map(
      (p) =>
        `<tr><td>${cell(p.cnigId)}</td><td class="n">${cell(p.areaHa)}</td><td>${cell(p.marketingStage)}</td><td>${cell(p.developmentStage)}</td><td>${cell(p.planningZone)}</td><td class="n">${cell(p.priceEurM2)}</td><td>${cell(p.availableFrom)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>${cell(s.name)} — fiche site</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#111}h1{margin:0 0 .2rem}h2{border-bottom:1px solid #999;margin-top:1.4rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{width:35%;background:#f4f4f4}
.n{text-align:right}.muted{color:#555}@media print{body{margin:1cm}a{color:inherit}}
</style></head><body>
<h1>${cell(s.name)}</h1>
<p class="muted">${cell(s.cnigId)} · ${cell(s.siteType)} · ${cell(s.state)} · fiche du ${cell(sheet.generatedOn)}</p>
<h2>Location</h2>
${table([
  ['Commune', `${s.location.commune.name} (${s.location.commune.insee}), département ${s.location.commune.department}`],
  ['EPCI', `${s.location.epci.name} (${s.location.epci.siren})`],
  ["Territoire d'industrie", s.location.territories.map((t) => t.name).join(', ') || 'none'],
  ['Point', s.location.point ? (s.location.point.coordinates as number[]).join(', ') : null],
])}
<h2>Areas</h2>
${table([
  ['Area of the perimeter', `${s.areas.areaHa} ha`],
  ['Usable area', `${s.areas.usableAreaHa} ha`],
  [
    'Available area',
    s.availabilitySource === 'plots'
      ? `${s.areas.availableAreaHa} ha in ${s.plots.availableCount} plot(s) for sale`
      : s.areas.availableAreaHa === null
        ? null
        : `${s.areas.availableAreaHa} ha (declared, no plot recorded)`,
  ],
  [
    'Declared available area (site_surf_comm_dispo)',
    s.areas.declaredAvailableAreaHa === null ? null : `${s.areas.declaredAvailableAreaHa} ha`,
  ],
  ['Largest single available plot', s.areas.maxPlotAreaHa === null ? null : `${s.areas.maxPlotAreaHa} ha`],
  ['Lowest price of the plots for sale', s.lowestPriceEurM2 === null ? null : `${s.lowestPriceEurM2} €/m²`],
  ['Available from', s.availableFrom],
])}
<h2>Plots</h2>
<table><tr><th>Plot</th><th>ha</th><th>Marketing</th><th>Development</th><th>Zone</th><th>€/m²</th><th>Available from</th></tr>${plotsRows}</table>
<h2>Utilities</h2>
${table([
  [
    'Electricity',
    `${yesNo(s.utilities.electricity)}${s.utilities.powerMw !== null ? `, ${s.utilities.powerMw} MW` : ''}`,
  ],
  ['Gas', yesNo(s.utilities.gas)],
  ['Drinking water', yesNo(s.utilities.drinkingWater)],
  ['Sewerage', yesNo(s.utilities.sewerage)],
  ['Fibre', yesNo(s.utilities.fibre)],
])}
<h2>Access</h2>
${table([
  ['Rail siding (ITE)', yesNo(s.access.railSiding)],
  ['River quay', yesNo(s.access.riverQuay)],
  ['Motorway interchange', `${s.access.motorway.name ?? ''} ${km(s.access.motorway.interchangeKm)}`],
  ['Freight station', km(s.access.freightStation.km)],
  ['Station', km(s.access.station.km)],
  ['Port', km(s.access.port.km)],
  ['Airport', km(s.access.airport.km)],
])}
<h2>Turnkey site</h2>
${table([
  ['Programme', s.turnkey.programme ?? 'not in the programme'],
  [
    'Label',
    s.turnkey.labelStatus ? `${s.turnkey.labelStatus}${s.turnkey.labelDate ? ` (${s.turnkey.labelDate})` : ''}` : null,
  ],
  ['Procedures cleared', sheet.proceduresCleared.map((p) => p.title).join('; ') || 'none recorded'],
])}
<h2>ZAN (zéro artificialisation nette)</h2>
${
  sheet.zan
    ? table([
        ['Rule set', sheet.zan.ruleSet],
        ['NAF land consumed if developed', `${sheet.zan.nafConsumptionHa} ha`],
        ["Charged to the commune's envelope", `${sheet.zan.consumptionHa} ha`],
        [
          'Share already urbanised (renewal)',
          sheet.zan.renewalShare === null ? null : `${Math.round(sheet.zan.renewalShare * 100)} %`,
        ],
        [
          "Share of the commune's remaining 2021-2030 envelope",
          sheet.zan.communeShareOfRemaining === null
            ? null
            : `${Math.round(sheet.zan.communeShareOfRemaining * 100)} %`,
        ],
        [
          "Share of the EPCI's remaining envelope",
          sheet.zan.epciShareOfRemaining === null ? null : `${Math.round(sheet.zan.epciShareOfRemaining * 100)} %`,
        ],
      ])
    : '<p class="muted">No plot to measure on this site.</p>'
}
<h2>Contacts</h2>
${table(sheet.contacts.map((c) => [c.role, c.name] as [string, unknown]))}
</body></html>`;
}
