// The JSON documents of the ZAN endpoints, built from the repository's measures: a rule
// set summary, envelopes, plot measures and the per-site figures (also used by the sheet).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { round } from '../round.js';
import { envelopeShare, type Envelope } from './formulas.js';
import type { ZanRuleSet } from './rule-sets.js';
import {
  communeEnvelopes,
  dataVintages,
  epciCommunes,
  measurePlots,
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
  excludedDestinations: rules.excludedDestinations,
  excludedSiteVocations: rules.excludedSiteVocations,
});

export function envelopeJson(e: Envelope) {
  return {
    referenceHa: round(e.referenceHa, 4),
    referenceActivityHa: round(e.referenceActivityHa, 4),
    countedReferenceHa: round(e.countedReferenceHa, 4),
    allowedHa: round(e.allowedHa, 4),
    guaranteedCommunes: e.guaranteedCommunes,
    consumedHa: round(e.consumedHa, 4),
    paceHaPerYear: round(e.paceHaPerYear, 4),
    projectedHa: round(e.projectedHa, 4),
    remainingHa: round(e.remainingHa, 4),
    yearsToExhaustion: round(e.yearsToExhaustion, 2),
    observedYears: e.observedYears,
    provisionalYears: e.provisionalYears,
    communes: e.communes,
  };
}

export function communeJson(c: CommuneEnvelope) {
  return {
    insee: c.insee,
    name: c.name,
    epciSiren: c.epciSiren,
    reductionRate: c.reductionRate,
    reductionSource: c.reductionSource,
    envelope: c.envelope ? envelopeJson(c.envelope) : null,
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
      ...communeJson(own!),
      shareOfRemaining: own!.envelope ? round(envelopeShare(consumptionHa, own!.envelope.remainingHa), 4) : null,
    },
    epci: epci && {
      siren: commune.epciSiren,
      envelope: envelopeJson(epci),
      shareOfRemaining: round(envelopeShare(consumptionHa, epci.remainingHa), 4),
    },
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
