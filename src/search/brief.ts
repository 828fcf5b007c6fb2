// An investor's brief as query parameters: the one schema behind GET /sites and GET /plots.
// Every filter is optional and they combine with AND. Parsing turns the flat snake_case
// parameters into a typed `Brief` the SQL builder reads; nothing here touches the database.
import { z } from '@hono/zod-openapi';
import { bboxQuery, cursorQuery, limitQuery, territoryId } from '../http/params.js';
import { inseeCommunePattern, sirenPattern } from '../territories/codes.js';
import { developmentStages, forSaleStages, landControls, marketingStages, planningZones } from '../plots/vocabulary.js';
import { labelStates } from '../sites/vocabulary.js';

export const sortKeys = ['score', 'area', 'price', 'distance', 'motorway', 'readiness', 'id'] as const;
export type SortKey = (typeof sortKeys)[number];

/** Shorthands for CNIG terr_stade_comm values an investor uses in a brief. */
export const marketingShorthands: Record<string, readonly (typeof marketingStages)[number][]> = {
  available: forSaleStages,
  under_option: ['réservé par option de réservation', "réservé par une délibération de l'EPCI"],
  sold: ['vendu, commercialisation achevée'],
  not_marketed: ['non commercialisé', 'non commercialisable'],
};

/** A site without a label file, in label_status (its sites.label_status is NULL). */
export const noLabelFile = 'none';
export const labelStatusValues = [...labelStates, noLabelFile] as const;

// `allowed`: the refusal lists the accepted values (short vocabularies only; CNIG's are long).
const list = <T extends string>(
  values: readonly T[],
  name: string,
  shorthands: Record<string, readonly T[]> = {},
  allowed = false,
) =>
  z
    .string()
    .transform((text, ctx) => {
      const out = new Set<T>();
      for (const raw of text.split(',').map((v) => v.trim())) {
        // Own keys only: a word like toString or constructor is no shorthand, it is unknown.
        const expanded = Object.hasOwn(shorthands, raw)
          ? shorthands[raw]
          : (values as readonly string[]).includes(raw)
            ? [raw as T]
            : undefined;
        if (!expanded) {
          const expected = allowed ? `: expected one or more of ${values.join(', ')}` : '';
          ctx.addIssue({ code: 'custom', message: `unknown ${name} ${JSON.stringify(raw)}${expected}` });
          return z.NEVER;
        }
        for (const v of expanded) out.add(v);
      }
      return [...out];
    })
    .optional()
    .openapi({
      type: 'string',
      description:
        `Comma-separated ${name} values` +
        (Object.keys(shorthands).length ? ` or ${Object.keys(shorthands).join(', ')}` : ''),
    });

const flag = (description: string) =>
  z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .transform((v) => v === 'true')
    .optional()
    .openapi({ type: 'string', description: `${description}: true requires it, false excludes it` });

const positive = (description: string) =>
  z.coerce
    .number({ message: 'expected a number' })
    .nonnegative({ message: 'must be >= 0' })
    .optional()
    .openapi({ type: 'number', description });

/** A region or département as a code or a name (resolved by territories/places.ts). */
const placeName = z
  .string()
  .trim()
  .min(1, { message: 'expected a code or a name' })
  .max(100, { message: 'at most 100 characters' });

const lonLat = z
  .string()
  .transform((text, ctx) => {
    const parts = text.split(',').map((p) => Number(p.trim()));
    const [lon, lat] = parts as [number, number];
    if (parts.length !== 2 || !parts.every(Number.isFinite) || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
      ctx.addIssue({ code: 'custom', message: 'expected lon,lat in CRS84 degrees' });
      return z.NEVER;
    }
    return { lon, lat };
  })
  .optional()
  .openapi({
    type: 'string',
    example: '4.85,45.75',
    description: 'lon,lat (CRS84): the point distances are measured from',
  });

export const briefQuery = z
  .object({
    // where
    territory: territoryId.optional().openapi({ description: "Territoire d'industrie id: sites of its member EPCI" }),
    within: territoryId
      .optional()
      .openapi({ description: "Territoire d'industrie id: results whose point on surface lies inside its boundary" }),
    epci: z.string().regex(sirenPattern, { message: 'expected an EPCI SIREN (9 digits)' }).optional(),
    commune: z.string().regex(inseeCommunePattern, { message: 'expected an INSEE commune code' }).optional(),
    // Codes or names: places.ts turns a name into its code before the search (it needs the database).
    department: placeName.optional().openapi({
      description: 'Département: INSEE code (26, 2A, 974) or name, accents and case ignored (drome, Drôme)',
    }),
    region: placeName.optional().openapi({
      description:
        'Region: INSEE code (84) or name, accents and case ignored (auvergne-rhone-alpes, Auvergne-Rhône-Alpes)',
    }),
    bbox: bboxQuery.optional(),
    near: lonLat,
    radius_km: z.coerce
      .number({ message: 'expected a number' })
      .gt(0, { message: 'must be > 0 and <= 1000' })
      .max(1000, { message: 'must be > 0 and <= 1000' })
      .optional()
      .openapi({ type: 'number', description: 'With near: only results within this many km (geodesic)' }),
    // size: a plot an investor can take
    min_area_ha: positive(
      'Minimum area, ha. Sites: of their largest available plot (for sale), one plot an investor can take; ' +
        'plots: of the plot',
    ),
    max_area_ha: positive('Maximum area, ha. Sites: of their largest available plot (for sale); plots: of the plot'),
    min_available_ha: positive(
      'Minimum total available area, ha: the plots for sale of a site added up ' +
        '(sites declaring no plot: CNIG site_surf_comm_dispo); on plots, of their site',
    ),
    // readiness
    turnkey: flag('Turnkey site (programme "sites clés en main") or turnkey plot'),
    label_status: list(labelStatusValues, 'label status', {}, true).openapi({
      type: 'string',
      example: 'labelled,under_review',
      description: `Comma-separated label states of the site's label file (${labelStates.join(', ')}), or ${noLabelFile} for a site without a label file; on plots, of their site`,
    }),
    development_stage: list(developmentStages, 'development stage'),
    marketing_stage: list(marketingStages, 'marketing stage', marketingShorthands),
    available_before: z.iso.date({ message: 'expected an ISO date YYYY-MM-DD' }).optional().openapi({
      description:
        'Available on or before this date (sites: the earliest of their plots for sale, or as declared without plots)',
    }),
    land_control: list(landControls, 'land control'),
    // utilities and access (CNIG reseau_* and *_dist fields)
    electricity: flag('Electricity network (reseau_electrique)'),
    min_power_mw: positive('Minimum electrical power available, MW'),
    gas: flag('Gas network (reseau_gaz)'),
    drinking_water: flag('Drinking water (reseau_eau_potable)'),
    sewerage: flag('Sewerage (reseau_assainissement)'),
    fibre: flag('Optical fibre (reseau_fibre_optique)'),
    rail_siding: flag('Rail siding, ITE (reseau_fret_ferroviaire)'),
    river_quay: flag('River quay (reseau_fluvial)'),
    max_motorway_km: positive('Maximum distance to a motorway interchange, km (autoroute_echang_dist)'),
    max_freight_station_km: positive('Maximum distance to a freight station, km (gare_fret_dist)'),
    max_port_km: positive('Maximum distance to a port, km (port_dist)'),
    // land
    brownfield: flag('Brownfield (a plot in friche, or listed in Cartofriches)'),
    planning_zone: list(planningZones, 'planning zone'),
    max_price_eur_m2: positive('Maximum price, EUR/m² (terr_m2_prix)'),
    q: z
      .string()
      .min(1)
      .max(200, { message: 'at most 200 characters' })
      .optional()
      .openapi({ description: 'Words in the name, accent- and case-insensitive' }),
    // ranking and paging
    sort: z
      .string()
      .regex(new RegExp(`^-?(?:${sortKeys.join('|')})$`), {
        message: `expected one of ${sortKeys.join(', ')}, optionally prefixed by -`,
      })
      .optional()
      .openapi({
        description:
          'score and readiness: best first; area (sites: the largest available plot), price, distance, motorway, id: ' +
          'smallest first; a leading - reverses. Default score.',
      }),
    // JSON pages default to 50 (listing.ts); GeoJSON and CSV without limit export every match.
    limit: limitQuery(undefined),
    cursor: cursorQuery,
    count: z
      .enum(['capped', 'exact'])
      .optional()
      .openapi({
        description:
          'capped (default): total counts up to 1000 matches, totalExact false beyond; ' +
          'exact: counts every match, slower on wide briefs',
      }),
    f: z
      .enum(['json', 'geojson', 'csv', 'spreadsheet'])
      .optional()
      .openapi({
        description:
          'json (default), geojson, csv (CNIG columns, ;), or spreadsheet ' +
          "(sites only: the brief's fields under French headings, UTF-8 with BOM, ;, decimal comma)",
      }),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.radius_km !== undefined && !q.near)
      ctx.addIssue({ code: 'custom', path: ['radius_km'], message: 'needs near=lon,lat' });
    if (q.sort?.replace('-', '') === 'distance' && !q.near)
      ctx.addIssue({ code: 'custom', path: ['sort'], message: 'sorting by distance needs near=lon,lat' });
    if (q.min_area_ha !== undefined && q.max_area_ha !== undefined && q.min_area_ha > q.max_area_ha) {
      ctx.addIssue({ code: 'custom', path: ['max_area_ha'], message: 'smaller than min_area_ha' });
    }
  });

export type BriefQuery = z.infer<typeof briefQuery>;

/** The brief with paging separated out, as the SQL builder reads it. */
export interface Brief {
  filters: Omit<BriefQuery, 'sort' | 'limit' | 'cursor' | 'f' | 'count'>;
  sort: { key: SortKey; reverse: boolean };
}

export function toBrief(query: BriefQuery): Brief {
  const { sort, limit: _limit, cursor: _cursor, f: _f, count: _count, ...filters } = query;
  const reverse = sort?.startsWith('-') ?? false;
  return { filters, sort: { key: (sort?.replace('-', '') ?? 'score') as SortKey, reverse } };
}
