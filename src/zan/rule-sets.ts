// ZAN rule sets: every legal parameter of the measures, versioned and named, because the law
// is moving. They are TypeScript constants rather than table rows: a rule set changes with a
// law or a decree, goes through review like code, and the formulas are typed against it.
// A response always names the rule set it was computed with.

/** Cerema destinations of consumed land (fichiers fonciers), columns art{YY}{dest}{YY+1}. */
export type Destination = 'activity' | 'housing' | 'mixed' | 'road' | 'rail' | 'unknown';

export interface ZanRuleSet {
  id: string;
  title: string;
  /** Texts the parameters come from, for the report and the API. */
  legalBasis: string[];
  /** Reference decade, years inclusive (1 Jan first → 31 Dec last). */
  reference: { from: number; to: number };
  /** Target window, years inclusive. */
  target: { from: number; to: number };
  /** Default reduction of the reference consumption over the window (0.5 = -50 %). */
  reductionRate: number;
  /** Floor per commune over the window, hectares (garantie communale). */
  communalGuaranteeHa: number;
  /** Projects of national or European scope are charged to a national envelope, not the commune. */
  peneChargedNationally: boolean;
  nationalPeneEnvelopeHa: number;
  /** Developing a brownfield consumes no NAF land (L.111-26 code de l'urbanisme). */
  brownfieldIsUrbanised: boolean;
  /** Destinations left out of both the reference and the counted consumption. */
  excludedDestinations: Destination[];
  /** Site main vocations whose plots are not counted (the reform's industry exclusion). */
  excludedSiteVocations: string[];
  /** Share of a plot's area under which a part is ignored when classing it (slivers, edges). */
  classTolerance: number;
  /** Years of observed consumption the annual pace is averaged over. */
  paceYears: number;
}

export const climatResilience2021Zan2023: ZanRuleSet = {
  id: 'climat-resilience-2021+zan-2023',
  title: 'Loi Climat et Résilience (2021) modifiée par la loi du 20 juillet 2023',
  legalBasis: [
    'Loi n° 2021-1104 du 22 août 2021, art. 191 et 194 (réduction de moitié 2021-2031, ZAN 2050)',
    'Loi n° 2023-630 du 20 juillet 2023 (PENE, garantie communale de 1 ha)',
    "Art. L.111-26 code de l'urbanisme (friches)",
  ],
  reference: { from: 2011, to: 2020 },
  target: { from: 2021, to: 2030 },
  reductionRate: 0.5,
  communalGuaranteeHa: 1,
  peneChargedNationally: true,
  nationalPeneEnvelopeHa: 12_500,
  brownfieldIsUrbanised: true,
  excludedDestinations: [],
  excludedSiteVocations: [],
  classTolerance: 0.05,
  paceYears: 3,
};

/**
 * The reform being debated (proposition de loi "TRACE", 2025): first milestone moved to a
 * 2024-2034 trajectory against the decade before it, and industrial land left out of the count.
 * Cerema splits consumption by destination, not by sector: the `activity` destination is the
 * closest measure of industry and is what this variant excludes.
 */
export const reformTrace2025: ZanRuleSet = {
  ...climatResilience2021Zan2023,
  id: 'reforme-trace-2025',
  title: 'Réforme en débat (PPL TRACE): trajectoire 2024-2034, industrie hors décompte',
  legalBasis: [
    'Proposition de loi n° 205 (2024-2025) dite TRACE, texte adopté au Sénat le 18 mars 2025 (non promulgué)',
    'Loi n° 2023-630 du 20 juillet 2023 (PENE, garantie communale de 1 ha)',
    "Art. L.111-26 code de l'urbanisme (friches)",
  ],
  reference: { from: 2014, to: 2023 },
  target: { from: 2024, to: 2033 },
  excludedDestinations: ['activity'],
  excludedSiteVocations: ['industrielle'],
};

export const ruleSets = {
  [climatResilience2021Zan2023.id]: climatResilience2021Zan2023,
  [reformTrace2025.id]: reformTrace2025,
} as Record<string, ZanRuleSet>;

export const defaultRuleSetId = climatResilience2021Zan2023.id;
export const ruleSetIds = [climatResilience2021Zan2023.id, reformTrace2025.id] as const;

export function ruleSet(id: string = defaultRuleSetId): ZanRuleSet {
  const found = Object.hasOwn(ruleSets, id) ? ruleSets[id] : undefined;
  if (!found) throw new RangeError(`unknown ZAN rule set ${JSON.stringify(id)}`);
  return found;
}
