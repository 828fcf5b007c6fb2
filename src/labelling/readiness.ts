// The readiness summary of a site against the grid: for each criterion the assessment made by
// people (with evidence), and what the catalogue itself says (power, brownfield share, ready
// date...). A blocking criterion not assessed `met` or `not_applicable` blocks the label.
// The catalogue is the other witness: a criterion marked met that the catalogue contradicts is
// flagged (recomputed from the current data at every read, never stored), and the flag blocks
// submission and the decision until the data is fixed or a labeller overrides it with a reason.
// A dossier is complete when every criterion is assessed, a not-applicable one with its
// justification: nothing is submitted before.
import { round } from '../round.js';
import type { Criterion } from './grid.js';

export interface Assessment {
  criterionId: string;
  status: 'met' | 'not_met' | 'not_applicable';
  evidence: Evidence[];
  comment: string | null;
  assessedAt: string;
  assessedBy: string;
}

export interface Evidence {
  title: string;
  reference?: string | null;
  url?: string | null;
  date: string;
  author: string;
}

/** Facts from the catalogue that inform (never replace) the human assessment. */
export interface SiteFacts {
  powerMw: number | null;
  networkElectricity: boolean | null;
  networkDrinkingWater: boolean | null;
  networkSewerage: boolean | null;
  networkGas: boolean | null;
  networkFibre: boolean | null;
  motorwayInterchangeKm: number | null;
  railSiding: boolean | null;
  portKm: number | null;
  availableFrom: string | null;
  usableAreaHa: number;
  largestPlotHa: number | null;
  brownfieldShare: number | null;
  planningZones: string[];
  /** ZAN measures of the site's plots still to develop, when reference data exist. */
  zan: { ruleSet: string; nafConsumptionHa: number; consumptionHa: number; urbanisedShare: number | null } | null;
}

// The programme's horizon: sites must be ready to host a plant by the end of 2030.
const LATEST_READY_DATE = '2030-12-31';

export function catalogueIndication(criterionId: string, f: SiteFacts): string | null {
  switch (criterionId) {
    case 'network_electricity':
      return f.networkElectricity
        ? `connected${f.powerMw !== null ? `, ${f.powerMw} MW available` : ', power unknown'}`
        : 'no electricity network recorded';
    case 'network_drinking_water':
      return f.networkDrinkingWater ? 'network present' : 'no network recorded';
    case 'network_sewerage':
      return f.networkSewerage ? 'network present' : 'no network recorded';
    case 'network_gas':
      return f.networkGas ? 'network present' : 'no network recorded';
    case 'network_fibre':
      return f.networkFibre ? 'network present' : 'no network recorded';
    case 'access_motorway':
      return f.motorwayInterchangeKm === null
        ? 'distance unknown'
        : `${f.motorwayInterchangeKm} km to the nearest interchange`;
    case 'access_rail':
      return f.railSiding ? 'rail siding (ITE) present' : 'no rail siding recorded';
    case 'access_port':
      return f.portKm === null ? 'distance unknown' : `${f.portKm} km to the nearest port`;
    case 'planning_compatibility':
      return f.planningZones.length ? `plots in PLU zones ${f.planningZones.join(', ')}` : 'no PLU zone recorded';
    case 'land_sobriety': {
      const brownfield =
        f.brownfieldShare === null
          ? 'no plot recorded'
          : `${Math.round(f.brownfieldShare * 100)} % of the plot area on brownfield land`;
      if (!f.zan) return brownfield;
      return (
        `${brownfield}; developing it would consume ${round(f.zan.nafConsumptionHa, 2)} ha of NAF land, ` +
        `${round(f.zan.consumptionHa, 2)} ha charged to the commune (${f.zan.ruleSet})`
      );
    }
    case 'maturity':
      if (!f.availableFrom) return 'ready date unknown';
      return f.availableFrom <= LATEST_READY_DATE
        ? `ready on ${f.availableFrom}`
        : `ready on ${f.availableFrom}, after 2030`;
    case 'size':
      return `${f.usableAreaHa} ha usable${f.largestPlotHa !== null ? `, largest plot ${f.largestPlotHa} ha` : ''}`;
    default:
      return null;
  }
}

const absent = (what: string) => `le catalogue n’indique pas ${what}`;
const networks: Record<string, [keyof SiteFacts, string]> = {
  network_drinking_water: ['networkDrinkingWater', 'de réseau d’eau potable'],
  network_sewerage: ['networkSewerage', 'de réseau d’assainissement'],
  network_gas: ['networkGas', 'de réseau de gaz'],
  network_fibre: ['networkFibre', 'de fibre optique'],
};

/**
 * What the catalogue says against an assessment, in French (the workspace shows it, and an
 * override holds for these words): a criterion marked met that the data contradicts, or a soil
 * criterion set aside on a site with brownfield land. Null when nothing contradicts it.
 */
export function catalogueFlag(criterion: Criterion, status: Assessment['status'], f: SiteFacts): string | null {
  if (criterion.id === 'soil_diagnosis' || criterion.id === 'soil_management_plan') {
    if (status !== 'not_applicable' || !f.brownfieldShare) return null;
    return (
      `site en friche (${Math.round(f.brownfieldShare * 100)} % de la surface des parcelles) : ` +
      'une étude de sols est attendue'
    );
  }
  if (status !== 'met') return null;
  const network = networks[criterion.id];
  if (network) return f[network[0]] === true ? null : absent(network[1]);
  switch (criterion.id) {
    case 'network_electricity':
      if (f.networkElectricity !== true) return absent('de raccordement électrique');
      if (criterion.minPowerMw === undefined) return null;
      if (f.powerMw === null)
        return `puissance disponible inconnue au catalogue ; le critère demande ${criterion.minPowerMw} MW`;
      return f.powerMw < criterion.minPowerMw
        ? `puissance disponible ${f.powerMw} MW au catalogue, sous les ${criterion.minPowerMw} MW du critère`
        : null;
    case 'access_rail':
      return f.railSiding === true ? null : absent('d’embranchement ferroviaire (ITE)');
    case 'maturity':
      if (!f.availableFrom) return absent('de date de disponibilité');
      return f.availableFrom > LATEST_READY_DATE ? `disponible le ${f.availableFrom} au catalogue, après 2030` : null;
    case 'planning_compatibility':
      // PLU zones A (agricultural) and N (natural) do not allow industry; U and AU may.
      return f.planningZones.length > 0 && f.planningZones.every((z) => z === 'A' || z === 'N')
        ? `parcelles en zones ${f.planningZones.join(', ')} du PLU (agricoles ou naturelles)`
        : null;
    default:
      return null;
  }
}

/** A labeller's override of a flag: it holds while the catalogue words the flag the same way. */
export interface FlagOverride {
  criterionId: string;
  flag: string;
  reason: string;
  byName: string;
  at: string;
}

export interface CriterionReadiness {
  criterion: Criterion;
  assessment: Assessment | null;
  catalogue: string | null;
  /** The catalogue contradicts the assessment (null: it does not). */
  flag: string | null;
  /** The override that clears the flag, if any. */
  override: FlagOverride | null;
  /** Not assessed, or not applicable without a justification. */
  missing: boolean;
  blocks: boolean;
}

export function readiness(
  criteria: Criterion[],
  assessments: Assessment[],
  facts: SiteFacts,
  overrides: FlagOverride[] = [],
) {
  const byId = new Map(assessments.map((a) => [a.criterionId, a]));
  const overridden = new Map(overrides.map((o) => [o.criterionId, o]));
  const items: CriterionReadiness[] = criteria.map((criterion) => {
    const assessment = byId.get(criterion.id) ?? null;
    const satisfied = assessment !== null && assessment.status !== 'not_met';
    const flag = assessment ? catalogueFlag(criterion, assessment.status, facts) : null;
    const override =
      flag !== null && overridden.get(criterion.id)?.flag === flag ? overridden.get(criterion.id)! : null;
    return {
      criterion,
      assessment,
      catalogue: catalogueIndication(criterion.id, facts),
      flag,
      override,
      missing: assessment === null || (assessment.status === 'not_applicable' && !assessment.comment?.trim()),
      blocks: criterion.blocking && !satisfied,
    };
  });
  const blocking = items.filter((i) => i.blocks).map((i) => i.criterion.id);
  const missing = items.filter((i) => i.missing).map((i) => i.criterion.id);
  const flags = items.filter((i) => i.flag !== null && !i.override).map((i) => i.criterion.id);
  return {
    ready: blocking.length === 0 && flags.length === 0,
    complete: missing.length === 0,
    blocking,
    missing,
    flags,
    assessed: items.filter((i) => i.assessment).length,
    total: items.length,
    items,
  };
}
