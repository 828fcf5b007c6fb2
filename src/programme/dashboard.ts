// The turnkey-site programme at a glance: progress against the target (about 50 sites),
// states, regions, territories, hectares, brownfield share and readiness bands.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import { labelStates } from '../sites/vocabulary.js';
import { brownfieldShareOfSite, firstTerritoryOfSite } from './site-sql.js';

export interface ProgrammeSiteRow {
  id: string;
  name: string;
  labelDate: string | null;
  labelStatus: string | null;
  areaHa: number;
  availableFrom: string | null;
  urbanisationType: string | null;
  brownfieldShare: number | null;
  regionCode: string | null;
  regionName: string | null;
  territoryId: string | null;
  territoryName: string | null;
}

// A site counts as a brownfield when it renews urban land or most of its plot area is friche.
export const isBrownfield = (s: ProgrammeSiteRow) =>
  s.urbanisationType === 'renouvellement urbain' || (s.brownfieldShare ?? 0) >= 0.5;

export type ReadinessBand = 'ready_now' | 'within_3_years' | 'by_2030' | 'after_2030_or_unknown';

export function readinessBand(availableFrom: string | null, today: string): ReadinessBand {
  if (!availableFrom) return 'after_2030_or_unknown';
  if (availableFrom <= today) return 'ready_now';
  const inThreeYears = `${Number(today.slice(0, 4)) + 3}${today.slice(4)}`;
  if (availableFrom <= inThreeYears) return 'within_3_years';
  return availableFrom <= '2030-12-31' ? 'by_2030' : 'after_2030_or_unknown';
}

// The programme's horizons (issue #15): sites ready in 2024 (the first list), in 2025-2027
// (the programme's current phase) and in 2028-2030 (France 2030's end).
export const readinessPeriods = ['2024', '2025-2027', '2028-2030', 'after_2030_or_unknown'] as const;
export type ReadinessPeriod = (typeof readinessPeriods)[number];

export function readinessPeriod(availableFrom: string | null): ReadinessPeriod {
  if (!availableFrom || availableFrom > '2030-12-31') return 'after_2030_or_unknown';
  if (availableFrom <= '2024-12-31') return '2024';
  return availableFrom <= '2027-12-31' ? '2025-2027' : '2028-2030';
}

function tally<K extends string>(rows: ProgrammeSiteRow[], key: (r: ProgrammeSiteRow) => K) {
  const out = new Map<K, { count: number; areaHa: number }>();
  for (const r of rows) {
    const k = key(r);
    const entry = out.get(k) ?? { count: 0, areaHa: 0 };
    entry.count += 1;
    entry.areaHa += r.areaHa;
    out.set(k, entry);
  }
  return out;
}

/** The programme's sites, one row each; a site in two territories is attributed to the first by id. */
export async function programmeSites(db: Kysely<Database>): Promise<ProgrammeSiteRow[]> {
  const { rows } = await sql<ProgrammeSiteRow>`
    SELECT s.id, s.name, s.label_date, s.label_status, s.area_ha, s.available_from, s.urbanisation_type,
           ${brownfieldShareOfSite} AS brownfield_share,
           t.region_code, t.region_name, t.id AS territory_id, t.name AS territory_name
    FROM sites s
    LEFT JOIN ${firstTerritoryOfSite} ON true
    WHERE s.turnkey_programme IS NOT NULL AND s.deleted_at IS NULL
    ORDER BY s.id`.execute(db);
  return rows;
}

export async function programmeDashboard(db: Kysely<Database>, target: number, today: string) {
  const rows = await programmeSites(db);

  const byState = tally(rows, (r) => r.labelStatus ?? 'none');
  const byRegion = tally(rows, (r) => `${r.regionCode ?? '??'}|${r.regionName ?? 'outside any territory'}`);
  const byTerritory = tally(rows, (r) => `${r.territoryId ?? '-'}|${r.territoryName ?? 'outside any territory'}`);
  const bands = tally(rows, (r) => readinessBand(r.availableFrom, today));
  const periods = tally(rows, (r) => readinessPeriod(r.availableFrom));
  const brownfield = rows.filter(isBrownfield);
  const totalHa = rows.reduce((s, r) => s + r.areaHa, 0);
  const brownfieldHa = brownfield.reduce((s, r) => s + r.areaHa, 0);
  const labelled = byState.get('labelled')?.count ?? 0;

  return {
    target,
    sites: rows.length,
    labelled,
    progress: target > 0 ? round(labelled / target, 3) : null,
    areaHa: round(totalHa, 1),
    byState: ['none', ...labelStates].map((state) => ({
      state,
      count: byState.get(state)?.count ?? 0,
      areaHa: round(byState.get(state)?.areaHa ?? 0, 1),
    })),
    byRegion: [...byRegion]
      .map(([k, v]) => ({ code: k.split('|')[0]!, name: k.split('|')[1]!, count: v.count, areaHa: round(v.areaHa, 1) }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    byTerritory: [...byTerritory]
      .map(([k, v]) => ({ id: k.split('|')[0]!, name: k.split('|')[1]!, count: v.count, areaHa: round(v.areaHa, 1) }))
      .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)),
    land: {
      brownfield: { count: brownfield.length, areaHa: round(brownfieldHa, 1) },
      greenfield: { count: rows.length - brownfield.length, areaHa: round(totalHa - brownfieldHa, 1) },
      brownfieldShareByCount: rows.length ? round(brownfield.length / rows.length, 3) : null,
      brownfieldShareByArea: totalHa ? round(brownfieldHa / totalHa, 3) : null,
    },
    readinessByYear: [...tally(rows, (r) => (r.availableFrom ? r.availableFrom.slice(0, 4) : 'unknown'))]
      .map(([year, v]) => ({ year, count: v.count, areaHa: round(v.areaHa, 1) }))
      .sort((a, b) => a.year.localeCompare(b.year)),
    readinessByPeriod: readinessPeriods.map((period) => ({
      period,
      count: periods.get(period)?.count ?? 0,
      areaHa: round(periods.get(period)?.areaHa ?? 0, 1),
    })),
    readiness: (['ready_now', 'within_3_years', 'by_2030', 'after_2030_or_unknown'] as const).map((band) => ({
      band,
      count: bands.get(band)?.count ?? 0,
      areaHa: round(bands.get(band)?.areaHa ?? 0, 1),
    })),
    asOf: today,
  };
}
