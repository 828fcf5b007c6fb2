// GDAL and Lambert-93: the coordinates we write with crs=EPSG:2154 (OGC items, CNIG downloads)
// against GDAL's own reprojection of our CRS84 output (ogr2ogr -t_srs EPSG:2154), within 1 mm;
// GDAL reading an items page in Lambert-93 as Lambert-93; ogr2ogr -spat in Lambert-93 over the
// OAPIF driver selecting what bbox-crs=EPSG:2154 selects; and the CNIG GeoPackage template (in
// Lambert-93) filled from the crs=EPSG:2154 downloads with no -t_srs, as the README says.
// The test database's plots and sites are first snapped to the 1e-6 degree grid that CRS84 is
// written on, so that GDAL starts from the stored coordinates exactly: what is left between
// the two is the two transformations and our rounding to the millimetre.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { gdalAvailable, gdalEnv } from '../support/interop.js';
import { type ServedApp, serveOnLoopback } from '../support/loopback.js';

const run = promisify(execFile);
const gdal = await gdalAvailable();
const gdalVersion = gdal
  ? /GDAL (\d+)\.(\d+)/
      .exec((await run('ogrinfo', ['--version'])).stdout)!
      .slice(1)
      .map(Number)
  : [0, 0];
const gdalHasOapifCrs = gdalVersion[0]! * 100 + gdalVersion[1]! >= 307;
if (gdal && !gdalHasOapifCrs)
  console.warn(
    `skipping the -oo CRS=EPSG:2154 test: GDAL ${gdalVersion.join('.')} has no OAPIF CRS option (3.7 added it)`,
  );
const template = join(import.meta.dirname, '../../../shared/reference/cnig-sites-economiques/sites_economiques.gpkg');

if (!existsSync(template))
  console.warn(`skipping the CNIG GeoPackage test: ${template} is absent (../shared beside the clone)`);

const lambert93 = 'http://www.opengis.net/def/crs/EPSG/0/2154';
/** Every plot, in Lambert-93, on one items page. */
const lambertItems = `/ogc/collections/plots/items?limit=10000&crs=${encodeURIComponent(lambert93)}`;
/** ogr2ogr to GeoJSON at our precision (6 decimals), `args` being the rest of its command line. */
const toGeoJson = (args: string[], env?: NodeJS.ProcessEnv) =>
  run('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'COORDINATE_PRECISION=6', ...args], { env });

type Surface = MultiPolygon | Polygon;
const positions = (g: Surface): Position[] => (g.type === 'Polygon' ? g.coordinates.flat() : g.coordinates.flat(2));

/** The largest distance, in the units of the coordinates, between matching vertices of the
 *  features of two collections paired by `key`. */
function maxDeviation(
  ours: FeatureCollection<Surface>,
  theirs: FeatureCollection<Surface>,
  key: (f: FeatureCollection<Surface>['features'][number]) => string,
): number {
  const byKey = new Map(theirs.features.map((f) => [key(f), f]));
  expect(byKey.size).toBe(ours.features.length);
  let worst = 0;
  for (const f of ours.features) {
    const other = byKey.get(key(f));
    expect(other, key(f)).toBeDefined();
    const [a, b] = [positions(f.geometry), positions(other!.geometry)];
    expect(a.length).toBe(b.length);
    a.forEach((p, i) => (worst = Math.max(worst, Math.hypot(p[0]! - b[i]![0]!, p[1]! - b[i]![1]!))));
  }
  return worst;
}

describe.skipIf(!gdal)('GDAL and Lambert-93 (EPSG:2154)', () => {
  let t: TestContext;
  let server: ServedApp;
  let origin: string;
  let dir: string;
  const requested: string[] = [];
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as FeatureCollection<Surface>;
  const fetchTo = async (path: string, file: string) => {
    const res = await t.get(path);
    expect(res.status, path).toBe(200);
    writeFileSync(join(dir, file), await res.text());
    return join(dir, file);
  };

  beforeAll(async () => {
    t = await openTestApp();
    await sql`UPDATE plots SET geom = ST_SnapToGrid(geom, 1e-6)`.execute(t.handle.db);
    await sql`UPDATE sites SET geom = ST_SnapToGrid(geom, 1e-6)`.execute(t.handle.db);
    dir = mkdtempSync(join(tmpdir(), 'foncier-gdal-crs-'));
    server = await serveOnLoopback((request) => (requested.push(request.url), t.app.fetch(request)));
    origin = server.origin;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it(
    'items with crs=EPSG:2154 are within 1 mm of ogr2ogr -t_srs EPSG:2154 ' + 'of the CRS84 items read through OAPIF',
    async () => {
      const gdalCopy = join(dir, 'plots-gdal-2154.geojson');
      await toGeoJson(
        ['-t_srs', 'EPSG:2154', gdalCopy, `OAPIF:${origin}/ogc/collections/plots`, '-oo', 'PAGE_SIZE=1000'],
        gdalEnv,
      );
      const ours = await fetchTo(lambertItems, 'plots-2154.geojson');
      const deviation = maxDeviation(readJson(ours), readJson(gdalCopy), (f) => String(f.properties?.id ?? f.id));
      expect(deviation, 'metres').toBeLessThan(0.001);
    },
  );

  it('GDAL reads an items page with crs=EPSG:2154 as Lambert-93, its extent in metres', async () => {
    const ours = await fetchTo(lambertItems, 'plots-2154.geojson');
    const { stdout } = await run('ogrinfo', ['-ro', '-so', '-al', `${origin}${lambertItems}`], { env: gdalEnv });
    expect(stdout).toMatch(/Lambert-93/);
    expect(stdout).toMatch(/ID\["EPSG",2154\]\]\s*$|ID\["EPSG",2154\]\]/m);
    const xs = readJson(ours).features.flatMap((f) => positions(f.geometry).map((p) => p[0]!));
    const extent = /Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/.exec(stdout)!.slice(1).map(Number);
    expect(extent[0]).toBeCloseTo(Math.min(...xs), 3);
    expect(extent[2]).toBeCloseTo(Math.max(...xs), 3);
  });

  it('ogr2ogr -spat … -spat_srs EPSG:2154 over OAPIF copies the plots that bbox-crs=EPSG:2154 selects', async () => {
    const all = readJson(await fetchTo(lambertItems, 'plots-2154.geojson'));
    const first = positions(all.features[0]!.geometry);
    const box = [
      Math.min(...first.map((p) => p[0]!)) - 400,
      Math.min(...first.map((p) => p[1]!)) - 400,
      Math.max(...first.map((p) => p[0]!)) + 400,
      Math.max(...first.map((p) => p[1]!)) + 400,
    ].map((v) => Math.round(v));
    const server = (await (
      await t.get(
        `/ogc/collections/plots/items?limit=10000&bbox=${box.join(',')}&bbox-crs=${encodeURIComponent(lambert93)}`,
      )
    ).json()) as FeatureCollection;
    expect(server.features.length).toBeGreaterThan(1);
    expect(server.features.length).toBeLessThan(all.features.length);
    const out = join(dir, 'spat.geojson');
    requested.length = 0;
    await run(
      'ogr2ogr',
      [
        '-f',
        'GeoJSON',
        out,
        `OAPIF:${origin}/ogc/collections/plots`,
        '-spat',
        ...box.map(String),
        '-spat_srs',
        'EPSG:2154',
      ],
      { env: gdalEnv },
    );
    expect(
      requested.some((url) => new URL(url).searchParams.has('bbox')),
      'the box went to the server',
    ).toBe(true);
    const copied = readJson(out)
      .features.map((f) => String(f.properties?.id ?? f.id))
      .sort();
    expect(copied).toEqual(server.features.map((f) => String(f.id)).sort());
  });

  // GDAL 3.7 added Part 2 to the OAPIF driver (open option CRS); 3.6 always asks for CRS84.
  it.skipIf(!gdalHasOapifCrs)(
    'ogr2ogr -oo CRS=EPSG:2154 asks the server for Lambert-93 and writes it as it comes',
    async () => {
      const out = join(dir, 'oapif-2154.geojson');
      requested.length = 0;
      await toGeoJson([out, `OAPIF:${origin}/ogc/collections/plots`, '-oo', 'CRS=EPSG:2154'], gdalEnv);
      expect(requested.some((url) => new URL(url).searchParams.get('crs') === lambert93)).toBe(true);
      const ours = await fetchTo(lambertItems, 'plots-2154.geojson');
      expect(maxDeviation(readJson(ours), readJson(out), (f) => String(f.properties?.id ?? f.id))).toBeLessThan(0.001);
    },
  );

  it.skipIf(!existsSync(template))(
    'the CNIG GeoPackage template takes the crs=EPSG:2154 downloads with no -t_srs, ' +
      'within 1 mm of ogr2ogr -t_srs EPSG:2154 of the CRS84 downloads',
    async () => {
      const gpkg = join(dir, 'sites_economiques.gpkg');
      copyFileSync(template, gpkg);
      for (const { kind, layer, key, shape } of [
        { kind: 'site-eco', layer: 'site_eco', key: 'site_id', shape: ['-append'] },
        {
          kind: 'terrain-eco',
          layer: 'terrain_eco',
          key: 'terr_id',
          shape: ['-append', '-addfields', '-nlt', 'POLYGON'],
        },
      ]) {
        // The README's commands.
        const lambert = await fetchTo(`/exports/cnig/${kind}.geojson?crs=EPSG:2154`, `${kind}-2154.geojson`);
        await run('ogr2ogr', ['-update', ...shape, '-oo', 'DATE_AS_STRING=YES', '-nln', layer, gpkg, lambert]);
        const { stdout } = await run('ogrinfo', ['-ro', '-so', gpkg, layer]);
        expect(stdout).toMatch(/Lambert-93/);
        const back = join(dir, `${layer}-back.geojson`);
        await toGeoJson([back, gpkg, layer]);

        const crs84 = await fetchTo(`/exports/cnig/${kind}.geojson`, `${kind}.geojson`);
        const gdalCopy = join(dir, `${kind}-gdal-2154.geojson`);
        await toGeoJson(['-t_srs', 'EPSG:2154', gdalCopy, crs84]);
        const inPackage = readJson(back);
        expect(inPackage.features.length).toBeGreaterThan(0);
        expect(positions(inPackage.features[0]!.geometry)[0]![0], 'metres, not degrees').toBeGreaterThan(100_000);
        expect(
          maxDeviation(inPackage, readJson(gdalCopy), (f) => String(f.properties![key])),
          layer,
        ).toBeLessThan(0.001);
      }
    },
  );
});
