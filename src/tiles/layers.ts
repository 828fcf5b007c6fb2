// The tile layers: which rows, which typed properties, which geometry at which zoom. One SQL
// query per layer and tile feeds both encoders (ST_AsMVT on PostgreSQL, the TypeScript
// encoder on the embedded database), so both paths see the same features, ids and values.
//
// Below the zoom where a layer draws polygons it is drawn as grid clusters (clusters.ts):
// counts and sums per cell, nothing capped or dropped. The polygon zooms keep a feature cap.
//
// Feature ids: MVT wants unsigned integers and our ids are UUIDs (sites, plots) or text
// (territories). The id is the first 48 bits of md5(id): stable across databases and
// processes, exact in JavaScript (< 2^53), and with 48 bits the chance of two features of
// one tile sharing an id is about n²/2^49 (4e-9 for 1,000 features). No migration needed;
// clients that need the catalogue id read the `id` property.
import type { BBox, Polygon } from 'geojson';
import { sql, type RawBuilder } from 'kysely';
import type { SubscribeToInvalidations } from '../../tiles/cache.js';
import type { ChangeFeed } from '../changes.js';
import { type ClusterBuild, type ClusterCells, clusterFeatures } from './clusters.js';
import type { PropertyType } from '../../tiles/mvt-encoder.js';
import { tileSearchBox, tileUnitMetres } from '../../tiles/tile-math.js';
import { forSaleStages } from '../plots/vocabulary.js';
import { codeSyntax } from '../territories/codes.js';

export type LayerId = 'territories' | 'sites' | 'plots' | 'brownfields';

export interface LayerField {
  type: PropertyType;
  description: string;
}

export interface TileQuery {
  z: number;
  x: number;
  y: number;
  territory?: string;
  /** Cluster zooms: from the pre-aggregated cells (the default) or the members (the baseline tests and bench compare with). */
  clusters?: ClusterBuild;
}

export interface TileLayer {
  id: LayerId;
  description: string;
  minzoom: number;
  maxzoom: number;
  /**
   * Most features one polygon tile of the layer holds, biggest first. With ~110 bytes per
   * plot, ~80 per site and ~120 per brownfield, 2,500 plots + 1,500 sites + 1,000 brownfields
   * + territories stay under the 500 KB bound. Cluster tiles hold at most 64 points per layer.
   */
  featureCap: number;
  /** Below this zoom the layer is grid clusters (clusters.ts); 0 for never. */
  clusterBelow: number;
  /** Properties of the features (polygon zooms). */
  fields: Record<string, LayerField>;
  /** Properties of the clusters; a name shared with `fields` has the same type. */
  clusterFields: Record<string, LayerField>;
  /** The geometry at zoom z: grid clusters (points) or the polygons themselves. */
  geometryAt(z: number): 'cluster' | 'polygon';
  /**
   * `SELECT fid, <properties>, <wrap(geom in EPSG:3857)> AS geom` for one tile; `wrap` turns
   * the geometry into tile geometry (ST_AsMVTGeom, or the clip/affine/snap chain).
   */
  features(query: TileQuery, wrap: (geom: RawBuilder<unknown>) => RawBuilder<unknown>): RawBuilder<unknown>;
}

const featureId = (column: RawBuilder<unknown>) => sql`('x' || left(md5(${column}::text), 12))::bit(48)::bigint`;

/**
 * The tile's buffered envelope as a lon/lat box, for the GiST index on the EPSG:4326 columns;
 * computed in tile-math.ts (never past ±180°, see tileSearchBox) and passed as parameters.
 */
const searchBox = (q: TileQuery) => {
  const [west, south, east, north] = tileSearchBox(q);
  return sql`ST_MakeEnvelope(${west}::float8, ${south}::float8, ${east}::float8, ${north}::float8, 4326)`;
};

const roundedHa = (column: RawBuilder<unknown>) => sql`round(${column}::numeric, 2)::float8`;

/** The pre-aggregated cells of a layer for a cluster tile, unless the query asks for the members. */
function clusterCells(
  layer: TileLayer,
  q: TileQuery,
  aggregates: ClusterCells['aggregates'],
): ClusterCells | undefined {
  // The cells hold the zooms the layer is served at as clusters (sql/016: foncier_cluster_levels).
  if (q.clusters === 'members' || q.z < layer.minzoom || q.z >= layer.clusterBelow) return undefined;
  return { layer: layer.id as ClusterCells['layer'], territory: q.territory, aggregates };
}

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
  clusterBelow: 0,
  fields: {
    id: { type: 'string', description: 'ANCT territory id, e.g. ti-8401' },
    name: { type: 'string', description: 'Territory name' },
    regionName: { type: 'string', description: 'Region' },
    rebondIndustriel: { type: 'boolean', description: 'Laureate of the Rebond industriel call' },
    areaHa: { type: 'number', description: 'Area on the ellipsoid, hectares' },
  },
  clusterFields: {},
  geometryAt: () => 'polygon',
  features(q, wrap) {
    const box = searchBox(q);
    const clipped = sql`ST_Transform(ST_ClipByBox2D(t.geom, ${box}::box2d), 3857)`;
    const geom = sql`ST_Simplify(${clipped}, ${tileUnitMetres(q.z) / 2}::float8, true)`;
    return sql`SELECT ${featureId(sql`t.id`)} AS fid, t.id AS "id", t.name AS "name", t.region_name AS "regionName",
        t.rebond_industriel AS "rebondIndustriel", ${roundedHa(sql`t.area_ha`)} AS "areaHa", ${wrap(geom)} AS geom
      FROM territories t
      WHERE t.geom && ${box} ${q.territory === undefined ? sql`` : sql`AND t.id = ${q.territory}`}
      ORDER BY t.area_ha DESC, t.id LIMIT ${this.featureCap}`;
  },
};

/**
 * Sites are drawn from zoom 11 (a 30 ha site is then ~10 px across in France); below, grid
 * clusters (sql/018: at z10 the densest tile carried 1,500 site polygons of a few pixels each).
 */
const SITE_CLUSTER_BELOW = 11;

const sites: TileLayer = {
  id: 'sites',
  description: 'Sites économiques (CNIG site-eco); grid clusters below zoom 11',
  minzoom: 5,
  maxzoom: 16,
  featureCap: 1500,
  clusterBelow: SITE_CLUSTER_BELOW,
  fields: {
    id: { type: 'string', description: 'Site id (UUID): /sites/{id}' },
    name: { type: 'string', description: 'CNIG site_nom' },
    siteType: { type: 'string', description: 'CNIG site_type' },
    mainVocation: { type: 'string', description: 'CNIG site_vocadomi' },
    state: { type: 'string', description: 'CNIG site_etat' },
    areaHa: { type: 'number', description: 'Area on the ellipsoid, hectares' },
    availableAreaHa: {
      type: 'number',
      description:
        'Area of the plots for sale, hectares (a site without plots: CNIG site_surf_comm_dispo), as GET /sites',
    },
    maxPlotAreaHa: { type: 'number', description: 'Largest plot for sale, hectares (without plots: as declared)' },
    powerMw: { type: 'number', description: 'Electrical power available, MW' },
    turnkey: { type: 'boolean', description: 'In the turnkey-sites programme ("sites clés en main")' },
    labelStatus: { type: 'string', description: 'Turnkey label workflow status' },
  },
  clusterFields: {
    count: { type: 'integer', description: 'Sites in the cell' },
    areaHa: { type: 'number', description: 'Their area, hectares' },
    availableAreaHa: {
      type: 'number',
      description: 'Their available area, hectares, as GET /sites gives it (sites with none known count 0)',
    },
    turnkeyCount: { type: 'integer', description: 'Of which in the turnkey-sites programme' },
    labelledCount: { type: 'integer', description: 'Of which labelled turnkey sites' },
    id: { type: 'string', description: 'The site id when the cell holds one site' },
  },
  geometryAt: (z) => (z < SITE_CLUSTER_BELOW ? 'cluster' : 'polygon'),
  features(q, wrap) {
    const territory =
      q.territory === undefined
        ? sql``
        : sql`AND s.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${q.territory})`;
    if (q.z < SITE_CLUSTER_BELOW) {
      return clusterFeatures(q, wrap, {
        members: sql`SELECT s.id::text AS id, Box2D(s.geom) AS box, s.area_ha,
            s.offer_available_area_ha AS available_area_ha, s.turnkey_programme, s.label_status
          FROM sites s WHERE s.deleted_at IS NULL AND s.geom && ${searchBox(q)} ${territory}`,
        aggregates: {
          areaHa: roundedHa(sql`sum(c.area_ha::numeric)`),
          availableAreaHa: roundedHa(sql`coalesce(sum(c.available_area_ha::numeric), 0)`),
          turnkeyCount: sql`count(*) FILTER (WHERE c.turnkey_programme IS NOT NULL)`,
          labelledCount: sql`count(*) FILTER (WHERE c.label_status = 'labelled')`,
        },
        cells: clusterCells(this, q, {
          areaHa: roundedHa(sql`sum(c.sum_a)`),
          availableAreaHa: roundedHa(sql`sum(c.sum_b)`),
          turnkeyCount: sql`sum(c.count_a)::bigint`,
          labelledCount: sql`sum(c.count_b)::bigint`,
        }),
      });
    }
    return sql`SELECT ${featureId(sql`s.id`)} AS fid, s.id::text AS "id", s.name AS "name", s.site_type AS "siteType",
        s.main_vocation AS "mainVocation", s.state AS "state", ${roundedHa(sql`s.area_ha`)} AS "areaHa",
        ${roundedHa(sql`s.offer_available_area_ha`)} AS "availableAreaHa",
        ${roundedHa(sql`s.offer_max_plot_area_ha`)} AS "maxPlotAreaHa", s.power_mw AS "powerMw",
        (s.turnkey_programme IS NOT NULL) AS "turnkey", s.label_status AS "labelStatus",
        ${wrap(sql`ST_Transform(s.geom, 3857)`)} AS geom
      FROM sites s
      WHERE s.deleted_at IS NULL AND s.geom && ${searchBox(q)} ${territory}
      ORDER BY s.area_ha DESC, s.id LIMIT ${this.featureCap}`;
  },
};

/** Plots are drawn from zoom 13 (a 1 ha plot is then ~15 px across in France); below, grid clusters. */
const PLOT_CLUSTER_BELOW = 13;

/** The smallest plot drawn at zoom z: a square of 2 tile units (polygon zooms). */
export function plotMinimumAreaHa(z: number): number {
  return (2 * tileUnitMetres(z)) ** 2 / 10_000 / 4;
}

const plots: TileLayer = {
  id: 'plots',
  description: 'Terrains économiques (CNIG terrain-eco); grid clusters below zoom 13',
  // Below zoom 10 the sites' clusters tell where the supply is; a plots cluster tile there
  // would aggregate every plot of a region on each build (0.7 s for a z6 tile of 400,000).
  minzoom: 10,
  maxzoom: 16,
  featureCap: 2500,
  clusterBelow: PLOT_CLUSTER_BELOW,
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
  clusterFields: {
    count: { type: 'integer', description: 'Plots in the cell' },
    areaHa: { type: 'number', description: 'Their area, hectares' },
    availableCount: {
      type: 'integer',
      description: "Of which for sale (terr_stade_comm 'en vente' or 'en vente avec contraintes')",
    },
    availableAreaHa: { type: 'number', description: 'Area of those for sale, hectares' },
    turnkeyCount: { type: 'integer', description: 'Of which turnkey (terr_cle_en_main)' },
    brownfieldCount: { type: 'integer', description: "Of which brownfields (terr_etat_occup 'friche')" },
    id: { type: 'string', description: 'The plot id when the cell holds one plot' },
  },
  geometryAt: (z) => (z < PLOT_CLUSTER_BELOW ? 'cluster' : 'polygon'),
  features(q, wrap) {
    // Buyer and owner names never enter a tile: tiles are public (plots/representation.ts).
    const territory =
      q.territory === undefined
        ? sql``
        : sql`AND p.site_id IN (
            SELECT s.id
            FROM sites s JOIN territory_epci te ON te.epci_siren = s.epci_siren
            WHERE te.territory_id = ${q.territory})`;
    if (q.z < PLOT_CLUSTER_BELOW) {
      const forSale = sql`c.marketing_stage IN (${sql.join(forSaleStages)})`;
      return clusterFeatures(q, wrap, {
        members: sql`SELECT p.id::text AS id, Box2D(p.geom) AS box,
            p.area_ha, p.marketing_stage, p.turnkey, p.occupation
          FROM plots p WHERE p.deleted_at IS NULL AND p.geom && ${searchBox(q)} ${territory}`,
        aggregates: {
          areaHa: roundedHa(sql`sum(c.area_ha::numeric)`),
          availableCount: sql`count(*) FILTER (WHERE ${forSale})`,
          availableAreaHa: roundedHa(sql`coalesce(sum(c.area_ha::numeric) FILTER (WHERE ${forSale}), 0)`),
          turnkeyCount: sql`count(*) FILTER (WHERE c.turnkey)`,
          brownfieldCount: sql`count(*) FILTER (WHERE c.occupation = 'friche')`,
        },
        cells: clusterCells(this, q, {
          areaHa: roundedHa(sql`sum(c.sum_a)`),
          availableCount: sql`sum(c.count_a)::bigint`,
          availableAreaHa: roundedHa(sql`sum(c.sum_b)`),
          turnkeyCount: sql`sum(c.count_b)::bigint`,
          brownfieldCount: sql`sum(c.count_c)::bigint`,
        }),
      });
    }
    return sql`SELECT ${featureId(sql`p.id`)} AS fid, p.id::text AS "id", p.site_id::text AS "siteId",
        p.marketing_stage AS "marketingStage", p.development_stage AS "developmentStage", p.occupation AS "occupation",
        p.land_use AS "landUse", p.planning_zone AS "planningZone", p.turnkey AS "turnkey",
        ${roundedHa(sql`p.area_ha`)} AS "areaHa", p.price_eur_m2 AS "priceEurM2",
        p.available_from::text AS "availableFrom",
        ${wrap(sql`ST_Transform(p.geom, 3857)`)} AS geom
      FROM plots p
      WHERE p.deleted_at IS NULL AND p.geom && ${searchBox(q)}
        AND p.area_ha >= ${plotMinimumAreaHa(q.z)}::float8 ${territory}
      ORDER BY p.area_ha DESC, p.id LIMIT ${this.featureCap}`;
  },
};

/** Brownfields are drawn from zoom 13, like plots; below, grid clusters. */
const BROWNFIELD_CLUSTER_BELOW = 13;

/**
 * A Cartofriches site_id is `<INSEE commune>_<number>` (e.g. 50419_27068); its public page is
 * this URL followed by the id (the link Cartofriches itself and MTES-MCT/sparte build). Other
 * ids (the demo's synthetic friches, another producer's) get no link.
 */
const CARTOFRICHES_SITE_URL = 'https://cartofriches.cerema.fr/cartofriches/?site=';
const CARTOFRICHES_ID = `^${codeSyntax.inseeCommune}_[0-9]+$`;

const brownfields: TileLayer = {
  id: 'brownfields',
  description: 'Friches (CNIG friches standard, Cartofriches): reference layer; grid clusters below zoom 13',
  minzoom: 5,
  maxzoom: 16,
  featureCap: 1000,
  clusterBelow: BROWNFIELD_CLUSTER_BELOW,
  // Public CNIG friches fields only: the owner (proprio_nom, proprio_personne) is never imported.
  fields: {
    id: { type: 'string', description: 'CNIG site_id' },
    name: { type: 'string', description: 'CNIG site_nom' },
    siteType: { type: 'string', description: 'CNIG site_type' },
    status: {
      type: 'string',
      description: 'CNIG site_statut (friche avec projet, sans projet, potentielle, reconvertie)',
    },
    surfaceM2: { type: 'number', description: 'CNIG unite_fonciere_surface, m²' },
    communeInsee: { type: 'string', description: 'CNIG comm_insee' },
    approximate: { type: 'boolean', description: 'Published as a point only: drawn as a disc of its declared surface' },
    sourceProducer: { type: 'string', description: 'CNIG source_producteur' },
    cartofrichesUrl: { type: 'string', description: 'The friche on Cartofriches (Cartofriches site ids only)' },
  },
  clusterFields: {
    count: { type: 'integer', description: 'Friches in the cell' },
    surfaceM2: {
      type: 'number',
      description: 'Their declared unite_fonciere_surface, m² (friches declaring none count 0)',
    },
    withoutProjectCount: { type: 'integer', description: "Of which site_statut 'friche sans projet'" },
    id: { type: 'string', description: 'The CNIG site_id when the cell holds one friche' },
  },
  geometryAt: (z) => (z < BROWNFIELD_CLUSTER_BELOW ? 'cluster' : 'polygon'),
  features(q, wrap) {
    const territory =
      q.territory === undefined
        ? sql``
        : sql`AND b.commune_insee IN (
            SELECT c.insee
            FROM communes c JOIN territory_epci te ON te.epci_siren = c.epci_siren
            WHERE te.territory_id = ${q.territory})`;
    if (q.z < BROWNFIELD_CLUSTER_BELOW) {
      return clusterFeatures(q, wrap, {
        members: sql`SELECT b.id, Box2D(b.geom) AS box, b.surface_m2, b.status
          FROM brownfields b
          WHERE b.geom && ${searchBox(q)} ${territory}`,
        aggregates: {
          surfaceM2: sql`round(coalesce(sum(c.surface_m2::numeric), 0))::float8`,
          withoutProjectCount: sql`count(*) FILTER (WHERE c.status = 'friche sans projet')`,
        },
        cells: clusterCells(this, q, {
          surfaceM2: sql`round(sum(c.sum_a))::float8`,
          withoutProjectCount: sql`sum(c.count_a)::bigint`,
        }),
      });
    }
    return sql`SELECT ${featureId(sql`b.id`)} AS fid, b.id AS "id", b.name AS "name", b.site_type AS "siteType",
        b.status AS "status", b.surface_m2 AS "surfaceM2", b.commune_insee AS "communeInsee",
        b.geom_approximate AS "approximate", b.source_producer AS "sourceProducer",
        CASE WHEN b.id ~ ${CARTOFRICHES_ID}::text THEN ${CARTOFRICHES_SITE_URL}::text || b.id END AS "cartofrichesUrl",
        ${wrap(sql`ST_Transform(b.geom, 3857)`)} AS geom
      FROM brownfields b
      WHERE b.geom && ${searchBox(q)} ${territory}
      ORDER BY ST_Area(b.geom) DESC, b.id LIMIT ${this.featureCap}`;
  },
};

export const tileLayers: readonly TileLayer[] = [territories, sites, plots, brownfields];

/** Property types of a layer's features and clusters, for the TypeScript encoder. */
export function layerPropertyTypes(layer: TileLayer): Record<string, PropertyType> {
  const types: Record<string, PropertyType> = {};
  for (const [name, f] of [...Object.entries(layer.fields), ...Object.entries(layer.clusterFields)])
    types[name] = f.type;
  return types;
}

export function findTileLayer(id: string): TileLayer | undefined {
  return tileLayers.find((layer) => layer.id === id);
}

/** Which layer a catalogue write touches (the change feed's entity names). */
export const layerOfEntity = { site: 'sites', plot: 'plots' } as const satisfies Record<string, LayerId>;

/** A box as the polygon the cache measures (its bbox is the box itself). */
const boxPolygon = ([minX, minY, maxX, maxY]: BBox): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [minX, minY],
      [maxX, minY],
      [maxX, maxY],
      [minX, maxY],
      [minX, minY],
    ],
  ],
});

/** The change feed as the tile cache hears it: a site or plot write names its layer and geometries. */
export function tileInvalidations(changes: ChangeFeed): SubscribeToInvalidations {
  return (listener) =>
    changes.subscribe((change) =>
      listener(
        change.action === 'reset'
          ? { action: 'reset' }
          : {
              action: 'invalidate',
              layer: findTileLayer(layerOfEntity[change.entity]),
              geometries: change.action === 'remote' ? change.boxes.map(boxPolygon) : [change.before, change.after],
            },
      ),
    );
}
