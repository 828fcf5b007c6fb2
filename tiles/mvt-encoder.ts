// A Mapbox Vector Tile 2.1 encoder (https://github.com/mapbox/vector-tile-spec/tree/master/2.1)
// for the embedded database, which has no ST_AsMVT: PostGIS still clips, transforms and snaps
// the geometries to tile units; this module only writes the protobuf. Layers encode on their
// own, so a composite tile is the concatenation of its layers (a Tile is `repeated Layer`).
import { PbfWriter as Pbf } from 'pbf';
import type { Geometry, Position } from 'geojson';
import { EXTENT } from './tile-math.js';

export type PropertyType = 'string' | 'number' | 'integer' | 'boolean';
export type PropertyValue = string | number | boolean | null | undefined;

export interface EncodableFeature {
  /** MVT feature id (uint64; kept below 2^53 so JavaScript reads it exactly). */
  id: number;
  /** Geometry already in tile units (integers, y down), as PostGIS wrote it. */
  geometry: Geometry;
  properties: Record<string, PropertyValue>;
}

export interface EncodableLayer {
  name: string;
  extent?: number;
  /** Value types by key: integers go as uint/sint, numbers as double, like ST_AsMVT does. */
  types: Record<string, PropertyType>;
  features: EncodableFeature[];
}

// vector_tile.proto field numbers.
const TILE_LAYERS = 3;
const LAYER_VERSION = 15;
const LAYER_NAME = 1;
const LAYER_FEATURES = 2;
const LAYER_KEYS = 3;
const LAYER_VALUES = 4;
const LAYER_EXTENT = 5;
const FEATURE_ID = 1;
const FEATURE_TAGS = 2;
const FEATURE_TYPE = 3;
const FEATURE_GEOMETRY = 4;
const VALUE_STRING = 1;
const VALUE_DOUBLE = 3;
const VALUE_UINT = 5;
const VALUE_SINT = 6;
const VALUE_BOOL = 7;

const GEOM_POINT = 1;
const GEOM_LINESTRING = 2;
const GEOM_POLYGON = 3;

const MOVE_TO = 1;
const LINE_TO = 2;
const CLOSE_PATH = 7;

const command = (id: number, count: number) => (id & 0x7) | (count << 3);
const zigzag = (n: number) => (n << 1) ^ (n >> 31);

/** Spec 4.3.4.4: surveyor's formula in tile units (y down); > 0 is an exterior ring. */
export function ringArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    sum += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return sum / 2;
}

/** The points without repeated consecutive ones (a zero-length LineTo draws nothing). */
function distinct(points: Position[]): Position[] {
  const out: Position[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

/** The ring without its closing point and without repeated consecutive points. */
function openRing(ring: Position[]): Position[] {
  const out = distinct(ring);
  const first = out[0];
  const last = out[out.length - 1];
  if (out.length > 1 && first![0] === last![0] && first![1] === last![1]) out.pop();
  return out;
}

class GeometryWriter {
  readonly commands: number[] = [];
  #x = 0;
  #y = 0;

  #delta(p: Position): void {
    const x = Math.round(p[0]!);
    const y = Math.round(p[1]!);
    this.commands.push(zigzag(x - this.#x), zigzag(y - this.#y));
    this.#x = x;
    this.#y = y;
  }

  points(points: Position[]): void {
    if (points.length === 0) return;
    this.commands.push(command(MOVE_TO, points.length));
    for (const p of points) this.#delta(p);
  }

  line(line: Position[]): void {
    const points = distinct(line);
    if (points.length < 2) return;
    this.commands.push(command(MOVE_TO, 1));
    this.#delta(points[0]!);
    this.commands.push(command(LINE_TO, points.length - 1));
    for (const p of points.slice(1)) this.#delta(p);
  }

  /** One ring, wound as the spec wants: exterior positive area, interior negative. */
  ring(ring: Position[], exterior: boolean): boolean {
    let points = openRing(ring);
    if (points.length < 3) return false;
    const area = ringArea(points);
    if (area === 0) return false;
    if (area > 0 !== exterior) points = points.slice().reverse();
    this.commands.push(command(MOVE_TO, 1));
    this.#delta(points[0]!);
    this.commands.push(command(LINE_TO, points.length - 1));
    for (const p of points.slice(1)) this.#delta(p);
    this.commands.push(command(CLOSE_PATH, 1));
    return true;
  }

  polygon(rings: Position[][]): void {
    const [exterior, ...holes] = rings;
    // A polygon whose exterior collapsed at this zoom is dropped with its holes.
    if (!exterior || !this.ring(exterior, true)) return;
    for (const hole of holes) this.ring(hole, false);
  }
}

/** The MVT geometry type and command stream of a tile-unit GeoJSON geometry; null when empty. */
export function encodeGeometry(geometry: Geometry): { type: number; commands: number[] } | null {
  const writer = new GeometryWriter();
  let type: number;
  switch (geometry.type) {
    case 'Point':
      type = GEOM_POINT;
      writer.points([geometry.coordinates]);
      break;
    case 'MultiPoint':
      type = GEOM_POINT;
      writer.points(geometry.coordinates);
      break;
    case 'LineString':
      type = GEOM_LINESTRING;
      writer.line(geometry.coordinates);
      break;
    case 'MultiLineString':
      type = GEOM_LINESTRING;
      for (const line of geometry.coordinates) writer.line(line);
      break;
    case 'Polygon':
      type = GEOM_POLYGON;
      writer.polygon(geometry.coordinates);
      break;
    case 'MultiPolygon':
      type = GEOM_POLYGON;
      for (const polygon of geometry.coordinates) writer.polygon(polygon);
      break;
    default:
      // GeometryCollection: PostGIS extracts one dimension before we get here.
      return null;
  }
  return writer.commands.length > 0 ? { type, commands: writer.commands } : null;
}

interface PreparedFeature {
  id: number;
  tags: number[];
  type: number;
  commands: number[];
}

interface PreparedLayer {
  name: string;
  extent: number;
  keys: string[];
  values: { type: PropertyType; value: string | number | boolean }[];
  features: PreparedFeature[];
}

/** Builds the keys/values tables (each distinct key and typed value once) and the tags. */
function prepareLayer(layer: EncodableLayer): PreparedLayer {
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const values: PreparedLayer['values'] = [];
  const valueIndex = new Map<string, number>();
  const features: PreparedFeature[] = [];
  for (const feature of layer.features) {
    const geometry = encodeGeometry(feature.geometry);
    if (!geometry) continue;
    const tags: number[] = [];
    for (const [key, raw] of Object.entries(feature.properties)) {
      // ST_AsMVT leaves NULL properties out; so do we.
      if (raw === null || raw === undefined) continue;
      const type =
        layer.types[key] ?? (typeof raw === 'boolean' ? 'boolean' : typeof raw === 'number' ? 'number' : 'string');
      const value = type === 'string' ? String(raw) : raw;
      let k = keyIndex.get(key);
      if (k === undefined) {
        k = keys.push(key) - 1;
        keyIndex.set(key, k);
      }
      const valueKey = `${type}:${String(value)}`;
      let v = valueIndex.get(valueKey);
      if (v === undefined) {
        v = values.push({ type, value }) - 1;
        valueIndex.set(valueKey, v);
      }
      tags.push(k, v);
    }
    features.push({ id: feature.id, tags, type: geometry.type, commands: geometry.commands });
  }
  return { name: layer.name, extent: layer.extent ?? EXTENT, keys, values, features };
}

function writeValue(value: PreparedLayer['values'][number], pbf: Pbf): void {
  switch (value.type) {
    case 'string':
      pbf.writeStringField(VALUE_STRING, value.value as string);
      break;
    case 'boolean':
      pbf.writeBooleanField(VALUE_BOOL, value.value as boolean);
      break;
    case 'integer': {
      const n = value.value as number;
      if (Number.isInteger(n)) {
        if (n >= 0) pbf.writeVarintField(VALUE_UINT, n);
        else pbf.writeSVarintField(VALUE_SINT, n);
      } else pbf.writeDoubleField(VALUE_DOUBLE, n);
      break;
    }
    default:
      pbf.writeDoubleField(VALUE_DOUBLE, value.value as number);
  }
}

function writeFeature(feature: PreparedFeature, pbf: Pbf): void {
  pbf.writeVarintField(FEATURE_ID, feature.id);
  if (feature.tags.length > 0) pbf.writePackedVarint(FEATURE_TAGS, feature.tags);
  pbf.writeVarintField(FEATURE_TYPE, feature.type);
  pbf.writePackedVarint(FEATURE_GEOMETRY, feature.commands);
}

function writeLayer(layer: PreparedLayer, pbf: Pbf): void {
  pbf.writeVarintField(LAYER_VERSION, 2);
  pbf.writeStringField(LAYER_NAME, layer.name);
  for (const feature of layer.features) pbf.writeMessage(LAYER_FEATURES, writeFeature, feature);
  for (const key of layer.keys) pbf.writeStringField(LAYER_KEYS, key);
  for (const value of layer.values) pbf.writeMessage(LAYER_VALUES, writeValue, value);
  pbf.writeVarintField(LAYER_EXTENT, layer.extent);
}

/** Encodes layers into one tile; a layer without features is left out (ST_AsMVT does too). */
export function encodeTile(layers: EncodableLayer[]): Uint8Array {
  const pbf = new Pbf();
  for (const layer of layers) {
    const prepared = prepareLayer(layer);
    if (prepared.features.length === 0) continue;
    pbf.writeMessage(TILE_LAYERS, writeLayer, prepared);
  }
  return pbf.finish();
}
