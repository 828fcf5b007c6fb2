// FlatGeobuf Feature tables (feature.fbs, geometry.fbs of the FlatGeobuf spec) written straight
// into one buffer per page, from the database's WKB and typed columns (issue #18, target 1).
// flatbuffers' Builder writes a vector one element at a time, and flatgeobuf's buildGeometry
// needs the coordinates as a JS array first: that was most of a download's time. Here a ring's
// coordinates, little-endian doubles in the WKB as in FlatGeobuf, are copied in one `set`, and
// every table's layout is known in advance, so each feature is written front to back at once.
//
// The layout of a feature, offsets from its size prefix (which sits at a multiple of 8 in the
// file, as flatbuffers' finishSizePrefixed leaves it):
//   0  uint32 size of what follows          4  uoffset to the Feature table (16)
//   8  Feature vtable (8 bytes)             16 Feature: soffset, geometry, properties (12)
//   28 MultiPolygon vtable (20)             48 MultiPolygon: soffset, parts, type (12)
//   60 parts: count, one uoffset per polygon
//   per polygon: vtable (18, padded to 20), table (soffset, xy, [ends], type: 12 or 16), the
//   ring ends when there is more than one ring (FlatGeobuf leaves them out for a single ring,
//   as flatgeobuf's writer does), then the xy vector, its doubles at a multiple of 8;
//   then the properties vector (when there are any), and zeros to a multiple of 8.
// Every offset points forward, every scalar is aligned to its size, as a flatbuffers verifier
// (GDAL's) requires; flatgeobuf's own reader views the coordinates in place as Float64Arrays.
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';

const wkbPolygon = 3;
const wkbMultiPolygon = 6;
// The vtables: their size, the table's, then each field's offset in the table (0: absent), in
// geometry.fbs order (ends, xy, z, m, t, tm, type, parts).
const multiPolygonVtable = [20, 12, 0, 0, 0, 0, 0, 0, 8, 4];
const polygonVtableWithEnds = [18, 16, 8, 4, 0, 0, 0, 0, 12];
const polygonVtable = [18, 12, 0, 4, 0, 0, 0, 0, 8];

/** Where a polygon's rings are in the WKB: per ring, the byte offset of its first point and its point count. */
interface PolygonRings {
  starts: number[];
  points: number[];
  little: boolean;
}

/** A polygon's rings at `offset` of the WKB (after its header), appended to `into`; returns the offset after it. */
function readPolygon(view: DataView, offset: number, little: boolean, into: PolygonRings[]): number {
  const rings = view.getUint32(offset, little);
  let at = offset + 4;
  const found: PolygonRings = { starts: [], points: [], little };
  for (let r = 0; r < rings; r++) {
    const points = view.getUint32(at, little);
    found.starts.push(at + 4);
    found.points.push(points);
    at += 4 + points * 16;
  }
  if (at > view.byteLength) throw new Error('WKB shorter than its ring counts say');
  into.push(found);
  return at;
}

/** The polygons of a 2D (multi)polygon WKB, without reading its coordinates. (Plain loops, no
 *  closures: this runs once per feature.) */
function wkbPolygons(view: DataView): PolygonRings[] {
  const polygons: PolygonRings[] = [];
  const little = view.getUint8(0) === 1;
  const type = view.getUint32(1, little);
  // sites.geom and plots.geom are 2D MultiPolygons (ISO or EWKB type codes would say otherwise).
  if (type === wkbPolygon) {
    readPolygon(view, 5, little, polygons);
    return polygons;
  }
  if (type !== wkbMultiPolygon) throw new Error(`WKB geometry type ${type}: a 2D (multi)polygon was expected`);
  const count = view.getUint32(5, little);
  let offset = 9;
  for (let p = 0; p < count; p++) {
    const partLittle = view.getUint8(offset) === 1;
    const partType = view.getUint32(offset + 1, partLittle);
    if (partType !== wkbPolygon) throw new Error(`WKB part of type ${partType} in a multipolygon`);
    offset = readPolygon(view, offset + 5, partLittle, polygons);
  }
  return polygons;
}

/** Features appended one after another into a growing buffer; `take` hands over what was written. */
export class FeatureWriter {
  private out = Buffer.alloc(1 << 20);
  private at = 0;

  /** `types`: the header's column types, in column order. */
  constructor(private readonly types: readonly ColumnType[]) {}

  private room(bytes: number) {
    if (this.at + bytes <= this.out.length) return;
    const bigger = Buffer.alloc(Math.max(this.out.length * 2, this.at + bytes));
    this.out.copy(bigger, 0, 0, this.at);
    this.out = bigger;
  }

  private u16(value: number) {
    this.out.writeUInt16LE(value, this.at);
    this.at += 2;
  }

  private u32(value: number) {
    this.out.writeUInt32LE(value, this.at);
    this.at += 4;
  }

  /** Writes zeros up to the next multiple of `align` from the feature's start. */
  private pad(start: number, align: number) {
    const end = start + Math.ceil((this.at - start) / align) * align;
    this.out.fill(0, this.at, end);
    this.at = end;
  }

  /** One feature: the (multi)polygon of `wkb`, then `values` (null or undefined ones left out) typed as the columns. */
  feature(wkb: Uint8Array, values: readonly unknown[]) {
    const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
    const polygons = wkbPolygons(view);
    let coordinates = 0;
    let rings = 0;
    for (const p of polygons) {
      rings += p.points.length;
      for (const n of p.points) coordinates += n;
    }
    // An upper bound for the geometry, so that only the properties need checking as they go.
    this.room(64 + polygons.length * 64 + 4 * rings + 16 * coordinates);
    const start = this.at;
    const out = this.out;
    this.u32(0); // the size, once known
    this.u32(12); // root: the Feature table at 16
    // Feature vtable: its size, the table's, then geometry at 4 and properties at 8.
    this.u16(8);
    this.u16(12);
    this.u16(4);
    this.u16(8);
    // Feature table at 16: soffset back to the vtable, geometry (at 28 + 20 = 48), properties (later).
    this.u32(8);
    this.u32(48 - 20);
    this.u32(0);
    // MultiPolygon vtable at 28: fields ends, xy, z, m, t, tm absent; type at 8; parts at 4.
    for (const v of multiPolygonVtable) this.u16(v);
    // MultiPolygon table at 48: soffset, parts (the vector at 60), type, padding.
    this.u32(20);
    this.u32(60 - 52);
    this.out.writeUInt32LE(GeometryType.MultiPolygon, this.at);
    this.at += 4;
    // parts vector at 60: its entries filled in as each polygon's table is written.
    const parts = this.at;
    this.u32(polygons.length);
    this.at += 4 * polygons.length;
    for (let i = 0; i < polygons.length; i++) {
      const polygon = polygons[i]!;
      const withEnds = polygon.points.length > 1;
      const vtable = this.at;
      // Polygon vtable: ends at 8 (or absent), xy at 4, z, m, t, tm absent, type at 12 (or 8).
      for (const v of withEnds ? polygonVtableWithEnds : polygonVtable) this.u16(v);
      this.u16(0); // padding: the table starts at a multiple of 4
      const table = this.at;
      out.writeUInt32LE(table - (parts + 4 + 4 * i), parts + 4 + 4 * i);
      this.u32(table - vtable);
      const xyField = this.at;
      this.u32(0);
      const endsField = this.at;
      if (withEnds) this.u32(0);
      out.writeUInt32LE(GeometryType.Polygon, this.at); // the type byte, then padding
      this.at += 4;
      if (withEnds) {
        out.writeUInt32LE(this.at - endsField, endsField);
        this.u32(polygon.points.length);
        let end = 0;
        for (const n of polygon.points) {
          end += n;
          this.u32(end);
        }
      }
      // The xy vector: its length at 4 modulo 8, so that its doubles are at a multiple of 8.
      if ((this.at - start) % 8 === 0) this.u32(0);
      out.writeUInt32LE(this.at - xyField, xyField);
      let points = 0;
      for (const n of polygon.points) points += n;
      this.u32(points * 2);
      for (let r = 0; r < polygon.starts.length; r++) {
        const from = polygon.starts[r]!;
        const bytes = polygon.points[r]! * 16;
        if (polygon.little) out.set(wkb.subarray(from, from + bytes), this.at);
        else for (let b = 0; b < bytes; b += 8) out.writeDoubleLE(view.getFloat64(from + b, false), this.at + b);
        this.at += bytes;
      }
    }
    this.properties(start, values);
    this.pad(start, 8);
    this.out.writeUInt32LE(this.at - start - 4, start);
  }

  /** The properties vector as header.fbs lays it out: per value, its column index, then the value. */
  private properties(start: number, values: readonly unknown[]) {
    const lengthAt = this.at;
    this.room(4);
    this.at += 4;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      this.room(2);
      this.u16(i);
      switch (this.types[i]) {
        case ColumnType.Bool:
          this.room(1);
          this.at = this.out.writeUInt8(value ? 1 : 0, this.at);
          break;
        case ColumnType.Int:
          this.room(4);
          this.at = this.out.writeInt32LE(value as number, this.at);
          break;
        case ColumnType.Double:
          this.room(8);
          this.at = this.out.writeDoubleLE(value as number, this.at);
          break;
        default: {
          // String and DateTime: a uint32 byte length, then UTF-8 (at most 3 bytes a UTF-16 unit).
          const text = String(value);
          this.room(4 + 3 * text.length);
          const length = this.out.write(text, this.at + 4, 'utf8');
          this.u32(length);
          this.at += length;
        }
      }
    }
    const length = this.at - lengthAt - 4;
    if (length === 0) {
      // No properties: the field is left out, its vtable entry (at 14 from the start) 0.
      this.at = lengthAt;
      this.out.writeUInt16LE(0, start + 14);
      return;
    }
    this.out.writeUInt32LE(length, lengthAt);
    // The Feature table's properties field, at 24 from the feature's start.
    this.out.writeUInt32LE(lengthAt - (start + 24), start + 24);
    this.room(8);
  }

  /** The features written since the last call, in a buffer of their own. */
  take(): Buffer {
    const bytes = Buffer.from(this.out.subarray(0, this.at));
    this.at = 0;
    return bytes;
  }
}
