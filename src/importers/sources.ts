// Reading import files as streams of numbered records: CSV (separator detected from the
// header line: ';' for CNIG and ANCT files, ',' for INSEE/BANATIC ones), GeoJSON Lines
// (one Feature per line, streamed), and GeoJSON FeatureCollections (parsed whole: the ADMIN
// EXPRESS and Etalab files are a few MB; use GeoJSON Lines for millions of features).
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { Feature, Geometry } from 'geojson';
import { CRS84, detectSrid, LAMBERT_93 } from '../cnig/read.js';

export interface NumberedRecord<T> {
  /** 1-based data row (CSV: the header is row 0) or feature index. */
  row: number;
  record: T;
}

async function firstLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
  } finally {
    await handle.close();
  }
}

export async function detectDelimiter(path: string): Promise<string> {
  const header = await firstLine(path);
  const counts = [';', ',', '\t'].map((d) => [d, header.split(d).length] as const);
  return counts.sort((a, b) => b[1] - a[1])[0]![0];
}

export async function* csvRecords(
  path: string,
  delimiter?: string,
): AsyncGenerator<NumberedRecord<Record<string, string>>> {
  const parser = createReadStream(path).pipe(
    parse({
      delimiter: delimiter ?? (await detectDelimiter(path)),
      columns: true,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: false,
    }),
  );
  let row = 0;
  for await (const record of parser) {
    row++;
    // Spreadsheet exports often end with a line of bare separators: no data, not an error.
    if (Object.values(record as Record<string, string>).every((value) => value.trim() === '')) continue;
    yield { row, record: record as Record<string, string> };
  }
}

export async function csvHeader(path: string, delimiter?: string): Promise<string[]> {
  const line = await firstLine(path);
  return line
    .replace(/^\uFEFF/, '')
    .split(delimiter ?? (await detectDelimiter(path)))
    .map((name) => name.replace(/^"|"$/g, '').trim());
}

/**
 * About how many records a file holds, from its size and the records in its first MiB (lines
 * for CSV and GeoJSON Lines, features for a FeatureCollection): enough to tell a bulk load
 * from an update without reading the file twice.
 */
export async function estimateRecords(path: string): Promise<number> {
  const { size } = await stat(path);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(size, 1024 * 1024));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const sample = buffer.subarray(0, bytesRead).toString('utf8');
    const features = sample.match(/"type"\s*:\s*"Feature"/g)?.length ?? 0;
    const lines = sample.split('\n').length - 1;
    const records = Math.max(features, lines, 1);
    return Math.round((records * size) / Math.max(bytesRead, 1));
  } finally {
    await handle.close();
  }
}

/** The SRID a FeatureCollection declares in its (pre-RFC 7946) `crs` member, if any. */
export function declaredSrid(crs: unknown): number | undefined {
  const name = (crs as { properties?: { name?: string } } | undefined)?.properties?.name ?? '';
  if (/CRS84|EPSG:+4326$/i.test(name)) return CRS84;
  if (/EPSG:+2154$/i.test(name)) return LAMBERT_93;
  return undefined;
}

export interface GeoFeature {
  properties: Record<string, unknown>;
  geometry: Geometry | null;
  id?: string | number;
  srid: number;
}

/** Features of a GeoJSON FeatureCollection or GeoJSON Lines file, with the SRID of each. */
export async function* geoJsonFeatures(
  path: string,
  options: { srid?: number } = {},
): AsyncGenerator<NumberedRecord<GeoFeature>> {
  const start = (await firstLine(path)).trimStart();
  const toFeature = (f: Feature, declared?: number): GeoFeature => ({
    properties: (f.properties ?? {}) as Record<string, unknown>,
    geometry: f.geometry,
    ...(f.id !== undefined ? { id: f.id } : {}),
    srid: options.srid ?? declared ?? (f.geometry ? detectSrid(f.geometry) : CRS84),
  });
  // GeoJSON Lines: every line is a complete Feature.
  if (
    start.startsWith('{') &&
    start.includes('"Feature"') &&
    !start.includes('"FeatureCollection"') &&
    start.trimEnd().endsWith('}')
  ) {
    let row = 0;
    for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      yield { row: ++row, record: toFeature(JSON.parse(line) as Feature) };
    }
    return;
  }
  const collection = JSON.parse(await readFile(path, 'utf8')) as { type: string; crs?: unknown; features?: Feature[] };
  if (collection.type !== 'FeatureCollection' || !Array.isArray(collection.features))
    throw new Error(`${path} is not a GeoJSON FeatureCollection`);
  const declared = declaredSrid(collection.crs);
  for (const [i, feature] of collection.features.entries()) yield { row: i + 1, record: toFeature(feature, declared) };
}
