// The match score: how well a site or plot answers a brief, from 0 to 100.
//
//   total = 100 × Σ(weight × value) / Σ(weight), each value in [0, 1]
//
// | component  | weight | value                                                                  |
// |------------|--------|------------------------------------------------------------------------|
// | size       | 3      | brief has an area range: 1 if the largest available plot fits it      |
// |            |        | (plot search: the plot fits), else 0 — the figure min_area_ha and      |
// |            |        | max_area_ha filter on; no range: available area / 50 ha (plot: area / |
// |            |        | 20 ha), capped at 1. A site's figures are its offer (sql/012).         |
// | readiness  | 3      | ½ stage + ½ availability. Stage, site: 1 for a labelled turnkey site,  |
// |            |        | 0.2 for any other (a label file in draft, submitted, under review,     |
// |            |        | changes requested, rejected or withdrawn states nothing verified: it   |
// |            |        | earns no more than a site outside the programme); plot: turnkey 1,     |
// |            |        | serviced and laid out 0.8, serviced 0.6, servicing under way 0.3.      |
// |            |        | Availability: 1 if available now, falling linearly to 0 at 36 months   |
// |            |        | (the usual horizon of a plant project); unknown 0                      |
// | power      | 2      | power_mw / min_power_mw (20 MW without one), capped at 1               |
// | motorway   | 2      | 1 − km / max_motorway_km (50 km without one), floored at 0             |
// | distance   | 2      | only with near: 1 − km / radius_km (50 km without one)                 |
// | rail       | 1      | 1 with a rail siding (ITE)                                             |
// | price      | 1      | 1 − price / max_price_eur_m2 (80 €/m² without one); 0 if no price      |
// | brownfield | 1      | 1 on a brownfield: building there reuses land already urbanised, which |
// |            |        | is not consumption of natural, agricultural or forest land (loi Climat |
// |            |        | et résilience, art. 194: consumption is the creation or extension of   |
// |            |        | urbanised land), so it spares the commune's ZAN envelope               |
// | territory  | 1      | 1 inside a Territoire d'industrie                                      |
//
// Each component is an SQL expression over the row's facts (so that the score can sort and
// page in the database) and two sentences built from the same facts (so a user sees why):
// `reason` in English, as API clients have read it, and `reasonFr` for the French pages.
import { sql, type RawBuilder } from 'kysely';
import { round } from '../round.js';
import { frenchDay, frenchNumber } from '../web/format.js';
import type { Brief } from './brief.js';

export type SearchKind = 'site' | 'plot';

export interface ScoreComponent {
  name: string;
  weight: number;
  value: number;
  reason: string;
  /** The same explanation in French, figures written the French way (20,9 ha). */
  reasonFr: string;
}

/**
 * A row of the search (repository.ts `factColumns`, then the score columns and the sort key), as
 * the CamelCasePlugin reads it: numeric and int8 arrive as numbers, dates as 'YYYY-MM-DD' (db/open.ts).
 * `point` is filled for JSON pages, `geometry` for GeoJSON, the `cnig<n>` columns for CSV.
 */
type SharedFacts = {
  id: string;
  cnigId: string;
  areaHa: number | null;
  availableFrom: string | null;
  priceEurM2: number | null;
  brownfield: boolean;
  powerMw: number | null;
  networkElectricity: boolean | null;
  networkGas: boolean | null;
  networkDrinkingWater: boolean | null;
  networkSewerage: boolean | null;
  networkFibre: boolean | null;
  railSiding: boolean | null;
  riverQuay: boolean | null;
  motorwayInterchangeKm: number | null;
  freightStationKm: number | null;
  portKm: number | null;
  turnkeyProgramme: string | null;
  labelStatus: string | null;
  inTerritory: boolean;
  distanceM: number | null;
  distanceKm: number | null;
  point: string | null;
  geometry: string | null;
  sortKey: number;
  /** The `score_<name>` columns (componentColumn), each in [0, 1]. */
  [scoreColumn: `score${string}`]: number | null;
};

export type SiteFacts = SharedFacts & {
  name: string;
  siteType: string;
  mainVocation: string;
  state: string;
  usableAreaHa: number | null;
  /** The offer (sql/012): from the plots for sale when the site has plots, else as declared. */
  availableAreaHa: number | null;
  maxPlotAreaHa: number | null;
  availabilitySource: 'plots' | 'declared';
  /** CNIG site_surf_comm_dispo as the site declares it. */
  declaredAvailableAreaHa: number | null;
  epciSiren: string;
  epciName: string;
  communeInsee: string;
  communeName: string;
  department: string;
};

export type PlotFacts = SharedFacts & {
  siteId: string;
  siteCnigId: string;
  siteName: string;
  communeInsee: string | null;
  landControl: string;
  developmentStage: string;
  marketingStage: string;
  occupation: string;
  planningZone: string | null;
  turnkey: boolean | null;
};

export interface FactsByKind {
  site: SiteFacts;
  plot: PlotFacts;
}

/** The facts row a search of `kind` reads. */
export type Facts<K extends SearchKind = SearchKind> = FactsByKind[K];

export interface ComponentDefinition<F extends SharedFacts = Facts> {
  name: string;
  weight: number;
  /** An SQL value in [0, 1] over the facts select aliased `f`. */
  expression: RawBuilder<number>;
  reason: (facts: F) => string;
  reasonFr: (facts: F) => string;
}

/** What SQL reads of a component, whatever the kind of its facts. */
export type ComponentSql = Pick<ComponentDefinition, 'name' | 'weight' | 'expression'>;

/** A plant project's horizon: availability further out than this scores 0. */
const AVAILABILITY_HORIZON_DAYS = 1095;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const fmt = (v: number | null, unit: string, digits = 1) =>
  v === null ? 'unknown' : `${Number(v.toFixed(digits))} ${unit}`;

/** 20,9 ha; 1 250 km. */
const fr = (v: number, unit: string, digits = 1) => `${frenchNumber(v, digits)} ${unit}`;

const between = (column: RawBuilder<unknown>, min: number | undefined, max: number | undefined) =>
  sql`(${column} IS NOT NULL${min !== undefined ? sql` AND ${column} >= ${min}` : sql``}${
    max !== undefined ? sql` AND ${column} <= ${max}` : sql``
  })`;

/**
 * 1 at 0, falling to 0 at `scale` and beyond; an unknown value counts as `scale` (0). The column
 * appears once: written twice (IS NULL, then least) a lookup would run twice per row when a
 * national list is ranked.
 */
const ratioDown = (column: RawBuilder<unknown>, scale: number) =>
  sql<number>`1 - least(coalesce(${column}::float8, ${scale}::float8), ${scale}::float8) / ${scale}::float8`;

/** Availability on `today` (the app's clock, a parameter: a ranking never reads current_date). */
const availabilityOn = (
  today: string,
) => sql<number>`CASE WHEN f.available_from IS NULL THEN 0 WHEN f.available_from <= ${today}::date THEN 1
  ELSE greatest(0, 1 - (f.available_from - ${today}::date)::float8 / ${AVAILABILITY_HORIZON_DAYS}) END`;

/** The labelling states, in French, as the workflow names them (labelling/workflow.ts). */
const labelStatesFr: Record<string, string> = {
  draft: 'brouillon',
  submitted: 'déposé',
  under_review: 'en instruction',
  changes_requested: 'compléments demandés',
  labelled: 'labellisé',
  rejected: 'refusé',
  withdrawn: 'retiré',
};

/** The brief's size range in words, or undefined without one. */
function sizeRange(min: number | undefined, max: number | undefined) {
  if (min === undefined && max === undefined) return undefined;
  const fits = (v: number) => (min === undefined || v >= min) && (max === undefined || v <= max);
  const en = `${min ?? 0}–${max ?? '∞'} ha`;
  const frText =
    min !== undefined && max !== undefined
      ? `dans la fourchette demandée de ${fr(min, 'ha')} à ${fr(max, 'ha')}`
      : min !== undefined
        ? `≥ ${fr(min, 'ha')} demandés`
        : `≤ ${fr(max!, 'ha')} demandés`;
  const missFr =
    min !== undefined && max !== undefined
      ? `hors de la fourchette demandée de ${fr(min, 'ha')} à ${fr(max, 'ha')}`
      : min !== undefined
        ? `< ${fr(min, 'ha')} demandés`
        : `> ${fr(max!, 'ha')} demandés`;
  return { en, fits, fr: (v: number) => (fits(v) ? frText : missFr) };
}

function availabilityFr(availableFrom: string | null, today: string): string {
  if (availableFrom === null) return 'date de disponibilité inconnue';
  return availableFrom <= today ? 'disponible dès maintenant' : `disponible le ${frenchDay(availableFrom)}`;
}

export function scoreDefinition<K extends SearchKind>(
  kind: K,
  brief: Brief,
  today: string,
): ComponentDefinition<Facts<K>>[] {
  const availability = availabilityOn(today);
  const b = brief.filters;
  const range = sizeRange(b.min_area_ha, b.max_area_ha);
  const powerTarget = b.min_power_mw && b.min_power_mw > 0 ? b.min_power_mw : 20;
  const motorwayScale = b.max_motorway_km && b.max_motorway_km > 0 ? b.max_motorway_km : 50;
  const priceScale = b.max_price_eur_m2 && b.max_price_eur_m2 > 0 ? b.max_price_eur_m2 : 80;
  const radius = b.radius_km ?? 50;
  const siteComponents: ComponentDefinition<SiteFacts>[] = [];
  const plotComponents: ComponentDefinition<PlotFacts>[] = [];
  const components: ComponentDefinition<SharedFacts>[] = [];

  if (kind === 'site') {
    siteComponents.push(
      range
        ? {
            name: 'size',
            weight: 3,
            expression: sql<number>`CASE
              WHEN ${between(sql.ref('f.max_plot_area_ha'), b.min_area_ha, b.max_area_ha)} THEN 1
              ELSE 0
            END`,
            reason: (f) => `largest available plot ${fmt(num(f.maxPlotAreaHa), 'ha')}; brief ${range.en}`,
            reasonFr: (f) => {
              const largest = num(f.maxPlotAreaHa);
              return largest === null
                ? 'Aucune parcelle disponible'
                : `Plus grande parcelle disponible ${fr(largest, 'ha')} ${range.fr(largest)}`;
            },
          }
        : {
            name: 'size',
            weight: 3,
            expression: sql<number>`least(1, coalesce(f.available_area_ha, 0) / 50)`,
            reason: (f) => `${fmt(num(f.availableAreaHa) ?? 0, 'ha')} available (50 ha scores full)`,
            reasonFr: (f) => `${fr(num(f.availableAreaHa) ?? 0, 'ha')} disponibles (50 ha valent le maximum)`,
          },
      {
        name: 'readiness',
        weight: 3,
        expression: sql<number>`0.5 * (CASE WHEN f.label_status = 'labelled' THEN 1 ELSE 0.2 END)
          + 0.5 * ${availability}`,
        reason: (f) => {
          const label =
            f.labelStatus === 'labelled'
              ? 'labelled turnkey site'
              : f.labelStatus
                ? `label file ${f.labelStatus}: not a label`
                : 'not a labelled turnkey site';
          return `${label}; available from ${f.availableFrom ?? 'unknown'}`;
        },
        reasonFr: (f) => {
          const label =
            f.labelStatus === 'labelled'
              ? 'Site clé en main labellisé'
              : f.labelStatus
                ? `Dossier de label ${labelStatesFr[f.labelStatus] ?? f.labelStatus} : pas encore un label`
                : 'Site non labellisé clé en main';
          return `${label} ; ${availabilityFr(f.availableFrom, today)}`;
        },
      },
    );
  } else {
    plotComponents.push(
      range
        ? {
            name: 'size',
            weight: 3,
            expression: sql<number>`CASE
              WHEN ${between(sql.ref('f.area_ha'), b.min_area_ha, b.max_area_ha)} THEN 1
              ELSE 0
            END`,
            reason: (f) => `${fmt(num(f.areaHa), 'ha')}; brief ${range.en}`,
            reasonFr: (f) => `Terrain de ${fr(num(f.areaHa) ?? 0, 'ha')} ${range.fr(num(f.areaHa) ?? 0)}`,
          }
        : {
            name: 'size',
            weight: 3,
            expression: sql<number>`least(1, f.area_ha / 20)`,
            reason: (f) => `${fmt(num(f.areaHa), 'ha')} (20 ha scores full)`,
            reasonFr: (f) => `Terrain de ${fr(num(f.areaHa) ?? 0, 'ha')} (20 ha valent le maximum)`,
          },
      {
        name: 'readiness',
        weight: 3,
        expression: sql<number>`0.5 * (CASE
            WHEN f.turnkey THEN 1
            WHEN f.development_stage = 'viabilisé et aménagé' THEN 0.8
            WHEN f.development_stage = 'viabilisé non aménagé' THEN 0.6
            WHEN f.development_stage = 'viabilisation en cours' THEN 0.3
            ELSE 0
          END) + 0.5 * ${availability}`,
        reason: (f) =>
          `${f.turnkey ? 'turnkey plot' : String(f.developmentStage)}; ${String(f.marketingStage)}; ` +
          `available from ${f.availableFrom ?? 'unknown'}`,
        reasonFr: (f) =>
          `${f.turnkey ? 'Terrain clé en main' : `Terrain ${String(f.developmentStage)}`} ; ` +
          `${String(f.marketingStage)} ; ${availabilityFr(f.availableFrom, today)}`,
      },
    );
  }

  components.push(
    {
      name: 'power',
      weight: 2,
      // Compared before dividing: a tiny min_power_mw (1e-320) would overflow float8 in the quotient.
      expression: sql<number>`CASE WHEN coalesce(f.power_mw, 0) >= ${powerTarget}::float8 THEN 1
        ELSE coalesce(f.power_mw, 0) / ${powerTarget}::float8 END`,
      reason: (f) =>
        `${fmt(num(f.powerMw), 'MW')} available; ` +
        (b.min_power_mw !== undefined ? `brief asks ${b.min_power_mw} MW` : '20 MW scores full'),
      reasonFr: (f) => {
        const mw = num(f.powerMw);
        if (mw === null) return 'Puissance électrique disponible inconnue';
        const asked = b.min_power_mw !== undefined ? `${fr(b.min_power_mw, 'MW')} demandés` : '20 MW valent le maximum';
        return `Puissance électrique disponible ${fr(mw, 'MW')} (${asked})`;
      },
    },
    {
      name: 'motorway',
      weight: 2,
      expression: ratioDown(sql.ref('f.motorway_interchange_km'), motorwayScale),
      reason: (f) => `motorway interchange at ${fmt(num(f.motorwayInterchangeKm), 'km')}; ${motorwayScale} km scores 0`,
      reasonFr: (f) => {
        const km = num(f.motorwayInterchangeKm);
        const scale = b.max_motorway_km !== undefined ? `≤ ${fr(b.max_motorway_km, 'km')} demandés` : '50 km valent 0';
        return km === null
          ? 'Distance à un échangeur autoroutier inconnue'
          : `Échangeur autoroutier à ${fr(km, 'km')} (${scale})`;
      },
    },
  );
  if (b.near) {
    components.push({
      name: 'distance',
      weight: 2,
      expression: ratioDown(sql.ref('f.distance_km'), radius),
      reason: (f) => `${fmt(num(f.distanceKm), 'km')} from ${b.near!.lon},${b.near!.lat}; ${radius} km scores 0`,
      reasonFr: (f) => `À ${fr(num(f.distanceKm) ?? 0, 'km')} du point de recherche (${fr(radius, 'km')} valent 0)`,
    });
  }
  components.push(
    {
      name: 'rail',
      weight: 1,
      expression: sql<number>`CASE WHEN f.rail_siding THEN 1 ELSE 0 END`,
      reason: (f) =>
        f.railSiding ? 'rail siding (ITE)' : f.railSiding === false ? 'no rail siding' : 'rail siding unknown',
      reasonFr: (f) =>
        f.railSiding
          ? 'Embranchement ferroviaire (ITE)'
          : f.railSiding === false
            ? "Pas d'embranchement ferroviaire"
            : 'Embranchement ferroviaire inconnu',
    },
    {
      name: 'price',
      weight: 1,
      expression: ratioDown(sql.ref('f.price_eur_m2'), priceScale),
      reason: (f) =>
        `${kind === 'site' ? 'lowest available price ' : ''}${fmt(num(f.priceEurM2), '€/m²', 2)}; ` +
        `${priceScale} €/m² scores 0`,

      reasonFr: (f) => {
        const price = num(f.priceEurM2);
        const what = kind === 'site' ? 'Prix le plus bas des parcelles disponibles' : 'Prix';
        const scale =
          b.max_price_eur_m2 !== undefined ? `≤ ${fr(b.max_price_eur_m2, '€/m²', 2)} demandés` : '80 €/m² valent 0';
        return price === null ? `${what} inconnu` : `${what} ${fr(price, '€/m²', 2)} (${scale})`;
      },
    },
    {
      name: 'brownfield',
      weight: 1,
      expression: sql<number>`CASE WHEN f.brownfield THEN 1 ELSE 0 END`,
      reason: (f) =>
        f.brownfield ? 'brownfield: building on it consumes no natural land under ZAN' : 'not a brownfield',
      reasonFr: (f) =>
        f.brownfield
          ? "Friche : la réemployer ne consomme pas d'espace naturel, agricole ou forestier au sens du ZAN"
          : 'Pas une friche',
    },
    {
      name: 'territory',
      weight: 1,
      expression: sql<number>`CASE WHEN f.in_territory THEN 1 ELSE 0 END`,
      reason: (f) => (f.inTerritory ? "in a Territoire d'industrie" : "outside the Territoires d'industrie"),
      reasonFr: (f) => (f.inTerritory ? "Dans un Territoire d'industrie" : "Hors des Territoires d'industrie"),
    },
  );
  // `kind` decides the facts type, which TypeScript cannot follow from the comparison to K.
  return [...(kind === 'site' ? siteComponents : plotComponents), ...components] as ComponentDefinition<Facts<K>>[];
}

/** The total as SQL (0..100), for sorting and paging. */
export function totalExpression(definition: ComponentSql[]): RawBuilder<number> {
  const weights = definition.reduce((sum, c) => sum + c.weight, 0);
  return sql<number>`(100.0 * (${sql.join(
    definition.map((c) => sql`${sql.lit(c.weight)} * (${c.expression})`),
    sql` + `,
  )}) / ${sql.lit(weights)})`;
}

export const componentColumn = (name: string) => `score_${name}`;

/** The per-result explanation; values come from the `score_<name>` columns of the row (camelCased). */
export function explainScore<F extends SharedFacts>(
  definition: ComponentDefinition<F>[],
  row: F,
): { total: number; components: ScoreComponent[] } {
  const weights = definition.reduce((sum, c) => sum + c.weight, 0);
  const componentValue = (name: string) => row[`score${name[0]!.toUpperCase()}${name.slice(1)}`] ?? 0;
  const total = (100 * definition.reduce((sum, c) => sum + c.weight * componentValue(c.name), 0)) / weights;
  const components = definition.map((c) => ({
    name: c.name,
    weight: c.weight,
    value: round(componentValue(c.name), 3),
    reason: c.reason(row),
    reasonFr: c.reasonFr(row),
  }));
  return { total: round(total, 1), components };
}
