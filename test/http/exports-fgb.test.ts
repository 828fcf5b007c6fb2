// FlatGeobuf downloads: decoded with flatgeobuf's own reader they carry exactly the GeoJSON
// download's features (ids, properties; geometries at full precision, the GeoJSON's rounded to
// 6 decimals, so equal within half a unit of the last one) under a typed, streamable header whose
// layer is named after the download, and GDAL's FlatGeobuf driver reads them with the expected
// layer name, count, fields and CRS.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as flatbuffers from 'flatbuffers';
import type { Feature, FeatureCollection, MultiPolygon } from 'geojson';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatGeobufChunks, flatGeobufHeader, headerBytes } from '../../src/exports/flatgeobuf.js';
import { geoJsonChunks } from '../../src/exports/geojson.js';
import { crs84 } from '../../src/ogc/crs.js';
import { findCollection } from '../../src/ogc/collections.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { gdalAvailable } from '../support/interop.js';

const run = promisify(execFile);

let t: TestContext;
let territory: string;
let territoryName: string;
beforeAll(async () => {
  t = await openTestApp();
  ({ id: territory, name: territoryName } = await t.handle.db
    .selectFrom('territories')
    .select(['id', 'name'])
    .orderBy('id')
    .executeTakeFirstOrThrow());
  // The demo leaves jobs_count empty; one site in the territory gets a head count so that the
  // Int column is written and read.
  const site = await t.handle.db
    .selectFrom('sites as s')
    .innerJoin('territoryEpci as te', 'te.epciSiren', 's.epciSiren')
    .where('te.territoryId', '=', territory)
    .select('s.id')
    .orderBy('s.id')
    .executeTakeFirstOrThrow();
  await t.handle.db.updateTable('sites').set({ jobsCount: 240 }).where('id', '=', site.id).execute();
});
afterAll(async () => t?.close());

const magicBytes = [0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00];

/** Decodes a .fgb body with flatgeobuf's streaming reader, as a client reading the download would. */
async function decode(
  body: ReadableStream<Uint8Array> | Uint8Array,
): Promise<{ header: HeaderMeta; features: Feature[] }> {
  let header: HeaderMeta | undefined;
  const features: Feature[] = [];
  for await (const feature of deserialize(body, { headerMetaFn: (meta: HeaderMeta) => (header = meta) }))
    features.push(feature as Feature);
  return { header: header!, features };
}

/** A GeoJSON feature as FlatGeobuf carries it: the id as the first column, null properties absent. */
function asFlatGeobuf(feature: Feature) {
  const properties = Object.fromEntries(Object.entries(feature.properties!).filter(([, value]) => value !== null));
  return { id: feature.id, properties, geometry: feature.geometry };
}

/** The header table as written (flatgeobuf's HeaderMeta leaves out the layer name), and its size. */
function headerTable(bytes: Uint8Array) {
  const bb = new flatbuffers.ByteBuffer(bytes);
  bb.setPosition(magicBytes.length);
  const header = Header.getSizePrefixedRootAsHeader(bb);
  return {
    name: header.name(),
    title: header.title(),
    description: header.description(),
    bytes: 4 + bb.readUint32(magicBytes.length),
  };
}

function fromFlatGeobuf(feature: Feature) {
  const { id, ...properties } = feature.properties!;
  return { id, properties, geometry: feature.geometry };
}

const withoutGeometry = ({ geometry: _, ...rest }: { geometry: unknown }) => rest;

/** Same rings, same point counts, every coordinate within half a unit of the 6th decimal. */
function expectSameGeometries(full: Feature[], rounded: Feature[]) {
  const rings = (f: Feature) => (f.geometry as MultiPolygon).coordinates.map((p) => p.map((r) => r.length));
  expect(full.map(rings)).toEqual(rounded.map(rings));
  const numbers = (f: Feature) => (f.geometry as MultiPolygon).coordinates.flat(3);
  const b = rounded.flatMap(numbers);
  const worst = full.flatMap(numbers).reduce((m, a, i) => Math.max(m, Math.abs(a - b[i]!)), 0);
  expect(worst).toBeLessThanOrEqual(0.5e-6 + 1e-12);
}

async function expectSameAsGeoJson(layer: 'sites' | 'plots', query: string) {
  const res = await t.get(`/exports/${layer}.fgb${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/flatgeobuf');
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(Array.from(bytes.subarray(0, 8))).toEqual(magicBytes);
  const { header, features } = await decode(new Blob([bytes]).stream());
  const geojson: FeatureCollection = await (await t.get(`/exports/${layer}.geojson${query}`)).json();
  expect(features.length).toBeGreaterThan(0);
  expect(features.map(fromFlatGeobuf).map(withoutGeometry)).toEqual(
    geojson.features.map(asFlatGeobuf).map(withoutGeometry),
  );
  expectSameGeometries(features, geojson.features);
  // Read in place too: that reader views the coordinates as Float64Arrays on the file's
  // buffer, so the header must keep the features 8-byte aligned, whatever the name's length.
  expect(headerTable(bytes).bytes % 8).toBe(0);
  expect((await decode(bytes)).features.map(fromFlatGeobuf)).toEqual(features.map(fromFlatGeobuf));
  return { res, header, features, table: headerTable(bytes) };
}

describe('GET /exports/*.fgb', () => {
  it("downloads a territory's plots with the GeoJSON download's ids, properties and geometries", async () => {
    const { res, header, table } = await expectSameAsGeoJson('plots', `?territory=${territory}`);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="plots-${territory}.fgb"`);
    // The layer is named after the download, with a title and description a GIS can show.
    expect(table).toMatchObject({
      name: `plots-${territory}`,
      title: `Terrains économiques (CNIG terrain-eco), Territoire d'industrie ${territoryName} (${territory})`,
    });
    expect(table.description).toContain(findCollection('plots')!.description);
    expect(header.columns!.find((c) => c.name === 'cadastralRefs')!.description).toBe(
      "CNIG terr_refcad, '|'-separated",
    );
    // Streamable: no feature count, no spatial index; one geometry type; WGS 84.
    expect(header).toMatchObject({
      featuresCount: 0,
      indexNodeSize: 0,
      geometryType: GeometryType.MultiPolygon,
      crs: { code: 4326 },
    });
    expect(header.columns!.map((c) => c.name)).toEqual(['id', ...Object.keys(findCollection('plots')!.properties)]);
    const types = Object.fromEntries(header.columns!.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      id: ColumnType.String,
      cadastralRefs: ColumnType.String,
      grossAreaHa: ColumnType.Double,
      turnkey: ColumnType.Bool,
      updatedOn: ColumnType.DateTime,
    });
  });

  it('downloads every site of the nation, with integer columns typed as such', async () => {
    const { res, header, features, table } = await expectSameAsGeoJson('sites', '');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="sites.fgb"');
    expect(table).toMatchObject({ name: 'sites', title: 'Sites économiques (CNIG site-eco), France' });
    const live = await t.handle.db.selectFrom('sites').select('id').where('deletedAt', 'is', null).execute();
    expect(features.length).toBe(live.length);
    expect(header.columns!.find((c) => c.name === 'jobsCount')!.type).toBe(ColumnType.Int);
    expect(features.filter((f) => f.properties!.jobsCount !== undefined).map((f) => f.properties!.jobsCount)).toEqual([
      240,
    ]);
  });

  it('writes one chunk per keyset page, and the pages join into the whole layer', async () => {
    const chunks: Uint8Array[] = [];
    const singleConnection = t.handle.kind === 'pglite'; // as the route reads
    for await (const chunk of flatGeobufChunks(t.handle.db, 'plots', { territory, pageSize: 7, singleConnection }))
      chunks.push(chunk);
    const whole = await decode(
      new Uint8Array(await (await t.get(`/exports/plots.fgb?territory=${territory}`)).arrayBuffer()),
    );
    // The header chunk, then ceil(n / 7) pages.
    expect(chunks.length).toBe(1 + Math.ceil(whole.features.length / 7));
    const paged = await decode(new Uint8Array(Buffer.concat(chunks)));
    expect(paged.features.map(fromFlatGeobuf)).toEqual(whole.features.map(fromFlatGeobuf));
  });

  it('writes the same features from one cursor as from keyset pages (the embedded database reads pages)', async () => {
    const bytes = async (chunks: AsyncIterable<Uint8Array | string>) => {
      const all: Buffer[] = [];
      for await (const chunk of chunks) all.push(Buffer.from(chunk));
      return Buffer.concat(all);
    };
    /** The file's features, each as its bytes, sorted (the cursor reads in the table's order). */
    const fgbFeatures = (file: Buffer) => {
      const found: string[] = [];
      for (let at = 8 + 4 + file.readUInt32LE(8); at < file.length; at += 4 + file.readUInt32LE(at))
        found.push(file.subarray(at, at + 4 + file.readUInt32LE(at)).toString('hex'));
      return found.sort();
    };
    const jsonFeatures = (file: Buffer) => {
      const { features, ...rest } = JSON.parse(file.toString('utf8')) as FeatureCollection;
      return { ...rest, features: features.map((f) => JSON.stringify(f)).sort() };
    };
    for (const scope of [territory, undefined]) {
      for (const layer of ['sites', 'plots'] as const) {
        const fgb = (singleConnection: boolean) =>
          bytes(flatGeobufChunks(t.handle.db, layer, { territory: scope, pageSize: 10, singleConnection }));
        const cursor = await fgb(false);
        const paged = await fgb(true);
        expect(cursor.length).toBeGreaterThan(1000);
        expect(cursor.length).toBe(paged.length);
        const headerEnd = 8 + 4 + cursor.readUInt32LE(8);
        expect(cursor.subarray(0, headerEnd).equals(paged.subarray(0, headerEnd))).toBe(true);
        expect(fgbFeatures(cursor), `${layer} ${scope ?? 'France'} .fgb`).toEqual(fgbFeatures(paged));
        const json = (singleConnection: boolean) =>
          bytes(geoJsonChunks(t.handle.db, layer, scope, crs84, { pageSize: 10, singleConnection }));
        expect(jsonFeatures(await json(false)), `${layer} ${scope ?? 'France'} .geojson`).toEqual(
          jsonFeatures(await json(true)),
        );
      }
    }
  });

  it('writes a header of a multiple of 8 bytes whatever the lengths of the layer name, title and description', () => {
    for (let n = 1; n <= 16; n++) {
      const header = flatGeobufHeader('plots', { title: 't'.repeat(n), description: 'd'.repeat(2 * n) });
      for (const name of ['plots', 'p'.repeat(n), `plots-ti-${'x'.repeat(n)}`]) {
        const bytes = headerBytes(header, name);
        expect(bytes.length % 8, `${name}, title of ${n}`).toBe(0);
        expect(headerTable(new Uint8Array([...magicBytes, ...bytes]))).toMatchObject({
          name,
          title: header.title,
          description: header.description,
        });
      }
    }
  });

  it('answers 404 with a problem for an unknown territory, and 400 for an unknown parameter', async () => {
    const res = await t.get('/exports/sites.fgb?territory=ti-nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, code: 'not_found' });
    expect((await t.get('/exports/plots.fgb?bbox=0,0,1,1')).status).toBe(400);
  });

  it('is documented in the OpenAPI description as application/flatgeobuf', async () => {
    const doc = await (await t.get('/openapi.json')).json();
    for (const layer of ['sites', 'plots']) {
      const operation = doc.paths[`/exports/${layer}.fgb`].get;
      expect(Object.keys(operation.responses['200'].content)).toEqual(['application/flatgeobuf']);
      expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['territory', 'crs']);
    }
  });
});

const gdal = await gdalAvailable();

describe.skipIf(!gdal)('GDAL FlatGeobuf driver on the downloads', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'foncier-fgb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function download(path: string, file: string): Promise<string> {
    const res = await t.get(path);
    expect(res.status).toBe(200);
    const out = join(dir, file);
    writeFileSync(out, new Uint8Array(await res.arrayBuffer()));
    return out;
  }

  it('ogrinfo reads the national plots with the expected count, fields, geometry type and CRS', async () => {
    const file = await download('/exports/plots.fgb', 'plots.fgb');
    const live = await t.handle.db.selectFrom('plots').select('id').where('deletedAt', 'is', null).execute();
    const { stdout } = await run('ogrinfo', ['-ro', '-so', '-al', file]);
    expect(stdout).toMatch(/^Layer name: plots$/m);
    expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(live.length);
    expect(stdout).toContain('Geometry: Multi Polygon');
    expect(stdout).toContain('ID["EPSG",4326]');
    for (const field of [
      'id: String',
      'cnigId: String',
      'cadastralRefs: String',
      'grossAreaHa: Real',
      'turnkey: Integer(Boolean)',
      'priceEurM2: Real',
      'updatedOn: DateTime',
    ]) {
      expect(stdout).toContain(field);
    }
    for (const name of ['ownerName', 'buyerName', 'owner_name', 'buyer_name']) expect(stdout).not.toContain(name);
  });

  it("ogr2ogr converts a territory's sites to GeoJSON with the download's ids and values", async () => {
    const file = await download(`/exports/sites.fgb?territory=${territory}`, 'sites.fgb');
    const { stdout: fields } = await run('ogrinfo', ['-ro', '-so', '-al', file]);
    expect(fields).toMatch(new RegExp(`^Layer name: sites-${territory}$`, 'm'));
    expect(fields).toContain('jobsCount: Integer');
    const out = join(dir, 'sites.geojson');
    await run('ogr2ogr', ['-f', 'GeoJSON', out, file]);
    const converted: FeatureCollection = JSON.parse(readFileSync(out, 'utf8'));
    const expected: FeatureCollection = await (await t.get(`/exports/sites.geojson?territory=${territory}`)).json();
    expect(converted.features.map((f) => f.properties!.id)).toEqual(expected.features.map((f) => f.id));
    expect(converted.features.map((f) => f.properties!.jobsCount).filter((n) => n != null)).toEqual([240]);
    converted.features.forEach((feature, i) => {
      const want = expected.features[i]!.properties!;
      const got = feature.properties!;
      expect(got.cnigId).toBe(want.cnigId);
      expect(got.grossAreaHa).toBe(want.grossAreaHa);
      expect(got.jobsCount ?? null).toBe(want.jobsCount);
      // GDAL reads the ISO date into a DateTime field at midnight.
      expect(String(got.updatedOn).slice(0, 10).replaceAll('/', '-')).toBe(want.updatedOn);
    });
  });
});
