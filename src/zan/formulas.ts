// ZAN formulas as pure functions over plain numbers: the commune envelope (reference decade,
// reduction, 1 ha guarantee), its aggregation to EPCI and territories, and what a plot would
// consume. No database access and no HTTP here (only the row type), so the golden tests can
// check them by hand.
import type { Destination, PlanningStatus, ZanRuleSet } from './rule-sets.js';
import type { Selectable } from 'kysely';
import type { CommuneConsumptionTable } from '../db/schema.js';

const M2_PER_HA = 10_000;

/** One commune-year of Cerema consumption (gross flow, m², renaturation not subtracted): a
 * commune_consumption row without its keys and provenance. */
export type ConsumptionYear = Omit<Selectable<CommuneConsumptionTable>, 'insee' | 'vintage' | 'source'>;

const destinationField: Record<Destination, keyof ConsumptionYear> = {
  activity: 'activityM2',
  housing: 'housingM2',
  mixed: 'mixedM2',
  road: 'roadM2',
  rail: 'railM2',
  unknown: 'unknownM2',
};

/** The consumption a rule set counts for one year: total minus the excluded destinations. */
export function countedM2(rules: ZanRuleSet, year: ConsumptionYear): number {
  const excluded = rules.excludedDestinations.reduce((sum, d) => sum + (year[destinationField[d]] as number), 0);
  return Math.max(0, year.nafM2 - excluded);
}

export interface Envelope {
  /** Reference decade, total NAF consumption and its activity part, ha. */
  referenceHa: number;
  referenceActivityHa: number;
  /** What the rule set counts of the reference (excluded destinations removed), ha. */
  countedReferenceHa: number;
  /** The counted reference after the reduction, before any floor, ha. */
  reducedHa: number;
  /** Allowed over the target window, ha (after reduction and guarantee). */
  allowedHa: number;
  /** Communes whose allowance is the communal guarantee rather than the reduced reference. */
  guaranteedCommunes: number;
  /** Communes that do not keep the guarantee (no planning document in time). */
  guaranteeWithheldCommunes: number;
  consumedHa: number;
  /** Mean counted consumption over the last observed years, ha/year. */
  paceHaPerYear: number;
  /** Consumed plus the pace over the window years not yet observed, ha. */
  projectedHa: number;
  remainingHa: number;
  /** Years of pace the remaining envelope lasts; 0 when exhausted; null at zero pace. */
  yearsToExhaustion: number | null;
  /** The year the envelope runs out: the first observed year the cumulative consumption
   * reaches it, else the year the pace takes it there; null at zero pace. */
  exhaustionYear: number | null;
  /** Counted consumption of each observed window year, ha. */
  windowSeries: { year: number; countedHa: number }[];
  /** Years of the window with data; the last year of a vintage is provisional. */
  observedYears: number[];
  provisionalYears: number[];
  communes: number;
}

export interface CommuneInput {
  insee: string;
  series: ConsumptionYear[];
  /** A territorialised reduction (SRADDET, SCoT) replacing the rule set's default. */
  reductionRate?: number;
  /** Whether the commune keeps the 1 ha guarantee (see `communalGuarantee`); kept when absent. */
  guarantee?: boolean;
}

/** A commune's planning document as recorded (commune_planning_documents). */
export interface PlanningDocument {
  status: PlanningStatus;
  /** When it was prescribed, decided or approved (ISO date); null when unknown or none. */
  statusOn: string | null;
}

/**
 * Whether a commune keeps the communal guarantee: a document prescribed, decided or approved
 * strictly before the rule set's date; the rule set's default when nothing is recorded. A
 * recorded document without its date counts as in time (the date is what may be unknown, the
 * procedure is not).
 */
export function guaranteeFor(
  rules: ZanRuleSet,
  document: PlanningDocument | null,
): { applies: boolean; basis: 'default' | 'recorded' } {
  if (!document) return { applies: rules.communalGuarantee.default === 'applies', basis: 'default' };
  const inTime = document.statusOn === null || document.statusOn < rules.communalGuarantee.documentBefore;
  return { applies: document.status !== 'none' && inTime, basis: 'recorded' };
}

const inRange = (year: number, range: { from: number; to: number }) => year >= range.from && year <= range.to;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Pace, projection and exhaustion from an allowance and the window's observed consumption. */
function trajectory(
  rules: ZanRuleSet,
  allowedHa: number,
  windowSeries: { year: number; countedHa: number }[],
  paceHaPerYear: number,
  lastObservedYear: number | null,
) {
  const consumedHa = sum(windowSeries.map((y) => y.countedHa));
  const lastCounted = Math.max(rules.target.from - 1, lastObservedYear ?? rules.target.from - 1);
  const yearsLeft = Math.max(0, rules.target.to - Math.min(lastCounted, rules.target.to));
  const remainingHa = allowedHa - consumedHa;
  const yearsToExhaustion = remainingHa <= 0 ? 0 : paceHaPerYear > 0 ? remainingHa / paceHaPerYear : null;
  let exhaustionYear: number | null = null;
  let cumulative = 0;
  for (const y of windowSeries) {
    cumulative += y.countedHa;
    if (exhaustionYear === null && cumulative >= allowedHa) exhaustionYear = y.year;
  }
  // Observed years end on 31 December of the last one: 3.6 years of pace after 2023 run out
  // during 2027, 3 years exactly at the end of 2026.
  if (exhaustionYear === null && yearsToExhaustion !== null)
    exhaustionYear = lastCounted + Math.ceil(yearsToExhaustion);
  return {
    consumedHa,
    projectedHa: consumedHa + paceHaPerYear * yearsLeft,
    remainingHa,
    yearsToExhaustion,
    exhaustionYear,
    windowSeries,
  };
}

/** A commune's envelope: the reduction applies to its own reference, then the 1 ha floor. */
export function communeEnvelope(rules: ZanRuleSet, commune: CommuneInput): Envelope {
  const reference = commune.series.filter((y) => inRange(y.year, rules.reference));
  const window = commune.series.filter((y) => inRange(y.year, rules.target));
  const referenceHa = sum(reference.map((y) => y.nafM2)) / M2_PER_HA;
  const countedReferenceHa = sum(reference.map((y) => countedM2(rules, y))) / M2_PER_HA;
  const reduced = countedReferenceHa * (1 - (commune.reductionRate ?? rules.reductionRate));
  // Loi du 20 juillet 2023: at least 1 ha for a commune with a planning document in time.
  const guarantee = commune.guarantee ?? true;
  const allowedHa = guarantee ? Math.max(reduced, rules.communalGuaranteeHa) : reduced;
  const windowSeries = window
    .map((y) => ({ year: y.year, countedHa: countedM2(rules, y) / M2_PER_HA }))
    .sort((a, b) => a.year - b.year);
  const recent = [...commune.series].sort((a, b) => a.year - b.year).slice(-rules.paceYears);
  const paceHaPerYear = recent.length ? sum(recent.map((y) => countedM2(rules, y))) / recent.length / M2_PER_HA : 0;
  const lastObservedYear = commune.series.length ? Math.max(...commune.series.map((y) => y.year)) : null;
  return {
    referenceHa,
    referenceActivityHa: sum(reference.map((y) => y.activityM2)) / M2_PER_HA,
    countedReferenceHa,
    reducedHa: reduced,
    allowedHa,
    guaranteedCommunes: guarantee && reduced < rules.communalGuaranteeHa ? 1 : 0,
    guaranteeWithheldCommunes: guarantee ? 0 : 1,
    paceHaPerYear,
    ...trajectory(rules, allowedHa, windowSeries, paceHaPerYear, lastObservedYear),
    observedYears: window.map((y) => y.year).sort((a, b) => a - b),
    provisionalYears: commune.series
      .filter((y) => y.provisional)
      .map((y) => y.year)
      .sort((a, b) => a - b),
    communes: 1,
  };
}

/**
 * An EPCI's or a territory's envelope: the sum of its communes' envelopes, each with its own
 * floor (the guarantee is per commune, pooled upwards, never applied to the sum).
 */
export function aggregateEnvelopes(rules: ZanRuleSet, envelopes: Envelope[]): Envelope {
  const total = (key: keyof Envelope) => sum(envelopes.map((e) => e[key] as number));
  const allowedHa = total('allowedHa');
  const paceHaPerYear = total('paceHaPerYear');
  const union = (key: 'observedYears' | 'provisionalYears') =>
    [...new Set(envelopes.flatMap((e) => e[key]))].sort((a, b) => a - b);
  const byYear = new Map<number, number>();
  for (const e of envelopes)
    for (const y of e.windowSeries) byYear.set(y.year, (byYear.get(y.year) ?? 0) + y.countedHa);
  const windowSeries = [...byYear].map(([year, countedHa]) => ({ year, countedHa })).sort((a, b) => a.year - b.year);
  const observedYears = union('observedYears');
  const { projectedHa: _ownProjection, ...path } = trajectory(
    rules,
    allowedHa,
    windowSeries,
    paceHaPerYear,
    observedYears.at(-1) ?? null,
  );
  return {
    referenceHa: total('referenceHa'),
    referenceActivityHa: total('referenceActivityHa'),
    countedReferenceHa: total('countedReferenceHa'),
    reducedHa: total('reducedHa'),
    allowedHa,
    guaranteedCommunes: total('guaranteedCommunes'),
    guaranteeWithheldCommunes: total('guaranteeWithheldCommunes'),
    paceHaPerYear,
    ...path,
    // Each commune projected from its own last year, then summed.
    projectedHa: total('projectedHa'),
    observedYears,
    provisionalYears: union('provisionalYears'),
    communes: total('communes'),
  };
}

/**
 * The same level read as SPARTE reads it: the reduction and the 1 ha floor applied once to the
 * level's total (not commune by commune), and the projection as the mean yearly consumption
 * since the window's first year times `rules.sparte.projectionYears`. Shown beside ours; ours
 * follows the law, which gives the floor to each commune.
 */
export function sparteReading(rules: ZanRuleSet, e: Envelope) {
  const floorKept = e.communes > e.guaranteeWithheldCommunes;
  const allowedHa = floorKept ? Math.max(e.reducedHa, rules.communalGuaranteeHa) : e.reducedHa;
  const paceHaPerYear = e.observedYears.length ? e.consumedHa / e.observedYears.length : null;
  return {
    allowedHa,
    paceHaPerYear,
    projectedHa: paceHaPerYear === null ? null : paceHaPerYear * rules.sparte.projectionYears,
  };
}

/** Areas of a plot measured in PostGIS (m², on the ellipsoid). */
export interface PlotAreas {
  areaM2: number;
  /** Plot minus artificialised land cover. */
  nafM2: number;
  /** Plot on a brownfield, and the NAF part of that. */
  brownfieldM2: number;
  nafOnBrownfieldM2: number;
  /** Plot in a PENE perimeter, and its NAF part not on a brownfield. */
  peneM2: number;
  nafInPeneM2: number;
  /** The site's main vocation (CNIG site_vocadomi), for vocation exclusions. */
  siteVocation?: string | null;
}

export type PlotClass = 'already_urbanised' | 'mixed' | 'naf';

export interface PlotMeasure {
  areaM2: number;
  nafM2: number;
  artificialisedShare: number;
  brownfieldM2: number;
  inPene: boolean;
  /** Share of the plot already urbanised: artificial land cover or brownfield. */
  urbanisedShare: number;
  class: PlotClass;
  /** NAF land developing the plot would consume, whoever is charged for it. */
  nafConsumptionM2: number;
  /** The part charged to the commune's envelope (0 on brownfield, PENE or excluded vocations). */
  consumptionM2: number;
  /** The part charged to the national PENE envelope. */
  nationalM2: number;
}

export function plotMeasure(rules: ZanRuleSet, a: PlotAreas): PlotMeasure {
  const nafOffBrownfield = Math.max(0, a.nafM2 - (rules.brownfieldIsUrbanised ? a.nafOnBrownfieldM2 : 0));
  const nationalM2 = rules.peneChargedNationally ? Math.min(a.nafInPeneM2, nafOffBrownfield) : 0;
  const excluded = a.siteVocation != null && rules.excludedSiteVocations.includes(a.siteVocation);
  const urbanisedShare = a.areaM2 > 0 ? 1 - nafOffBrownfield / a.areaM2 : 0;
  const tolerance = rules.classTolerance;
  return {
    areaM2: a.areaM2,
    nafM2: a.nafM2,
    artificialisedShare: a.areaM2 > 0 ? 1 - a.nafM2 / a.areaM2 : 0,
    brownfieldM2: a.brownfieldM2,
    inPene: a.peneM2 > tolerance * a.areaM2,
    urbanisedShare,
    class: urbanisedShare >= 1 - tolerance ? 'already_urbanised' : urbanisedShare <= tolerance ? 'naf' : 'mixed',
    nafConsumptionM2: nafOffBrownfield,
    consumptionM2: excluded ? 0 : nafOffBrownfield - nationalM2,
    nationalM2,
  };
}

/** Share of a remaining envelope an expected consumption would take; null when nothing is left to share. */
export function envelopeShare(consumptionHa: number, remainingHa: number): number | null {
  return remainingHa > 0 ? consumptionHa / remainingHa : null;
}
