// The tile layers: which rows, which typed properties, which geometry at which zoom. One SQL
// query per layer and tile feeds both encoders (ST_AsMVT on PostgreSQL, the TypeScript
// encoder on the embedded database), so both paths see the same features, ids and values.
//
// Feature ids: MVT wants unsigned integers and our ids are UUIDs (sites, plots) or text
// (territories). The id is the first 48 bits of md5(id): stable across databases and
// processes, exact in JavaScript (< 2^53), and with 48 bits the chance of two features of
// one tile sharing an id is about n²/2^49 (4e-9 for 1,000 features). No migration needed;
// clients that need the catalogue id read the `id` property.
import { sql, type RawBuilder } from 'kysely';
import type { PropertyType } from './mvt-encoder.js';
import { BUFFER, EXTENT, tileUnitMetres } from './tile-math.js';

export type LayerId = 'territories' | 'sites' | 'plots';

export interface LayerField {
  type: PropertyType;
  description: string;
}

export interface TileQuery {
  z: number;
  x: number;
  y: number;
  territory?: string;
}

export interface TileLayer {
  id: LayerId;
  description: string;
  minzoom: number;
  maxzoom: number;
  /**
   * Most features one tile of the layer holds, biggest first. With ~110 bytes per plot and
   * ~80 per site, 2,500 plots + 1,500 sites + territories stay under the 500 KB bound.
   */
  featureCap: number;
  fields: Record<string, LayerField>;
  /** The geometry at zoom z: points (centroid-like) or the polygons themselves. */
  geometryAt(z: number): 'point' | 'polygon';
  /**
   * `SELECT fid, <properties>, <wrap(geom in EPSG:3857)> AS geom` for one tile; `wrap` turns
   * the geometry into tile geometry (ST_AsMVTGeom, or the clip/affine/snap chain).
   */
  features(query: TileQuery, wrap: (geom: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<unknown>;
}

const featureId = (column: RawBuilder<unknown>) => sql`('x' || left(md5(${column}::text), 12))::bit(48)::bigint`;

/** The tile's buffered envelope as a lon/lat box, for the GiST index on the EPSG:4326 columns. */
const searchBox = ({ z, x, y }: TileQuery) =>
  sql`ST_Transform(ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => ${BUFFER / EXTENT}::float8), 4326)`;

const roundedHa = (column: RawBuilder<unknown>) => sql`round(${column}::numeric, 2)::float8`;

/**
 * Territory boundaries are large multipolygons: clip them to the tile in lon/lat first (cheap,
 * and an axis-aligned cut stays straight in Web Mercator), then simplify to a tile unit.
 */
const territories: TileLayer = {
  id: 'territories',
  description: "Territoires d'industrie (union of their member EPCI)",
  minzoom: 0,
  maxzoom: 16,
  featureCap: 500,
  fields: {
    id: { type: 'string', description: 'ANCT territory id, e.g. ti-8401' },
    name: { type: 'string', description: 'Territory name' },
    regionName: { type: 'string', description: 'Region' },
    rebondIndustriel: { type: 'boolean', description: 'Laureate of the Rebond industriel call' },
    areaHa: { type: 'number', description: 'Area on the ellipsoid, hectares' },
  },
  geometryAt: () => 'polygon',
  features(q, wrap) {
    const box = searchBox(q);
    const geom = sql`ST_Simplify(ST_Transform(ST_ClipByBox2D(t.geom, ${box}::box2d), 3857), ${tileUnitMetres(q.z) / 2}::float8, true)`;
    return sql`SELECT ${featureId(sql`t.id`)} AS fid, t.id AS "id", t.name AS "name", t.region_name AS "regionName",
        t.rebond_industriel AS "rebondIndustriel", ${roundedHa(sql`t.area_ha`)} AS "areaHa", ${wrap(geom)} AS geom
      FROM territories t
      WHERE t.geom && ${box} ${q.territory === undefined ? sql`` : sql`AND t.id = ${q.territory}`}
      ORDER BY t.area_ha DESC, t.id LIMIT ${this.featureCap}`;
  },
};

/** Below zoom 10 a site is a few pixels: draw it as a point on its surface. */
const SITE_POINT_BELOW = 10;

const sites: TileLayer = {
  id: 'sites',
  description: 'Sites économiques (CNIG site-eco); points below zoom 10',
  minzoom: 5,
  maxzoom: 16,
  featureCap: 1500,
  fields: {
    id: { type: 'string', description: 'Site id (UUID): /sites/{id}' },
    name: { type: 'string', description: 'CNIG site_nom' },
    siteType: { type: 'string', description: 'CNIG site_type' },
    mainVocation: { type: 'string', description: 'CNIG site_vocadomi' },
    state: { type: 'string', description: 'CNIG site_etat' },
    areaHa: { type: 'number', description: 'Area on the ellipsoid, hectares' },
    availableAreaHa: { type: 'number', description: 'CNIG site_surf_comm_dispo, hectares' },
    powerMw: { type: 'number', description: 'Electrical power available, MW' },
    turnkey: { type: 'boolean', description: 'In the turnkey-sites programme ("sites clés en main")' },
    labelStatus: { type: 'string', description: 'Turnkey label workflow status' },
  },
  geometryAt: (z) => (z < SITE_POINT_BELOW ? 'point' : 'polygon'),
  features(q, wrap) {
    const geom = q.z < SITE_POINT_BELOW ? sql`ST_Transform(ST_PointOnSurface(s.geom), 3857)` : sql`ST_Transform(s.geom, 3857)`;
    return sql`SELECT ${featureId(sql`s.id`)} AS fid, s.id::text AS "id", s.name AS "name", s.site_type AS "siteType",
        s.main_vocation AS "mainVocation", s.state AS "state", ${roundedHa(sql`s.area_ha`)} AS "areaHa",
        s.available_area_ha AS "availableAreaHa", s.power_mw AS "powerMw",
        (s.turnkey_programme IS NOT NULL) AS "turnkey", s.label_status AS "labelStatus", ${wrap(geom)} AS geom
      FROM sites s
      WHERE s.deleted_at IS NULL AND s.geom && ${searchBox(q)}
        ${q.territory === undefined ? sql`` : sql`AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${q.territory})`}
      ORDER BY s.area_ha DESC, s.id LIMIT ${this.featureCap}`;
  },
};

/** Below zoom 13 a plot is a point; the smallest are dropped (hectares, by zoom). */
const PLOT_POINT_BELOW = 13;
const plotMinAreaHa: Record<number, number> = { 10: 1, 11: 0.5, 12: 0.2 };

/** The smallest plot drawn at zoom z: a square of 2 tile units at polygon zooms. */
export function plotMinimumAreaHa(z: number): number {
  return plotMinAreaHa[z] ?? (2 * tileUnitMetres(z)) ** 2 / 10_000 / 4;
}

const plots: TileLayer = {
  id: 'plots',
  description: 'Terrains économiques (CNIG terrain-eco); points below zoom 13, small plots dropped at low zoom',
  minzoom: 10,
  maxzoom: 16,
  featureCap: 2500,
  fields: {
    id: { type: 'string', description: 'Plot id (UUID): /plots/{id}' },
    siteId: { type: 'string', description: 'Site id (UUID)' },
    marketingStage: { type: 'string', description: 'CNIG terr_stade_comm' },
    developmentStage: { type: 'string', description: 'CNIG terr_stade_amngt' },
    occupation: { type: 'string', description: "CNIG terr_etat_occup ('friche' for a brownfield)" },
    landUse: { type: 'string', description: 'CNIG terr_usage' },
    planningZone: { type: 'string', description: 'PLU zone type: U, AU, A, N' },
    turnkey: { type: 'boolean', description: 'CNIG terr_cle_en_main' },
    areaHa: { type: 'number', description: 'Area on the ellipsoid, hectares' },
    priceEurM2: { type: 'number', description: 'CNIG terr_m2_prix, euros per m²' },
    availableFrom: { type: 'string', description: 'Date the plot is available (YYYY-MM-DD)' },
  },
  geometryAt: (z) => (z < PLOT_POINT_BELOW ? 'point' : 'polygon'),
  features(q, wrap) {
    // Buyer and owner names never enter a tile: tiles are public (plots/representation.ts).
    const geom = q.z < PLOT_POINT_BELOW ? sql`ST_Transform(ST_PointOnSurface(p.geom), 3857)` : sql`ST_Transform(p.geom, 3857)`;
    return sql`SELECT ${featureId(sql`p.id`)} AS fid, p.id::text AS "id", p.site_id::text AS "siteId",
        p.marketing_stage AS "marketingStage", p.development_stage AS "developmentStage", p.occupation AS "occupation",
        p.land_use AS "landUse", p.planning_zone AS "planningZone", p.turnkey AS "turnkey",
        ${roundedHa(sql`p.area_ha`)} AS "areaHa", p.price_eur_m2 AS "priceEurM2", p.available_from::text AS "availableFrom",
        ${wrap(geom)} AS geom
      FROM plots p
      WHERE p.deleted_at IS NULL AND p.geom && ${searchBox(q)} AND p.area_ha >= ${plotMinimumAreaHa(q.z)}::float8
        ${q.territory === undefined ? sql`` : sql`AND p.site_id IN (SELECT s.id FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren WHERE te.territory_id = ${q.territory})`}
      ORDER BY p.area_ha DESC, p.id LIMIT ${this.featureCap}`;
  },
};

export const tileLayers: readonly TileLayer[] = [territories, sites, plots];

export function findTileLayer(id: string): TileLayer | undefined {
  return tileLayers.find((layer) => layer.id === id);
}

/** Which layer a catalogue write touches (the change feed's entity names). */
export const layerOfEntity = { site: 'sites', plot: 'plots' } as const satisfies Record<string, LayerId>;
