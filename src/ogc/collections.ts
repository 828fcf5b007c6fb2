// The feature collections served under /ogc: which table, which columns are properties (and so
// queryables, sortables and filterable), which column is the feature id and which is the
// temporal extent. This whitelist is the only way a client-supplied name reaches SQL.
// Plots never expose buyer or owner names: a natural person's name is personal data
// (see plots/representation.ts), and OGC clients are anonymous.

export type QueryableType = 'string' | 'number' | 'integer' | 'boolean' | 'date';

export interface Queryable {
  column: string;
  type: QueryableType;
  description?: string;
  /** Stored as text[]; exposed joined with '|' (the CNIG terr_refcad separator). */
  array?: boolean;
}

export interface CollectionDefinition {
  id: string;
  title: string;
  description: string;
  table: string;
  idColumn: string;
  geometryColumn: string;
  /** A date column the `datetime` parameter filters on. */
  datetimeColumn?: string;
  /** Rows soft-deleted with deleted_at are never features. */
  softDelete: boolean;
  properties: Record<string, Queryable>;
}

const s = (column: string, description?: string): Queryable => ({ column, type: 'string', description });
const n = (column: string, description?: string): Queryable => ({ column, type: 'number', description });
const i = (column: string, description?: string): Queryable => ({ column, type: 'integer', description });
const b = (column: string, description?: string): Queryable => ({ column, type: 'boolean', description });
const d = (column: string, description?: string): Queryable => ({ column, type: 'date', description });

export const collections: CollectionDefinition[] = [
  {
    id: 'territories',
    title: "Territoires d'industrie",
    description: "ANCT Territoires d'industrie; boundaries are the union of their member EPCI",
    table: 'territories',
    idColumn: 'id',
    geometryColumn: 'geom',
    softDelete: false,
    properties: {
      name: s('name'),
      regionCode: s('region_code'),
      regionName: s('region_name'),
      phases: { column: 'phases', type: 'string', array: true, description: "programme phases, '|'-separated" },
      rebondIndustriel: b('rebond_industriel'),
      areaHa: n('area_ha', 'hectares, on the ellipsoid'),
    },
  },
  {
    id: 'sites',
    title: 'Sites économiques (CNIG site-eco)',
    description: 'Economic sites: business parks, historic sites, isolated establishments',
    table: 'sites',
    idColumn: 'id',
    geometryColumn: 'geom',
    datetimeColumn: 'updated_on',
    softDelete: true,
    properties: {
      cnigId: s('cnig_id', 'CNIG site_id'),
      name: s('name', 'CNIG site_nom'),
      siteType: s('site_type', 'CNIG site_type'),
      mainVocation: s('main_vocation', 'CNIG site_vocadomi'),
      state: s('state', 'CNIG site_etat'),
      grossAreaHa: n('gross_area_ha', 'CNIG site_surf_brute'),
      usableAreaHa: n('usable_area_ha', 'CNIG site_surf_utile'),
      availableAreaHa: n('available_area_ha', 'CNIG site_surf_comm_dispo'),
      areaHa: n('area_ha', 'hectares, on the ellipsoid'),
      epciSiren: s('epci_siren'),
      communeInsee: s('commune_insee'),
      ownerType: s('owner_type', 'CNIG site_moa_type'),
      powerMw: n('power_mw'),
      turnkeyProgramme: s('turnkey_programme'),
      labelStatus: s('label_status'),
      jobsCount: i('jobs_count', 'CNIG site_nb_emploi'),
      identifiedOn: d('identified_on', 'CNIG site_identif_date'),
      updatedOn: d('updated_on', 'CNIG site_actu_date'),
    },
  },
  {
    id: 'plots',
    title: 'Terrains économiques (CNIG terrain-eco)',
    description: 'Plots of economic land with their land control, development and marketing stages',
    table: 'plots',
    idColumn: 'id',
    geometryColumn: 'geom',
    datetimeColumn: 'updated_on',
    softDelete: true,
    properties: {
      cnigId: s('cnig_id', 'CNIG terr_id'),
      siteId: s('site_id'),
      cadastralRefs: {
        column: 'cadastral_refs',
        type: 'string',
        array: true,
        description: "CNIG terr_refcad, '|'-separated",
      },
      grossAreaHa: n('gross_area_ha', 'CNIG terr_surf_brute'),
      areaHa: n('area_ha', 'hectares, on the ellipsoid'),
      landControl: s('land_control', 'CNIG terr_maitrise_fonc'),
      developmentStage: s('development_stage', 'CNIG terr_stade_amngt'),
      marketingStage: s('marketing_stage', 'CNIG terr_stade_comm'),
      occupation: s('occupation', 'CNIG terr_etat_occup'),
      landUse: s('land_use', 'CNIG terr_usage'),
      planningZone: s('planning_zone'),
      turnkey: b('turnkey', 'CNIG terr_cle_en_main'),
      priceEurM2: n('price_eur_m2', 'CNIG terr_m2_prix'),
      availableFrom: d('available_from'),
      communeInsee: s('commune_insee'),
      identifiedOn: d('identified_on', 'CNIG terr_identif_date'),
      updatedOn: d('updated_on', 'CNIG terr_actu_date'),
    },
  },
  {
    id: 'communes',
    title: 'Communes',
    description: 'Communes (ADMIN EXPRESS)',
    table: 'communes',
    idColumn: 'insee',
    geometryColumn: 'geom',
    softDelete: false,
    properties: {
      name: s('name'),
      department: s('department'),
      epciSiren: s('epci_siren'),
      population: i('population'),
      areaHa: n('area_ha'),
    },
  },
  {
    id: 'epci',
    title: 'EPCI',
    description: 'Établissements publics de coopération intercommunale à fiscalité propre',
    table: 'epci',
    idColumn: 'siren',
    geometryColumn: 'geom',
    softDelete: false,
    properties: { name: s('name'), nature: s('nature'), areaHa: n('area_ha') },
  },
  {
    id: 'brownfields',
    title: 'Friches (CNIG friches, Cartofriches)',
    description: 'Brownfields; a point-only friche is drawn as a disc of its declared area (geomApproximate)',
    table: 'brownfields',
    idColumn: 'id',
    geometryColumn: 'geom',
    softDelete: false,
    properties: {
      name: s('name', 'site_nom'),
      siteType: s('site_type', 'site_type'),
      status: s('status', 'site_statut'),
      communeInsee: s('commune_insee', 'comm_insee'),
      surfaceM2: n('surface_m2', 'unite_fonciere_surface'),
      geomApproximate: b('geom_approximate'),
      sourceName: s('source_name'),
      sourceProducer: s('source_producer'),
      vintage: s('vintage'),
    },
  },
];

export function findCollection(id: string): CollectionDefinition | undefined {
  return collections.find((c) => c.id === id);
}

/** The Part 3 queryables document (JSON Schema 2020-12). */
export function queryablesDocument(collection: CollectionDefinition, selfHref: string) {
  const jsonType = {
    string: 'string',
    number: 'number',
    integer: 'integer',
    boolean: 'boolean',
    date: 'string',
  } as const;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: selfHref,
    type: 'object',
    title: collection.title,
    properties: {
      geometry: {
        format: 'geometry-any',
        description: 'CRS84; the S_ functions with a WKT geometry or a BBOX (GeoJSON in cql2-json)',
      },
      ...Object.fromEntries(
        Object.entries(collection.properties).map(([name, q]) => [
          name,
          {
            type: jsonType[q.type],
            ...(q.type === 'date' ? { format: 'date' } : {}),
            ...(q.description ? { description: q.description } : {}),
          },
        ]),
      ),
    },
    additionalProperties: false,
    // The pre-standard list form, still read by GDAL's OAPIF driver up to 3.6.
    queryables: Object.entries(collection.properties).map(([name, q]) => ({
      id: name,
      type: q.type,
      ...(q.description ? { description: q.description } : {}),
    })),
  };
}
