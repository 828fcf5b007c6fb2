// Grid clusters: below the zoom where a layer draws its polygons, its features are counted per
// cell of a grid aligned on the tile grid (8 × 8 cells per tile, 512 tile units or 64 px on a
// 512 px tile), one point per cell carrying the count and sums. Nothing is capped or dropped:
// every feature falls in exactly one cell at every zoom, so the counts of a tile add up to the
// features of the tile, and the tiles of a zoom add up to the whole layer.
//
// - Which cell: the cell of the feature's bounding-box centre (the box is stored with the
//   geometry, so this reads no vertex), from lon/lat to Web Mercator by the formula rather than
//   ST_Transform (plain float arithmetic: cheap, and the same SQL on both backends). Cells are
//   half-open, so a feature on a tile edge is counted once.
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
import { lonLatToTileFraction, ORIGIN, type TileCoord } from '../../tiles/tile-math.js';

/** log2 of the cells per tile side: 8 × 8 cells. */
export const CELL_LEVELS = 3;
export const CELLS_PER_SIDE = 2 ** CELL_LEVELS;

/** Web Mercator stops at ±85.0511°; clamping keeps ln(tan(…)) finite for any stored latitude. */
const MAX_LATITUDE = 85.0511287798066;

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

export interface ClusterSource {
  /**
   * The members: `SELECT <id as text> AS id, Box2D(<geometry in EPSG:4326>) AS box, <columns
   * the aggregates read> FROM … WHERE …`, already filtered (soft deletes, territory) and cut to
   * the tile's buffered search box with `&&` so that the GiST index does the work. The box
   * rather than the geometry: rows stay narrow through the aggregation.
   */
  members: RawBuilder<unknown>;
  /** The layer's sums over the members `c`, by property name: `{ turnkeyCount: sql\`count(*) FILTER (…)\` }`. */
  aggregates: Record<string, RawBuilder<unknown>>;
}

/**
 * One row per non-empty cell of the tile: fid, `count`, the layer's aggregates, `id` when the
 * cell holds one feature, and `wrap(mean point in EPSG:3857)` as geom. Cells in row-major order.
 */
export function clusterFeatures(
  q: TileCoord,
  wrap: (geom: RawBuilder<unknown>) => RawBuilder<unknown>,
  source: ClusterSource,
): RawBuilder<unknown> {
  const level = q.z + CELL_LEVELS;
  const cells = 2 ** level;
  const [minCx, minCy] = [q.x * CELLS_PER_SIDE, q.y * CELLS_PER_SIDE];
  // The names become the MVT keys as written: sql.id/sql.ref would go through the database's
  // CamelCasePlugin (areaHa → area_ha), so they are quoted here, from our own constant names.
  const names = Object.keys(source.aggregates).map((name) => {
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new Error(`not a property name: ${name}`);
    return name;
  });
  const aggregates = sql.join(names.map((name) => sql`${source.aggregates[name]} AS ${sql.raw(`"${name}"`)}`));
  const properties = sql.join(names.map((name) => sql.raw(`g."${name}"`)));
  const lat = sql`greatest(
    ${-MAX_LATITUDE}::float8,
    least(${MAX_LATITUDE}::float8, (ST_YMin(m.box) + ST_YMax(m.box)) / 2))`;
  // Both OFFSET 0 are planner fences. The inner one computes each member's centre once. The
  // outer one keeps the cell filter out of the aggregation: pushed down, its selectivity cannot
  // be estimated, and the planner then sorts all the members (on disk at 50,000) instead of
  // hashing them into at most a hundred cells.
  return sql`SELECT ${(4 ** level - 1) / 3}::bigint + g.cy * ${cells}::bigint + g.cx AS fid,
        g."count", ${properties}, g."id",
        ${wrap(sql`ST_SetSRID(ST_MakePoint(g.mx, g.my), 3857)`)} AS geom
      FROM (
        SELECT c.cx, c.cy, count(*) AS "count", ${aggregates}, CASE WHEN count(*) = 1 THEN min(c.id) END AS "id",
          avg(c.mx) AS mx, avg(c.my) AS my
        FROM (
          SELECT m.*, floor((m.mx + ${ORIGIN}::float8) * ${cells / (2 * ORIGIN)}::float8)::bigint AS cx,
            floor((${ORIGIN}::float8 - m.my) * ${cells / (2 * ORIGIN)}::float8)::bigint AS cy
          FROM (
            SELECT m.*, (ST_XMin(m.box) + ST_XMax(m.box)) / 2 * ${ORIGIN / 180}::float8 AS mx,
              ln(tan(pi() / 4 + radians(${lat}) / 2)) * ${ORIGIN / Math.PI}::float8 AS my
            FROM (${source.members}) m OFFSET 0
          ) m
        ) c
        GROUP BY c.cx, c.cy OFFSET 0
      ) g
      WHERE g.cx BETWEEN ${minCx}::bigint AND ${minCx + CELLS_PER_SIDE - 1}::bigint
        AND g.cy BETWEEN ${minCy}::bigint AND ${minCy + CELLS_PER_SIDE - 1}::bigint
      ORDER BY g.cy, g.cx`;
}
