// The CNIG "Sites économiques" v1.0.1 exchange fields and the columns they map to, in the
// standard's order: the one place where CNIG names (site_vocadomi, terr_refcad…) meet our
// column names. Exports write these columns in this order; importers read them back.
// Fields marked `derived` are computed on export (names of the EPCI and commune, the point
// on surface, the site's CNIG id for a plot) and resolved or ignored on import.
import type { PlotTable, SiteTable } from '../db/schema.js';

export type CnigValueKind = 'text' | 'number' | 'integer' | 'date' | 'year' | 'boolean' | 'geometry' | 'point' | 'refs';

export interface CnigField<Column extends string> {
  name: string;
  kind: CnigValueKind;
  /** The column it maps to; absent for a derived field. */
  column?: Column;
}

type SiteColumn = Extract<keyof SiteTable, string>;
type PlotColumn = Extract<keyof PlotTable, string>;

const f = <C extends string>(name: string, kind: CnigValueKind, column?: C): CnigField<C> => ({
  name,
  kind,
  ...(column ? { column } : {}),
});

export const siteEcoFields: CnigField<SiteColumn>[] = [
  f('site_id', 'text', 'cnigId'),
  f('pole_id', 'text', 'poleId'),
  f('site_nom', 'text', 'name'),
  f('site_type', 'text', 'siteType'),
  f('site_vocadomi', 'text', 'mainVocation'),
  f('site_etat', 'text', 'state'),
  f('site_surf_brute', 'number', 'grossAreaHa'),
  f('site_surf_utile', 'number', 'usableAreaHa'),
  f('site_creation_date', 'year', 'creationYear'),
  f('site_identif_date', 'date', 'identifiedOn'),
  f('site_actu_date', 'date', 'updatedOn'),
  f('source_producteur', 'text', 'producer'),
  f('site_description', 'text', 'description'),
  f('site_quali_territoire', 'text', 'territorialLabel'),
  f('site_evol_urba', 'text', 'urbanisationType'),
  f('site_url', 'text', 'url'),
  f('site_epci_nom', 'text'),
  f('site_epci_siren', 'text', 'epciSiren'),
  f('site_comm_nom', 'text'),
  f('site_comm_insee', 'text', 'communeInsee'),
  f('site_moa_type', 'text', 'ownerType'),
  f('site_moa_nom', 'text', 'ownerName'),
  f('site_moa_amngt', 'text', 'developerName'),
  f('site_moa_comm', 'text', 'marketerName'),
  f('site_uf_nbre', 'integer', 'landUnitsCount'),
  f('site_uf_vacant_nbre', 'integer', 'vacantLandUnitsCount'),
  f('site_taux_vacance', 'number', 'vacancyRate'),
  f('site_uf_bati_nbre', 'integer', 'builtLandUnitsCount'),
  f('site_nb_etab', 'integer', 'establishmentsCount'),
  f('site_nb_emploi', 'integer', 'jobsCount'),
  f('site_geomsurf', 'geometry', 'geom'),
  f('site_geompoint', 'point'),
  f('site_media', 'text', 'mediaUrl'),
  f('site_surf_comm_dispo', 'number', 'availableAreaHa'),
  f('site_surf_projet', 'number', 'reservedAreaHa'),
  f('site_voca_industrielle', 'boolean', 'vocationIndustrial'),
  f('site_voca_commerciale', 'boolean', 'vocationCommercial'),
  f('site_voca_tertiaire', 'boolean', 'vocationTertiary'),
  f('site_voca_artisanale', 'boolean', 'vocationCraft'),
  f('site_voca_touristique', 'boolean', 'vocationTourism'),
  f('site_voca_portuaire', 'boolean', 'vocationPort'),
  f('site_voca_aeroportuaire', 'boolean', 'vocationAirport'),
  f('reseau_eau_pluviale', 'boolean', 'networkRainwater'),
  f('reseau_eau_potable', 'boolean', 'networkDrinkingWater'),
  f('reseau_assainissement', 'boolean', 'networkSewerage'),
  f('reseau_gaz', 'boolean', 'networkGas'),
  f('reseau_electrique', 'boolean', 'networkElectricity'),
  f('reseau_fibre_optique', 'boolean', 'networkFibre'),
  f('reseau_fret_ferroviaire', 'boolean', 'railSiding'),
  f('reseau_fluvial', 'boolean', 'riverQuay'),
  f('desserte_tc', 'boolean', 'publicTransport'),
  f('desserte_route_nom', 'text', 'mainRoadName'),
  f('autoroute_nom', 'text', 'motorwayName'),
  f('autoroute_echang_dist', 'number', 'motorwayInterchangeKm'),
  f('gare_nom', 'text', 'stationName'),
  f('gare_dist', 'number', 'stationKm'),
  f('gare_fret_nom', 'text', 'freightStationName'),
  f('gare_fret_dist', 'number', 'freightStationKm'),
  f('aeroport_nom', 'text', 'airportName'),
  f('aeroport_dist', 'number', 'airportKm'),
  f('port_nom', 'text', 'portName'),
  f('port_dist', 'number', 'portKm'),
];

export const terrainEcoFields: CnigField<PlotColumn>[] = [
  f('terr_id', 'text', 'cnigId'),
  // The site's CNIG site_id; resolved to our sites.id on import.
  f('site_id', 'text'),
  f('terr_refcad', 'refs', 'cadastralRefs'),
  f('terr_surf_brute', 'number', 'grossAreaHa'),
  f('terr_utile', 'boolean', 'countsInUsableArea'),
  f('terr_identif_date', 'date', 'identifiedOn'),
  f('terr_actu_date', 'date', 'updatedOn'),
  f('terr_maitrise_fonc', 'text', 'landControl'),
  f('terr_stade_amngt', 'text', 'developmentStage'),
  f('terr_stade_comm', 'text', 'marketingStage'),
  f('terr_etat_occup', 'text', 'occupation'),
  f('terr_usage', 'text', 'landUse'),
  f('terr_url_cartofriches', 'text', 'cartofrichesUrl'),
  f('terr_geomsurf', 'geometry', 'geom'),
  f('terr_cle_en_main', 'boolean', 'turnkey'),
  // A natural person's name is personal data: exported empty (see cnig/write.ts).
  f('terr_acquereur', 'text', 'buyerName'),
  f('terr_cession_date', 'date', 'soldOn'),
  f('terr_vente_montant', 'number', 'saleAmountEur'),
  f('terr_m2_prix', 'number', 'priceEurM2'),
];

export type CnigClass = 'site-eco' | 'terrain-eco';

/**
 * A Foncier extension column: what investors filter on and the standard has no field for.
 * Written after the standard's columns (never between them), read back on import, so that a
 * round trip loses nothing; `version` is the extension set's version that introduced it.
 * README ("Extension columns") lists them.
 */
export interface CnigExtension<Column extends string> extends CnigField<Column> {
  column: Column;
  version: string;
  unit?: string;
  /** The values allowed, for an enumerated text. */
  values?: readonly string[];
  description: string;
}

/** The extension set's version: bumped when a column is added or changes meaning. */
export const extensionsVersion = '1.0';

// Rail siding (ITE) is the standard's reseau_fret_ferroviaire already; no extension for it.
export const siteEcoExtensions: CnigExtension<SiteColumn>[] = [
  {
    name: 'ext_puissance_mw',
    kind: 'number',
    column: 'powerMw',
    version: '1.0',
    unit: 'MW',
    description: 'puissance électrique disponible sur le site',
  },
  {
    name: 'ext_disponible_le',
    kind: 'date',
    column: 'availableFrom',
    version: '1.0',
    description: 'date à laquelle le site peut accueillir une usine (AAAA-MM-JJ)',
  },
  {
    name: 'ext_programme_cle_en_main',
    kind: 'text',
    column: 'turnkeyProgramme',
    version: '1.0',
    description: 'programme « sites clés en main » du site (ex. France 2030)',
  },
];

export const terrainEcoExtensions: CnigExtension<PlotColumn>[] = [
  {
    name: 'ext_zone_plu',
    kind: 'text',
    column: 'planningZone',
    version: '1.0',
    values: ['U', 'AU', 'A', 'N'],
    description: 'zone du document d’urbanisme (PLU/PLUi) sous le terrain',
  },
  {
    name: 'ext_disponible_le',
    kind: 'date',
    column: 'availableFrom',
    version: '1.0',
    description: 'date à laquelle le terrain est disponible (AAAA-MM-JJ)',
  },
];

export function cnigExtensions(kind: CnigClass): CnigExtension<string>[] {
  return (kind === 'site-eco' ? siteEcoExtensions : terrainEcoExtensions) as CnigExtension<string>[];
}

/** CNIG booleans are the strings 'oui' / 'non'. */
export function cnigBoolean(value: boolean | null): string {
  return value === null ? '' : value ? 'oui' : 'non';
}

/** terr_refcad: 14-character parcel ids separated by '|'. */
export const refcadSeparator = '|';
