// The JSON documents of the ZAN endpoints, built from the repository's measures: a rule
// set summary, envelopes, plot measures and the per-site figures (also used by the sheet).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import { haFr } from './chart.js';
import { envelopeShare, sparteReading, type Envelope } from './formulas.js';
import type { ZanRuleSet } from './rule-sets.js';
import {
  communeEnvelopes,
  dataVintages,
  epciCommunes,
  measurePlots,
  missingData,
  plotTotals,
  sumEnvelopes,
  type CommuneEnvelope,
} from './repository.js';

export const M2_PER_HA = 10_000;

export const ruleSetSummary = (rules: ZanRuleSet) => ({
  id: rules.id,
  title: rules.title,
  legalBasis: rules.legalBasis,
  referencePeriod: rules.reference,
  targetPeriod: rules.target,
  reductionRate: rules.reductionRate,
  communalGuaranteeHa: rules.communalGuaranteeHa,
  communalGuarantee: {
    ha: rules.communalGuaranteeHa,
    documentBefore: rules.communalGuarantee.documentBefore,
    default: rules.communalGuarantee.default,
  },
  projection: projectionMethod(rules),
  excludedDestinations: rules.excludedDestinations,
  excludedSiteVocations: rules.excludedSiteVocations,
});

/** How `projectedHa` is computed, named in every response that carries one. */
export const projectionMethod = (rules: ZanRuleSet) => ({
  method: 'consumed-plus-recent-pace',
  paceYears: rules.paceYears,
  to: rules.target.to,
  description:
    `par commune : consommé depuis ${rules.target.from} + rythme moyen des ${rules.paceYears} ` +
    `dernières années observées × années restantes jusqu’à ${rules.target.to}, puis sommé`,
});

const MISSING = 'données manquantes';

/** An envelope's figures; every figure null (never 0) when there is no data behind it. */
export function envelopeJson(e: Envelope | null) {
  return {
    referenceHa: e && round(e.referenceHa, 4),
    referenceActivityHa: e && round(e.referenceActivityHa, 4),
    countedReferenceHa: e && round(e.countedReferenceHa, 4),
    reducedHa: e && round(e.reducedHa, 4),
    allowedHa: e && round(e.allowedHa, 4),
    guaranteedCommunes: e?.guaranteedCommunes ?? null,
    guaranteeWithheldCommunes: e?.guaranteeWithheldCommunes ?? null,
    consumedHa: e && round(e.consumedHa, 4),
    paceHaPerYear: e && round(e.paceHaPerYear, 4),
    projectedHa: e && round(e.projectedHa, 4),
    remainingHa: e && round(e.remainingHa, 4),
    yearsToExhaustion: e && round(e.yearsToExhaustion, 2),
    exhaustionYear: e?.exhaustionYear ?? null,
    observedYears: e?.observedYears ?? [],
    provisionalYears: e?.provisionalYears ?? [],
    communes: e?.communes ?? 0,
    ...(e ? {} : { missingData: MISSING }),
  };
}

/** Whether the commune keeps the 1 ha guarantee, and on what basis: its recorded planning
 * document, or the rule set's default (named). */
function guaranteeJson(rules: ZanRuleSet, c: CommuneEnvelope) {
  return {
    applies: c.guarantee.applies,
    guaranteeBasis: c.guarantee.basis,
    ...(c.guarantee.basis === 'default'
      ? { default: rules.communalGuarantee.default }
      : { planningDocument: c.planningDocument }),
  };
}

export function communeJson(rules: ZanRuleSet, c: CommuneEnvelope) {
  return {
    insee: c.insee,
    name: c.name,
    epciSiren: c.epciSiren,
    reductionRate: c.reductionRate,
    reductionSource: c.reductionSource,
    guarantee: guaranteeJson(rules, c),
    missingData: c.envelope ? [] : ['consommation Cerema'],
    envelope: envelopeJson(c.envelope),
  };
}

/**
 * A level's figures as SPARTE shows them beside ours, with the difference said in words. The
 * law gives the 1 ha floor to each commune; SPARTE floors the level's total once, so a level
 * with guaranteed communes has a larger envelope here.
 */
export function sparteComparison(rules: ZanRuleSet, e: Envelope | null) {
  if (!e) return null;
  const theirs = sparteReading(rules, e);
  const allowedDifference = e.allowedHa - theirs.allowedHa;
  const projectedDifference = theirs.projectedHa === null ? null : e.projectedHa - theirs.projectedHa;
  const floor =
    Math.abs(allowedDifference) < 0.005
      ? 'Les deux enveloppes coïncident : aucune commune n’y est relevée au plancher.'
      : `Foncier applique la réduction puis le plancher de ${haFr(rules.communalGuaranteeHa)} commune par commune, ` +
        `comme la loi (${e.guaranteedCommunes} commune(s) relevée(s) au plancher) ; ` +
        'SPARTE l’applique une seule fois au total de l’échelon, ' +
        `d’où ${haFr(Math.abs(allowedDifference))} d’écart.`;
  const projection =
    `Projection : Foncier ajoute au consommé le rythme des ${rules.paceYears} dernières années ` +
    `sur les années restantes jusqu’à ${rules.target.to} ; ` +
    `SPARTE multiplie le rythme moyen depuis ${rules.target.from} par ${rules.sparte.projectionYears}.`;

  return {
    allowedHa: round(theirs.allowedHa, 4),
    paceHaPerYear: round(theirs.paceHaPerYear, 4),
    projectedHa: round(theirs.projectedHa, 4),
    projection: {
      method: 'sparte-mean-pace-since-window-start',
      since: rules.target.from,
      years: rules.sparte.projectionYears,
    },
    difference: { allowedHa: round(allowedDifference, 4), projectedHa: round(projectedDifference, 4) },
    explanation: `${floor} ${projection}`,
  };
}

/** The guarantee basis of a level: how many communes have a recorded status, how many the default. */
export function guaranteeBasisJson(rules: ZanRuleSet, communes: CommuneEnvelope[]) {
  const recorded = communes.filter((c) => c.guarantee.basis === 'recorded').length;
  return {
    guaranteeBasis: recorded === communes.length && communes.length > 0 ? 'recorded' : 'default',
    recordedCommunes: recorded,
    defaultCommunes: communes.length - recorded,
    default: rules.communalGuarantee.default,
    withheldCommunes: communes.filter((c) => !c.guarantee.applies).length,
  };
}

/** The figures of a level (commune, EPCI, territory) as every ZAN response gives them. */
export function levelJson(rules: ZanRuleSet, communes: CommuneEnvelope[], e: Envelope | null) {
  return {
    envelope: envelopeJson(e),
    missingData: missingData(rules, communes),
    guarantee: guaranteeBasisJson(rules, communes),
    projection: projectionMethod(rules),
    sparte: sparteComparison(rules, e),
  };
}

export function plotJson(p: Awaited<ReturnType<typeof measurePlots>>[number]) {
  const m = p.measure;
  return {
    id: p.key,
    siteId: p.siteId,
    communeInsee: p.communeInsee,
    areaHa: round(m.areaM2 / M2_PER_HA, 4),
    nafHa: round(m.nafM2 / M2_PER_HA, 4),
    artificialisedShare: round(m.artificialisedShare, 4),
    brownfieldHa: round(m.brownfieldM2 / M2_PER_HA, 4),
    inPene: m.inPene,
    urbanisedShare: round(m.urbanisedShare, 4),
    class: m.class,
    nafConsumptionHa: round(m.nafConsumptionM2 / M2_PER_HA, 4),
    consumptionHa: round(m.consumptionM2 / M2_PER_HA, 4),
    nationalEnvelopeHa: round(m.nationalM2 / M2_PER_HA, 4),
  };
}

export function totalsJson(t: ReturnType<typeof plotTotals>) {
  return {
    plots: t.plots,
    areaHa: round(t.areaHa, 4),
    nafHa: round(t.nafHa, 4),
    brownfieldHa: round(t.brownfieldHa, 4),
    nafConsumptionHa: round(t.nafConsumptionHa, 4),
    consumptionHa: round(t.consumptionHa, 4),
    nationalEnvelopeHa: round(t.nationalHa, 4),
    classes: t.classes,
  };
}

/** The commune's and the EPCI's envelopes around a consumption, and the share it would take. */
export async function envelopesAround(
  db: Kysely<Database>,
  rules: ZanRuleSet,
  insee: string | null,
  consumptionHa: number,
) {
  if (!insee) return { commune: null, epci: null };
  const commune =
    (await db
      .selectFrom('communes')
      .where('insee', '=', insee)
      .select(['insee', 'name', 'epciSiren'])
      .executeTakeFirst()) ?? null;
  if (!commune) return { commune: null, epci: null };
  const [own] = await communeEnvelopes(db, rules, [commune]);
  const epciList = commune.epciSiren
    ? await communeEnvelopes(db, rules, await epciCommunes(db, commune.epciSiren))
    : [];
  const epci = commune.epciSiren ? sumEnvelopes(rules, epciList) : null;
  return {
    commune: {
      ...communeJson(rules, own!),
      shareOfRemaining: own!.envelope ? round(envelopeShare(consumptionHa, own!.envelope.remainingHa), 4) : null,
    },
    epci: commune.epciSiren
      ? {
          siren: commune.epciSiren,
          envelope: envelopeJson(epci),
          missingData: missingData(rules, epciList),
          shareOfRemaining: epci ? round(envelopeShare(consumptionHa, epci.remainingHa), 4) : null,
        }
      : null,
  };
}

/** ZAN figures of a site: its plots measured, what developing the rest would consume, and
 * the share of its commune's and EPCI's remaining envelopes that would take. */
export async function siteZan(db: Kysely<Database>, rules: ZanRuleSet, id: string) {
  const site = await db
    .selectFrom('sites')
    .where('id', '=', id)
    .where('deletedAt', 'is', null)
    .select(['id', 'name', 'communeInsee', 'epciSiren', 'urbanisationType', 'mainVocation'])
    .executeTakeFirst();
  if (!site) return undefined;
  const plots = await measurePlots(db, rules, { siteIds: [id] });
  const totals = plotTotals(plots);
  const pipeline = plotTotals(plots.filter((p) => p.occupation !== 'occupé'));
  const around = await envelopesAround(db, rules, site.communeInsee, pipeline.consumptionHa);
  const vintages = await dataVintages(db, [site.communeInsee]);
  return {
    site: {
      id: site.id,
      name: site.name,
      communeInsee: site.communeInsee,
      epciSiren: site.epciSiren,
      mainVocation: site.mainVocation,
    },
    ruleSet: ruleSetSummary(rules),
    vintages,
    provisionalYears: around.commune?.envelope?.provisionalYears ?? [],
    // site_evol_urba as declared, and the share of its plots measured as already urbanised
    renewal: {
      declared: site.urbanisationType,
      measuredShare: totals.areaHa > 0 ? round(1 - totals.nafConsumptionHa / totals.areaHa, 4) : null,
    },
    totals: totalsJson(totals),
    expected: totalsJson(pipeline),
    commune: around.commune,
    epci: around.epci,
    plots: plots.map(plotJson),
  };
}

/** A plot's ZAN document (GET /plots/{id}/zan); undefined when there is no such plot. */
export async function plotZan(db: Kysely<Database>, rules: ZanRuleSet, id: string) {
  const [plot] = await measurePlots(db, rules, { plotIds: [id] });
  if (!plot) return undefined;
  const around = await envelopesAround(db, rules, plot.communeInsee, plot.measure.consumptionM2 / M2_PER_HA);
  return {
    ...plotJson(plot),
    ruleSet: ruleSetSummary(rules),
    vintages: await dataVintages(db, plot.communeInsee ? [plot.communeInsee] : []),
    provisionalYears: around.commune?.envelope?.provisionalYears ?? [],
    commune: around.commune,
    epci: around.epci,
  };
}
