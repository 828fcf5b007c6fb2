// Tile math for the Web Mercator (EPSG:3857) tile grid, the one MapLibre, QGIS and GDAL use:
// z/x/y validation, tile envelopes in metres, and the tiles a lon/lat box touches at a zoom.
// Pure functions; no database, no HTTP.
import type { BBox } from 'geojson';

/** Highest zoom the server answers; beyond it clients overzoom the last tile. */
export const MAX_ZOOM = 22;
/** MVT 2.1 extent (tile units per side) and buffer (tile units beyond each edge). */
export const EXTENT = 4096;
export const BUFFER = 64;

/** Half the circumference of the EPSG:3857 sphere: the grid spans [-ORIGIN, ORIGIN] in x and y. */
export const ORIGIN = 20037508.342789244;
/** Web Mercator stops at ±85.0511°, where the grid becomes square. */
const MAX_LATITUDE = 85.0511287798066;

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

/** Why z/x/y is not a tile of the grid, or undefined when it is. */
export function tileProblem({ z, x, y }: TileCoord): string | undefined {
  if (![z, x, y].every(Number.isSafeInteger)) return 'z, x and y must be integers';
  if (z < 0 || z > MAX_ZOOM) return `zoom must be between 0 and ${MAX_ZOOM}`;
  const n = 2 ** z;
  if (x < 0 || x >= n) return `x must be between 0 and ${n - 1} at zoom ${z}`;
  if (y < 0 || y >= n) return `y must be between 0 and ${n - 1} at zoom ${z}`;
  return undefined;
}

/** [minX, minY, maxX, maxY] of a tile in EPSG:3857 metres (the same as PostGIS ST_TileEnvelope). */
export function tileEnvelope({ z, x, y }: TileCoord): [number, number, number, number] {
  const size = (2 * ORIGIN) / 2 ** z;
  return [-ORIGIN + x * size, ORIGIN - (y + 1) * size, -ORIGIN + (x + 1) * size, ORIGIN - y * size];
}

/**
 * The tile's buffered square (tile plus `buffer` units each side) as a lon/lat box, clamped to
 * the antimeridian. PostGIS's ST_Transform of a buffered edge tile (x = 0 or x = 2^z - 1) wraps
 * the margin past ±180° to the other side, so at zoom 1 the box of tile 1/0/0 came back as
 * [2.8°, 177°] and France vanished from the z1 tiles; the box is therefore computed here.
 */
export function tileSearchBox({ z, x, y }: TileCoord, buffer = BUFFER): [number, number, number, number] {
  const size = (2 * ORIGIN) / 2 ** z;
  const margin = (size * buffer) / EXTENT;
  const lon = (metres: number) => Math.max(-180, Math.min(180, (metres / ORIGIN) * 180));
  const lat = (metres: number) => (Math.atan(Math.sinh((metres / ORIGIN) * Math.PI)) * 180) / Math.PI;
  return [
    lon(-ORIGIN + x * size - margin),
    lat(ORIGIN - (y + 1) * size - margin),
    lon(-ORIGIN + (x + 1) * size + margin),
    lat(ORIGIN - y * size + margin),
  ];
}

/** Width of one tile unit (1/4096 of the tile) in metres at zoom z: the tolerance of the grid. */
export function tileUnitMetres(z: number): number {
  return (2 * ORIGIN) / 2 ** z / EXTENT;
}

/** Fractional tile coordinates of a lon/lat at zoom z (x grows east, y grows south). */
export function lonLatToTileFraction(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const clamped = Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, lat));
  const sin = Math.sin((clamped * Math.PI) / 180);
  const x = ((lon + 180) / 360) * n;
  const y = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * n;
  return [x, y];
}

/**
 * The inclusive x/y ranges of the tiles at zoom z whose buffered square (tile plus `buffer`
 * units each side) intersects a lon/lat box: exactly the tiles whose content can change when
 * a feature inside that box changes.
 */
export function tileRange(
  box: BBox,
  z: number,
  buffer = BUFFER,
): { minX: number; minY: number; maxX: number; maxY: number } {
  const [west, south, east, north] = box.length === 6 ? [box[0], box[1], box[3], box[4]] : box;
  const [x0, y0] = lonLatToTileFraction(west, north, z);
  const [x1, y1] = lonLatToTileFraction(east, south, z);
  const margin = buffer / EXTENT;
  const last = 2 ** z - 1;
  const clamp = (v: number) => Math.max(0, Math.min(last, v));
  return {
    minX: clamp(Math.floor(x0 - margin)),
    minY: clamp(Math.floor(y0 - margin)),
    maxX: clamp(Math.floor(x1 + margin)),
    maxY: clamp(Math.floor(y1 + margin)),
  };
}

/** The tile at zoom z containing a lon/lat. */
export function tileAt(lon: number, lat: number, z: number): TileCoord {
  const [x, y] = lonLatToTileFraction(lon, lat, z);
  const last = 2 ** z - 1;
  return { z, x: Math.max(0, Math.min(last, Math.floor(x))), y: Math.max(0, Math.min(last, Math.floor(y))) };
}
