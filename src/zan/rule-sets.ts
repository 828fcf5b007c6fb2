// ZAN rule sets: every legal parameter of the measures, versioned and named, because the law
// is moving. They are TypeScript constants rather than table rows: a rule set changes with a
// law or a decree, goes through review like code, and the formulas are typed against it.
// A response always names the rule set it was computed with.

/** Cerema destinations of consumed land (fichiers fonciers), columns art{YY}{dest}{YY+1}. */
export type Destination = 'activity' | 'housing' | 'mixed' | 'road' | 'rail' | 'unknown';

/** Where a commune's planning document (PLU, PLUi, carte communale) stands: prescribed
 * (prescrit), decided (arrêté), approved (approuvé), or none at all (RNU). */
export const planningStatuses = ['prescribed', 'decided', 'approved', 'none'] as const;
export type PlanningStatus = (typeof planningStatuses)[number];

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
  /**
   * Who keeps the floor: a commune whose planning document was prescribed, decided or approved
   * before `documentBefore` (exclusive). `default` is what a commune with no recorded status
   * gets, and every response says when it was used.
   */
  communalGuarantee: { documentBefore: string; default: 'applies' | 'withheld' };
  /**
   * How SPARTE (the State's tool) reads the same data, to show beside ours: the reduction and
   * the 1 ha floor applied once to the level's total (commune, EPCI or territory), and the
   * projection as the mean yearly consumption since the window's first year times
   * `projectionYears`.
   */
  sparte: { projectionYears: number };
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
    // Art. 4 of loi 2023-630 inserts into art. 194, III, 3° of loi 2021-1104 that a commune
    // covered by a PLU, a document standing in its place or a carte communale "prescrit, arrêté
    // ou approuvé avant le 22 août 2026" cannot be denied, for 2021-2031, a consumption of
    // natural, agricultural and forest land of at least one hectare.
    'Loi n° 2023-630, art. 4 (art. 194, III, 3° loi 2021-1104): garantie de 1 ha pour une commune dotée ' +
      'd’un document d’urbanisme prescrit, arrêté ou approuvé avant le 22 août 2026',

    "Art. L.111-26 code de l'urbanisme (friches)",
  ],
  reference: { from: 2011, to: 2020 },
  target: { from: 2021, to: 2030 },
  reductionRate: 0.5,
  communalGuaranteeHa: 1,
  // Presumed kept where nothing is recorded: most communes have a PLU or a carte communale, and
  // withholding it by default would cut 1 ha from communes whose status is merely unknown.
  communalGuarantee: { documentBefore: '2026-08-22', default: 'applies' },
  // As SPARTE displays it (issue #16: 36.83 ha there against 38.23 ha here for CC du Val d'Ay).
  sparte: { projectionYears: 9 },
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
    ...climatResilience2021Zan2023.legalBasis.slice(1),
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

/** The query string that keeps a rule set in a link: none for the default one. */
export const ruleSetSearch = (rules: ZanRuleSet) =>
  rules.id === defaultRuleSetId ? '' : `?rule_set=${encodeURIComponent(rules.id)}`;
