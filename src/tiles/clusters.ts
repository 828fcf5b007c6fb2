// Grid clusters: below the zoom where a layer draws its polygons, its features are counted per
// cell of a grid aligned on the tile grid (8 × 8 cells per tile, 512 tile units or 64 px on a
// 512 px tile), one point per cell carrying the count and sums. Nothing is capped or dropped:
// every feature falls in exactly one cell at every zoom, so the counts of a tile add up to the
// features of the tile, and the tiles of a zoom add up to the whole layer.
//
// - Which cell: the cell of the feature's bounding-box centre (the box is stored with the
//   geometry, so this reads no vertex), from lon/lat to Web Mercator by the formula rather than
//   ST_Transform (plain float arithmetic: cheap, and the same SQL on both backends), in the SQL
//   functions of sql/016 that the cells' triggers call too. Cells are half-open, so a feature on
//   a tile edge is counted once.
// - Where it is read from: the pre-aggregated cells of sql/016 (cluster_cells, kept by triggers
//   in the writer's transaction), or the members aggregated on each build (the baseline). Sums
//   are numeric in both, so both give the same bytes.
// - Where the point is drawn: the mean of the members' centres in EPSG:3857. It stays inside its
//   cell (a cell is a rectangle in Web Mercator), so a cluster is always in its own tile and a
//   tile never repeats a neighbour's cluster in its buffer; and it sits where the supply is
//   rather than on a regular grid that would suggest land in an empty cell corner.
// - A cell of one feature is a cluster of 1 like any other (the same properties, one kind of
//   feature per zoom for styles), plus `id`: the catalogue id of its only member, to open it.
// - Ids: a quadtree numbering of the cell, unique over all zooms and stable across requests,
//   backends and data changes: (4^L − 1)/3 + cy·2^L + cx with L = z + 3 and cx, cy the cell's
//   column and row over the whole world at that level.
import { sql, type RawBuilder } from 'kysely';
import { lonLatToTileFraction, type TileCoord } from '../../tiles/tile-math.js';

/** log2 of the cells per tile side: 8 × 8 cells. */
export const CELL_LEVELS = 3;
export const CELLS_PER_SIDE = 2 ** CELL_LEVELS;

/** Column and row of the cell holding a lon/lat at zoom z, over the whole world. */
export function clusterCell(lon: number, lat: number, z: number): { cx: number; cy: number } {
  const [fx, fy] = lonLatToTileFraction(lon, lat, z + CELL_LEVELS);
  return { cx: Math.floor(fx), cy: Math.floor(fy) };
}

/** The stable id of a cell's cluster (quadtree numbering, exact in JavaScript up to zoom 22). */
export function clusterId(z: number, cx: number, cy: number): number {
  const level = z + CELL_LEVELS;
  return (4 ** level - 1) / 3 + cy * 2 ** level + cx;
}

/**
 * The pre-aggregated cells of a layer (sql/016_cluster_cells.sql), kept by triggers for the
 * zooms the layer clusters at: the same clusters read from at most 64 cells per EPCI.
 */
export interface ClusterCells {
  layer: 'sites' | 'plots' | 'brownfields';
  /** Only the cells of this territory's EPCI (a `?territory=` tile). */
  territory?: string;
  /** The layer's sums over the cell rows `c` (sum_a, sum_b, count_a…), by the names of `aggregates`. */
  aggregates: Record<string, RawBuilder<unknown>>;
}

export interface ClusterSource {
  /**
   * The members: `SELECT <id as text> AS id, Box2D(<geometry in EPSG:4326>) AS box, <columns
   * the aggregates read> FROM … WHERE …`, already filtered (soft deletes, territory) and cut to
   * the tile's buffered search box with `&&` so that the GiST index does the work. The box
   * rather than the geometry: rows stay narrow through the aggregation.
   */
  members: RawBuilder<unknown>;
  /**
   * The layer's sums over the members `c`, by property name: `{ turnkeyCount: sql\`count(*) FILTER (…)\` }`.
   * Sums are numeric (`sum(c.area_ha::numeric)`): exact whatever the order, as the cells keep them.
   */
  aggregates: Record<string, RawBuilder<unknown>>;
  /** The same clusters pre-aggregated, when the layer keeps cells at this zoom and the query wants them. */
  cells?: ClusterCells;
}

/** Where cluster tiles are built from: the pre-aggregated cells, or the members themselves (the baseline). */
export type ClusterBuild = 'cells' | 'members';

/** The names of a layer's aggregates, checked: they become the MVT keys as written. */
function propertyNames(aggregates: Record<string, RawBuilder<unknown>>): string[] {
  // sql.id/sql.ref would go through the database's CamelCasePlugin (areaHa → area_ha), so they
  // are quoted here, from our own constant names.
  return Object.keys(aggregates).map((name) => {
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new Error(`not a property name: ${name}`);
    return name;
  });
}

const selectAggregates = (names: string[], aggregates: Record<string, RawBuilder<unknown>>) =>
  sql.join(names.map((name) => sql`${aggregates[name]} AS ${sql.raw(`"${name}"`)}`));

/**
 * One row per non-empty cell of the tile: fid, `count`, the layer's aggregates, `id` when the
 * cell holds one feature, and `wrap(mean point in EPSG:3857)` as geom. Cells in row-major order.
 * From the cells when `source.cells` is given, else from the members; both give the same rows
 * (test/http/tiles-cells.test.ts): the same cell formula (SQL functions of sql/016), the same
 * numeric sums, the same mean (Σ round(x, 6) / count, as numeric, then float8).
 */
export function clusterFeatures(
  q: TileCoord,
  wrap: (geom: RawBuilder<unknown>) => RawBuilder<unknown>,
  source: ClusterSource,
): RawBuilder<unknown> {
  const level = q.z + CELL_LEVELS;
  const cells = 2 ** level;
  const [minCx, minCy] = [q.x * CELLS_PER_SIDE, q.y * CELLS_PER_SIDE];
  const names = propertyNames(source.aggregates);
  const properties = sql.join(names.map((name) => sql.raw(`g."${name}"`)));
  const grouped = source.cells
    ? cellsOfTile(source.cells, level, [minCx, minCy], names)
    : membersOfTile(source, level, [minCx, minCy], names);
  return sql`SELECT ${(4 ** level - 1) / 3}::bigint + g.cy * ${cells}::bigint + g.cx AS fid,
        g."count", ${properties}, g."id",
        ${wrap(sql`ST_SetSRID(ST_MakePoint(g.mx, g.my), 3857)`)} AS geom
      FROM (${grouped}) g
      ORDER BY g.cy, g.cx`;
}

/** The tile's cells aggregated from its members. */
function membersOfTile(
  source: ClusterSource,
  level: number,
  [minCx, minCy]: [number, number],
  names: string[],
): RawBuilder<unknown> {
  // Both OFFSET 0 are planner fences. The inner one computes each member's centre once. The
  // outer one keeps the cell filter out of the aggregation: pushed down, its selectivity cannot
  // be estimated, and the planner then sorts all the members (on disk at 50,000) instead of
  // hashing them into at most a hundred cells.
  return sql`SELECT g.* FROM (
        SELECT c.cx, c.cy, count(*) AS "count", ${selectAggregates(names, source.aggregates)},
          CASE WHEN count(*) = 1 THEN min(c.id) END AS "id",
          (sum(foncier_cluster_coordinate(c.mx)) / count(*)::numeric)::float8 AS mx,
          (sum(foncier_cluster_coordinate(c.my)) / count(*)::numeric)::float8 AS my
        FROM (
          SELECT m.*, foncier_cluster_cx(m.mx, ${level}::int) AS cx, foncier_cluster_cy(m.my, ${level}::int) AS cy
          FROM (
            SELECT m.*, foncier_cluster_mx(m.box) AS mx, foncier_cluster_my(m.box) AS my
            FROM (${source.members}) m OFFSET 0
          ) m
        ) c
        GROUP BY c.cx, c.cy OFFSET 0
      ) g
      WHERE g.cx BETWEEN ${minCx}::bigint AND ${minCx + CELLS_PER_SIDE - 1}::bigint
        AND g.cy BETWEEN ${minCy}::bigint AND ${minCy + CELLS_PER_SIDE - 1}::bigint`;
}

/** The tile's cells read from cluster_cells, the rows of its EPCI summed. */
function cellsOfTile(
  cells: ClusterCells,
  level: number,
  [minCx, minCy]: [number, number],
  names: string[],
): RawBuilder<unknown> {
  const territory =
    cells.territory === undefined
      ? sql``
      : sql`AND c.epci_siren IN (SELECT epci_siren FROM territory_epci WHERE territory_id = ${cells.territory})`;
  return sql`SELECT c.cx::bigint AS cx, c.cy::bigint AS cy, sum(c.members)::bigint AS "count",
        ${selectAggregates(names, cells.aggregates)},
        CASE WHEN sum(c.members) = 1 THEN max(c.member_id) END AS "id",
        (sum(c.sum_x) / sum(c.members)::numeric)::float8 AS mx,
        (sum(c.sum_y) / sum(c.members)::numeric)::float8 AS my
      FROM cluster_cells c
      WHERE c.layer = ${cells.layer} AND c.level = ${level}::int
        AND c.cy BETWEEN ${minCy}::int AND ${minCy + CELLS_PER_SIDE - 1}::int
        AND c.cx BETWEEN ${minCx}::int AND ${minCx + CELLS_PER_SIDE - 1}::int ${territory}
      GROUP BY c.cy, c.cx`;
}
