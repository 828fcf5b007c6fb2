// Polygonal GeoJSON as hex EWKB (issue #18, target 4): what a CNIG import COPYs into a geometry
// column, which PostGIS reads in a fraction of the time ST_GeomFromGeoJSON takes to parse the
// text. Only the plain case is encoded: a Polygon or MultiPolygon of closed rings of at least
// four 2D positions. Anything else (3D positions, open or short rings, empty parts, anything
// malformed) returns undefined and goes to PostGIS as GeoJSON text, which reports it as before:
// PostGIS's EWKB reader refuses open or short rings outright and would fail the whole COPY.
import type { Geometry, Position } from 'geojson';

const littleEndian = 1;
const wkbPolygon = 3;
const wkbMultiPolygon = 6;
const sridFlag = 0x20000000;

type Rings = Position[][];

function isPlainRing(ring: unknown): ring is Position[] {
  if (!Array.isArray(ring) || ring.length < 4) return false;
  for (const position of ring)
    if (
      !Array.isArray(position) ||
      position.length !== 2 ||
      !Number.isFinite(position[0]) ||
      !Number.isFinite(position[1])
    )
      return false;
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  return first[0] === last[0] && first[1] === last[1];
}

const isPlainPolygon = (rings: unknown): rings is Rings =>
  Array.isArray(rings) && rings.length > 0 && rings.every(isPlainRing);

const polygonBytes = (rings: Rings) => 4 + rings.reduce((n, ring) => n + 4 + ring.length * 16, 0);

function writeRings(view: DataView, at: number, rings: Rings): number {
  let offset = at;
  view.setUint32(offset, rings.length, true);
  offset += 4;
  for (const ring of rings) {
    view.setUint32(offset, ring.length, true);
    offset += 4;
    for (const position of ring) {
      view.setFloat64(offset, position[0]!, true);
      view.setFloat64(offset + 8, position[1]!, true);
      offset += 16;
    }
  }
  return offset;
}

/** Hex EWKB (little-endian, with its SRID) of a plain polygonal geometry, else undefined. */
export function polygonalEwkbHex(geometry: Geometry, srid: number): string | undefined {
  let polygons: Rings[];
  if (geometry.type === 'Polygon') polygons = [geometry.coordinates];
  else if (geometry.type === 'MultiPolygon') polygons = geometry.coordinates;
  else return undefined;
  if (!Array.isArray(polygons) || polygons.length === 0 || !polygons.every(isPlainPolygon)) return undefined;
  const multi = geometry.type === 'MultiPolygon';
  const header = 1 + 4 + 4;
  const size = multi
    ? header + 4 + polygons.reduce((n, rings) => n + 1 + 4 + polygonBytes(rings), 0)
    : header + polygonBytes(polygons[0]!);
  const buffer = Buffer.allocUnsafe(size);
  const view = new DataView(buffer.buffer, buffer.byteOffset, size);
  view.setUint8(0, littleEndian);
  view.setUint32(1, (multi ? wkbMultiPolygon : wkbPolygon) | sridFlag, true);
  view.setUint32(5, srid, true);
  let offset = header;
  if (!multi) writeRings(view, offset, polygons[0]!);
  else {
    view.setUint32(offset, polygons.length, true);
    offset += 4;
    for (const rings of polygons) {
      view.setUint8(offset, littleEndian);
      view.setUint32(offset + 1, wkbPolygon, true);
      offset = writeRings(view, offset + 5, rings);
    }
  }
  return buffer.toString('hex');
}
