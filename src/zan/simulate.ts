// POST /zan/simulate without HTTP: the envelope of each commune, of their EPCI and of their
// Territoires d'industrie before and after developing a set of plots or a drawn geometry. Reads
// only; nothing is written.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { checkGeometry, type PolygonalGeometry } from '../geometry/input.js';
import { invalidParam } from '../http/errors.js';
import { round } from '../round.js';
import { M2_PER_HA, ruleSetSummary } from './representation.js';
import { envelopeShare } from './formulas.js';
import type { Envelope } from './formulas.js';
import {
  communeEnvelopes,
  communeRefs,
  dataVintages,
  measureGeometry,
  measurePlots,
  missingData,
  resolveTerritory,
  sumEnvelopes,
  type CommuneEnvelope,
  type CommuneRef,
} from './repository.js';
import type { ZanRuleSet } from './rule-sets.js';

/** Either plot ids or a geometry (the route's body schema says one of the two). */
export interface SimulationInput {
  plotIds?: string[];
  geometry?: PolygonalGeometry;
}

interface MeasuredPart {
  communeInsee: string | null;
  measure: { consumptionM2: number; nafConsumptionM2: number; nationalM2: number; areaM2: number };
}

interface CommuneUse {
  consumptionHa: number;
  nafConsumptionHa: number;
  nationalHa: number;
  areaHa: number;
}

/** The parts of the development per commune (a part outside every commune has none), and the
 * hectares of a drawn geometry that no commune covers. */
async function measuredParts(
  db: Kysely<Database>,
  rules: ZanRuleSet,
  input: SimulationInput,
): Promise<{ parts: MeasuredPart[]; unallocatedHa: number }> {
  if (input.geometry) {
    await checkGeometry(db, input.geometry, 'geometry');
    const measured = await measureGeometry(db, rules, input.geometry);
    const allocatedM2 = measured.parts.reduce((s, p) => s + p.measure.areaM2, 0);
    return { parts: measured.parts, unallocatedHa: Math.max(0, measured.areaM2 - allocatedM2) / M2_PER_HA };
  }
  const ids = [...new Set(input.plotIds!.map((id) => id.toLowerCase()))];
  const measured = await measurePlots(db, rules, { plotIds: ids });
  const found = new Set(measured.map((p) => p.key));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length)
    throw invalidParam(
      'body',
      'plotIds',
      `unknown plot ids: ${missing.slice(0, 10).join(', ')}` +
        (missing.length > 10 ? ` and ${missing.length - 10} more` : ''),
    );
  return { parts: measured, unallocatedHa: 0 };
}

function usePerCommune(parts: MeasuredPart[]): Map<string, CommuneUse> {
  const byCommune = new Map<string, CommuneUse>();
  for (const p of parts) {
    if (!p.communeInsee) continue;
    const entry = byCommune.get(p.communeInsee) ?? { consumptionHa: 0, nafConsumptionHa: 0, nationalHa: 0, areaHa: 0 };
    entry.consumptionHa += p.measure.consumptionM2 / M2_PER_HA;
    entry.nafConsumptionHa += p.measure.nafConsumptionM2 / M2_PER_HA;
    entry.nationalHa += p.measure.nationalM2 / M2_PER_HA;
    entry.areaHa += p.measure.areaM2 / M2_PER_HA;
    byCommune.set(p.communeInsee, entry);
  }
  return byCommune;
}

/** An envelope before and after charging `usedHa` to it; null figures without data. */
function beforeAfter(envelope: Envelope | null, usedHa: number) {
  return {
    before: envelope && {
      allowedHa: round(envelope.allowedHa, 4),
      consumedHa: round(envelope.consumedHa, 4),
      remainingHa: round(envelope.remainingHa, 4),
    },
    after: envelope && {
      consumedHa: round(envelope.consumedHa + usedHa, 4),
      remainingHa: round(envelope.remainingHa - usedHa, 4),
    },
    shareOfRemaining: envelope ? round(envelopeShare(usedHa, envelope.remainingHa), 4) : null,
  };
}

/**
 * The EPCI and the Territoires d'industrie of the touched communes, each with all its communes
 * (their envelopes are summed with the floor per commune, as GET /territories/{id}/zan does).
 */
async function levelsAbove(db: Kysely<Database>, touched: CommuneRef[]) {
  const sirens = [...new Set(touched.flatMap((c) => (c.epciSiren ? [c.epciSiren] : [])))].sort();
  const territoryIds = sirens.length
    ? (
        await db
          .selectFrom('territoryEpci')
          .where('epciSiren', 'in', sirens)
          .select('territoryId')
          .distinct()
          .orderBy('territoryId')
          .execute()
      ).map((r) => r.territoryId)
    : [];
  const levels = [];
  for (const id of [...sirens, ...territoryIds]) {
    const level = await resolveTerritory(db, id);
    if (level) levels.push(level);
  }
  return levels;
}

/** The simulation document: the development's figures per commune, and the envelope of each
 * commune, EPCI and territory it touches before and after. */
export async function simulate(db: Kysely<Database>, rules: ZanRuleSet, input: SimulationInput) {
  const { parts, unallocatedHa } = await measuredParts(db, rules, input);
  const byCommune = usePerCommune(parts);
  const refs = await communeRefs(db, [...byCommune.keys()]);
  const levels = await levelsAbove(db, refs);
  const everyCommune = new Map<string, CommuneRef>(refs.map((r) => [r.insee, r]));
  for (const level of levels) for (const c of level.communes) everyCommune.set(c.insee, c);
  const all = new Map(
    (await communeEnvelopes(db, rules, [...everyCommune.values()])).map((e): [string, CommuneEnvelope] => [e.insee, e]),
  );
  const envelopes = refs.map((r) => all.get(r.insee)!);
  const communes = envelopes.map((e) => {
    const used = byCommune.get(e.insee)!;
    const before = e.envelope;
    return {
      insee: e.insee,
      name: e.name,
      areaHa: round(used.areaHa, 4),
      nafConsumptionHa: round(used.nafConsumptionHa, 4),
      consumptionHa: round(used.consumptionHa, 4),
      nationalEnvelopeHa: round(used.nationalHa, 4),
      missingData: before ? [] : ['consommation Cerema'],
      ...beforeAfter(before, used.consumptionHa),
    };
  });
  const aggregate = (kind: 'epci' | 'territory') =>
    levels
      .filter((l) => l.kind === kind)
      .map((l) => {
        const members = l.communes.map((c) => all.get(c.insee)!);
        // What the level is charged: the development's part in its communes that have data (a
        // commune without data has no envelope to charge, and says so in missingData).
        const usedHa = members.reduce((s, c) => s + (c.envelope ? (byCommune.get(c.insee)?.consumptionHa ?? 0) : 0), 0);
        return {
          id: l.id,
          name: l.name,
          communes: l.communes.length,
          consumptionHa: round(usedHa, 4),
          missingData: missingData(rules, members),
          ...beforeAfter(sumEnvelopes(rules, members), usedHa),
        };
      });
  const known = envelopes.flatMap((e) => (e.envelope ? [e.envelope] : []));
  return {
    ruleSet: ruleSetSummary(rules),
    vintages: await dataVintages(
      db,
      refs.map((r) => r.insee),
    ),
    provisionalYears: [...new Set(known.flatMap((e) => e.provisionalYears))].sort(),
    written: false,
    consumptionHa: round(
      communes.reduce((s, x) => s + (x.consumptionHa ?? 0), 0),
      4,
    ),
    unallocatedHa: round(unallocatedHa, 4),
    communes,
    epci: aggregate('epci'),
    territories: aggregate('territory'),
  };
}
