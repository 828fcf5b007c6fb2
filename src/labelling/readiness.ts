// The readiness summary of a site against the grid: for each criterion the assessment made by
// people (with evidence), and what the catalogue itself says (power, brownfield share, ready
// date...). A blocking criterion not assessed `met` or `not_applicable` blocks the label.
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
      return `${brownfield}; developing it would consume ${round(f.zan.nafConsumptionHa, 2)} ha of NAF land, ${round(f.zan.consumptionHa, 2)} ha charged to the commune (${f.zan.ruleSet})`;
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

export interface CriterionReadiness {
  criterion: Criterion;
  assessment: Assessment | null;
  catalogue: string | null;
  blocks: boolean;
}

export function readiness(criteria: Criterion[], assessments: Assessment[], facts: SiteFacts) {
  const byId = new Map(assessments.map((a) => [a.criterionId, a]));
  const items: CriterionReadiness[] = criteria.map((criterion) => {
    const assessment = byId.get(criterion.id) ?? null;
    const satisfied = assessment !== null && assessment.status !== 'not_met';
    return {
      criterion,
      assessment,
      catalogue: catalogueIndication(criterion.id, facts),
      blocks: criterion.blocking && !satisfied,
    };
  });
  const blocking = items.filter((i) => i.blocks).map((i) => i.criterion.id);
  return {
    ready: blocking.length === 0,
    blocking,
    assessed: items.filter((i) => i.assessment).length,
    total: items.length,
    items,
  };
}
