// A minimal ESRI shapefile reader for ADMIN EXPRESS layers (no dependency): polygon shapes
// (types 5, 15, 25) from .shp, attributes from the dBASE .dbf (character and numeric fields,
// UTF-8 as IGN writes them), the SRID from the .prj (Lambert-93 or geographic). Rings are
// grouped into polygons by orientation: outer rings are clockwise in a shapefile, holes
// counter-clockwise; each hole joins the polygon before it, and ST_MakeValid repairs the rest.
import { readFile } from 'node:fs/promises';
import type { MultiPolygon, Position } from 'geojson';
import { CRS84, LAMBERT_93 } from '../cnig/read.js';
import type { GeoFeature, NumberedRecord } from './sources.js';

function signedArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++)
    sum += (ring[i + 1]![0]! - ring[i]![0]!) * (ring[i + 1]![1]! + ring[i]![1]!);
  return sum; // > 0: clockwise
}

function readPolygon(view: DataView, offset: number): MultiPolygon | null {
  const type = view.getInt32(offset, true);
  if (type === 0) return null;
  if (type !== 5 && type !== 15 && type !== 25) throw new Error(`shape type ${type} is not a polygon`);
  const numParts = view.getInt32(offset + 36, true);
  const numPoints = view.getInt32(offset + 40, true);
  const partsAt = offset + 44;
  const pointsAt = partsAt + 4 * numParts;
  const polygons: Position[][][] = [];
  for (let p = 0; p < numParts; p++) {
    const start = view.getInt32(partsAt + 4 * p, true);
    const end = p + 1 < numParts ? view.getInt32(partsAt + 4 * (p + 1), true) : numPoints;
    const ring: Position[] = [];
    for (let i = start; i < end; i++)
      ring.push([view.getFloat64(pointsAt + 16 * i, true), view.getFloat64(pointsAt + 16 * i + 8, true)]);
    if (signedArea(ring) >= 0 || polygons.length === 0) polygons.push([ring]);
    else polygons[polygons.length - 1]!.push(ring);
  }
  return { type: 'MultiPolygon', coordinates: polygons };
}

function readDbf(buffer: Buffer): Record<string, string>[] {
  const count = buffer.readUInt32LE(4);
  const headerLength = buffer.readUInt16LE(8);
  const recordLength = buffer.readUInt16LE(10);
  const fields: { name: string; length: number }[] = [];
  for (let at = 32; buffer[at] !== 0x0d; at += 32) {
    fields.push({
      name: buffer
        .subarray(at, at + 11)
        .toString('latin1')
        .replace(/\0.*$/, ''),
      length: buffer[at + 16]!,
    });
  }
  const records: Record<string, string>[] = [];
  for (let r = 0; r < count; r++) {
    let at = headerLength + r * recordLength + 1; // skip the deletion flag
    const record: Record<string, string> = {};
    for (const field of fields) {
      record[field.name] = buffer
        .subarray(at, at + field.length)
        .toString('utf8')
        .trim();
      at += field.length;
    }
    records.push(record);
  }
  return records;
}

export async function* shapefileFeatures(
  shpPath: string,
  options: { srid?: number } = {},
): AsyncGenerator<NumberedRecord<GeoFeature>> {
  const base = shpPath.replace(/\.shp$/i, '');
  const [shp, dbf] = await Promise.all([readFile(`${base}.shp`), readFile(`${base}.dbf`)]);
  const prj = await readFile(`${base}.prj`, 'utf8').catch(() => '');
  const srid = options.srid ?? (/Lambert_93|RGF93.*Lambert|EPSG.*2154/i.test(prj) ? LAMBERT_93 : CRS84);
  const attributes = readDbf(dbf);
  const view = new DataView(shp.buffer, shp.byteOffset, shp.byteLength);
  const fileLength = view.getInt32(24, false) * 2;
  let offset = 100;
  let row = 0;
  while (offset < fileLength) {
    const contentLength = view.getInt32(offset + 4, false) * 2;
    const geometry = readPolygon(view, offset + 8);
    yield { row: row + 1, record: { properties: attributes[row] ?? {}, geometry, srid } };
    row++;
    offset += 8 + contentLength;
  }
}
