// The FlatGeobuf feature writer (src/exports/fgb-features.ts) against the library's way of
// building the same features (flatgeobuf's buildGeometry on a flatbuffers Builder, the writer
// it replaced, kept here as the reference): for geometries the catalogue does not hold too
// (holes, several parts, a bare Polygon, big-endian WKB) and every column type, both files
// decode to the same features, coordinates bit for bit, and GDAL reads the new one as the old.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as flatbuffers from 'flatbuffers';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { Feature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { buildGeometry, type IParsedGeometry } from 'flatgeobuf/lib/mjs/generic/geometry.js';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureWriter } from '../../src/exports/fgb-features.js';
import { flatGeobufHeader, headerBytes } from '../../src/exports/flatgeobuf.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { gdalAvailable } from '../support/interop.js';

const run = promisify(execFile);
const gdal = await gdalAvailable();

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

type Parsed = { xy: number[]; ends?: number[]; parts?: Parsed[]; type: GeometryType };

/** The reference: a (multi)polygon WKB read into flatgeobuf's parsed geometry, one part a polygon. */
function parseWkb(wkb: Uint8Array): Parsed {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  let offset = 0;
  const header = () => {
    const little = view.getUint8(offset) === 1;
    const type = view.getUint32(offset + 1, little);
    offset += 5;
    return { little, type };
  };
  const polygon = (little: boolean): Parsed => {
    const rings = view.getUint32(offset, little);
    offset += 4;
    const xy: number[] = [];
    const ends: number[] = [];
    for (let r = 0; r < rings; r++) {
      const points = view.getUint32(offset, little);
      offset += 4;
      for (let i = 0; i < points * 2; i++, offset += 8) xy.push(view.getFloat64(offset, little));
      ends.push(xy.length / 2);
    }
    return { xy, ...(ends.length > 1 ? { ends } : {}), type: GeometryType.Polygon };
  };
  const top = header();
  if (top.type === 3) return { xy: [], type: GeometryType.MultiPolygon, parts: [polygon(top.little)] };
  const count = view.getUint32(offset, top.little);
  offset += 4;
  const parts: Parsed[] = [];
  for (let p = 0; p < count; p++) parts.push(polygon(header().little));
  return { xy: [], type: GeometryType.MultiPolygon, parts };
}

/** The reference Feature table: flatbuffers' Builder, properties as header.fbs lays them out. */
function referenceFeature(wkb: Uint8Array, values: unknown[], types: ColumnType[]): Uint8Array {
  const parts: Buffer[] = [];
  values.forEach((value, i) => {
    if (value === null || value === undefined) return;
    const index = Buffer.alloc(2);
    index.writeUInt16LE(i);
    parts.push(index);
    const type = types[i];
    if (type === ColumnType.Bool) parts.push(Buffer.from([value ? 1 : 0]));
    else if (type === ColumnType.Int) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(value as number);
      parts.push(b);
    } else if (type === ColumnType.Double) {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value as number);
      parts.push(b);
    } else {
      const text = Buffer.from(String(value), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      parts.push(length, text);
    }
  });
  const builder = new flatbuffers.Builder(1024);
  const bytes = Buffer.concat(parts);
  const properties = bytes.length > 0 ? builder.createByteVector(bytes) : 0;
  const geometry = buildGeometry(builder, parseWkb(wkb) as IParsedGeometry);
  Feature.startFeature(builder);
  Feature.addGeometry(builder, geometry);
  if (properties) Feature.addProperties(builder, properties);
  builder.finishSizePrefixed(Feature.endFeature(builder));
  return builder.asUint8Array();
}

const geometries = [
  // A rectangle as the catalogue stores them.
  'MULTIPOLYGON(((2.35 48.85,2.36 48.85,2.36 48.86,2.35 48.86,2.35 48.85)))',
  // A hole, and a second part with two holes.
  'MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 3,2 2)),' +
    '((20 20,30 20,30 30,20 30,20 20),(21 21,22 21,22 22,21 21),(25 25,26 25,26 26,25 25)))',
  // Three parts, coordinates no decimal text could round-trip.
  'MULTIPOLYGON(((0.1 0.2,0.30000000000000004 0.2,0.3 0.7,0.1 0.2)),((-1e-300 5,1 5,1 6,-1e-300 5)),' +
    '((179.99999999999997 -89.9,180 -89.9,180 -89,179.99999999999997 -89.9)))',
  // A bare Polygon with a hole (written as a one-part MultiPolygon).
  'POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,2 1,2 2,1 1))',
  'MULTIPOLYGON EMPTY',
];

const columns = [ColumnType.String, ColumnType.Double, ColumnType.Int, ColumnType.Bool, ColumnType.DateTime];
const rows: unknown[][] = [
  ['a1', 1.5, 42, true, '2024-03-01'],
  ['é ü 中文 🏭', null, -7, false, null],
  [null, null, null, null, null],
  ['', 0, 0, true, '2026-12-31'],
  ['x'.repeat(1000), Number.MAX_VALUE, 2147483647, null, '1999-01-01'],
];

async function wkbOf(text: string, endian: 'NDR' | 'XDR'): Promise<Uint8Array> {
  const { rows } = await sql<{ wkb: Uint8Array }>`
    SELECT ST_AsBinary(ST_GeomFromText(${text}, 4326), ${endian}) AS wkb`.execute(t.handle.db);
  return new Uint8Array(rows[0]!.wkb);
}

async function cases() {
  const found: { wkb: Uint8Array; values: unknown[] }[] = [];
  for (const [g, text] of geometries.entries())
    for (const endian of ['NDR', 'XDR'] as const)
      found.push({ wkb: await wkbOf(text, endian), values: rows[(g + (endian === 'XDR' ? 2 : 0)) % rows.length]! });
  return found;
}

/** A whole file: magic bytes, the plots download's header with these columns, the features. */
function file(features: Uint8Array[]): Uint8Array {
  const header = flatGeobufHeader('plots', { title: 'test', description: 'writer' });
  header.columns = header.columns!.slice(0, columns.length).map((c, i) => ({ ...c, type: columns[i]! }));
  return new Uint8Array(Buffer.concat([magicbytes, headerBytes(header, 'plots'), ...features]));
}

async function decoded(bytes: Uint8Array) {
  const features: unknown[] = [];
  for await (const feature of deserialize(bytes)) features.push(feature);
  return features;
}

/** Per feature, the geometry's parts as flatgeobuf's Feature table holds them, doubles as bits. */
function tables(bytes: Uint8Array, count: number, aligned = false) {
  const found: unknown[] = [];
  let at = 8 + 4 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  for (let i = 0; i < count; i++) {
    const size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
    const feature = Feature.getSizePrefixedRootAsFeature(new flatbuffers.ByteBuffer(bytes.subarray(at, at + 4 + size)));
    const geometry = feature.geometry()!;
    const parts = Array.from({ length: geometry.partsLength() }, (_, p) => {
      const part = geometry.parts(p)!;
      return {
        type: part.type(),
        ends: Array.from(part.endsArray() ?? []),
        xy: Array.from(part.xyArray() ?? [], (x) => Buffer.from(new Float64Array([x]).buffer).toString('hex')),
      };
    });
    found.push({
      type: geometry.type(),
      parts,
      properties: Buffer.from(feature.propertiesArray() ?? []).toString('hex'),
    });
    if (aligned) expect(size % 8, 'each feature a multiple of 8 bytes').toBe(4);
    at += 4 + size;
  }
  expect(at).toBe(bytes.length);
  return found;
}

describe('FlatGeobuf feature writer', () => {
  it('writes the features the flatbuffers Builder writes, for holes, parts, Polygons, XDR and every column type', async () => {
    const all = await cases();
    const writer = new FeatureWriter(columns);
    for (const c of all) writer.feature(c.wkb, c.values);
    const written = file([writer.take()]);
    const reference = file(all.map((c) => referenceFeature(c.wkb, c.values, columns)));
    expect(tables(written, all.length, true)).toEqual(tables(reference, all.length));
    expect(await decoded(written)).toEqual(await decoded(reference));
    // The writer starts afresh after take(), and grows past its first buffer.
    for (let i = 0; i < 2000; i++) writer.feature(all[1]!.wkb, rows[4]!);
    const many = file([writer.take()]);
    expect(tables(many, 2000, true)).toEqual(
      tables(file(Array(2000).fill(referenceFeature(all[1]!.wkb, rows[4]!, columns))), 2000),
    );
  });

  it('refuses what is not a 2D (multi)polygon', async () => {
    const point = new Uint8Array(
      (await sql<{ wkb: Uint8Array }>`SELECT ST_AsBinary(ST_MakePoint(1, 2)) AS wkb`.execute(t.handle.db)).rows[0]!.wkb,
    );
    expect(() => new FeatureWriter(columns).feature(point, [])).toThrow(/geometry type 1/);
  });

  it.skipIf(!gdal)('is read by GDAL as the reference is', async () => {
    const all = await cases();
    const writer = new FeatureWriter(columns);
    for (const c of all) writer.feature(c.wkb, c.values);
    const dir = mkdtempSync(join(tmpdir(), 'foncier-fgb-writer-'));
    try {
      const convert = async (name: string, bytes: Uint8Array) => {
        writeFileSync(join(dir, `${name}.fgb`), bytes);
        await run('ogr2ogr', [
          '-f',
          'GeoJSON',
          '-lco',
          'COORDINATE_PRECISION=17',
          join(dir, `${name}.geojson`),
          join(dir, `${name}.fgb`),
        ]);
        const { stdout } = await run('ogrinfo', ['-ro', '-al', '-q', join(dir, `${name}.fgb`)]);
        return { geojson: JSON.parse(readFileSync(join(dir, `${name}.geojson`), 'utf8')), ogrinfo: stdout };
      };
      const written = await convert('written', file([writer.take()]));
      const reference = await convert('reference', file(all.map((c) => referenceFeature(c.wkb, c.values, columns))));
      expect(written.geojson.features.length).toBe(all.length);
      expect(written).toEqual(reference);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
