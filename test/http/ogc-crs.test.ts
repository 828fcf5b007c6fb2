// OGC API Features Part 2 (crs, bbox-crs) and the downloads' crs=: every CRS checked against
// formulas written here, independently of PostGIS: Lambert-93 by IGN's conic projection
// (note NT/G 71, ALG0019 and ALG0003 on GRS80; RGF93 v1 and WGS 84 coincide to the metre, and
// PROJ transforms between them with a null shift), Web Mercator by its spherical equations,
// EPSG:4326 as CRS84 with the axes swapped. Coordinates are compared with the stored geometry
// read at full precision, within 1 mm.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureCollection, polygon } from '@turf/helpers';
import intersect from '@turf/intersect';
import { parse } from 'csv-parse/sync';
import type { Feature, FeatureCollection, MultiPolygon, Position } from 'geojson';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CnigClass } from '../../src/cnig/fields.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { openTestApp, type TestContext } from '../support/app.js';

const crsUri = {
  crs84: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  epsg4326: 'http://www.opengis.net/def/crs/EPSG/0/4326',
  lambert93: 'http://www.opengis.net/def/crs/EPSG/0/2154',
  webMercator: 'http://www.opengis.net/def/crs/EPSG/0/3857',
};

const rad = Math.PI / 180;

/** Lambert-93 (EPSG:2154) of a GRS80 longitude, latitude in degrees: the secant conic projection
 *  with standard parallels 44° and 49°, origin 3° E 46.5° N at (700 000 m, 6 600 000 m). */
function lambert93([lon, lat]: Position): [number, number] {
  const a = 6_378_137;
  const f = 1 / 298.257_222_101;
  const e = Math.sqrt(f * (2 - f));
  const m = (phi: number) => Math.cos(phi) / Math.sqrt(1 - e * e * Math.sin(phi) ** 2);
  const t = (phi: number) =>
    Math.tan(Math.PI / 4 - phi / 2) / ((1 - e * Math.sin(phi)) / (1 + e * Math.sin(phi))) ** (e / 2);
  const [phi1, phi2, phi0] = [44 * rad, 49 * rad, 46.5 * rad];
  const n = Math.log(m(phi1) / m(phi2)) / Math.log(t(phi1) / t(phi2));
  const F = m(phi1) / (n * t(phi1) ** n);
  const rho = (phi: number) => a * F * t(phi) ** n;
  const theta = n * (lon! - 3) * rad;
  return [700_000 + rho(lat! * rad) * Math.sin(theta), 6_600_000 + rho(phi0) - rho(lat! * rad) * Math.cos(theta)];
}

/** Web Mercator (EPSG:3857): the sphere of radius 6 378 137 m. */
function webMercator([lon, lat]: Position): [number, number] {
  const r = 6_378_137;
  return [r * lon! * rad, r * Math.log(Math.tan(Math.PI / 4 + (lat! * rad) / 2))];
}

const positions = (geometry: MultiPolygon): Position[] => geometry.coordinates.flat(2);
const distance = (p: Position, q: Position) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!);

let t: TestContext;
let dir: string;
/** The stored geometry of every live plot, exterior rings counter-clockwise, at full precision. */
let stored: Map<string, MultiPolygon>;
let plotCount: number;

beforeAll(async () => {
  t = await openTestApp();
  dir = mkdtempSync(join(tmpdir(), 'foncier-crs-'));
  const { rows } = await sql<{
    id: string;
    g: MultiPolygon;
  }>`SELECT CAST(id AS text) AS id, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 15)::json AS g
    FROM plots WHERE deleted_at IS NULL`.execute(t.handle.db);
  stored = new Map(rows.map((r) => [r.id, r.g]));
  plotCount = rows.length;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

const allPlots = async (query: string, limit = 10_000) => {
  const res = await t.get(`/ogc/collections/plots/items?limit=${limit}&${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, body: (await res.json()) as FeatureCollection<MultiPolygon> & { numberMatched: number } };
};

/** The largest distance between each returned vertex and `expected` of its stored vertex. */
function maxDeviation(features: Feature<MultiPolygon>[], expected: (p: Position) => Position): number {
  let worst = 0;
  for (const f of features) {
    const mine = positions(f.geometry);
    const theirs = positions(stored.get(String(f.id))!).map(expected);
    expect(mine.length).toBe(theirs.length);
    mine.forEach((p, i) => (worst = Math.max(worst, distance(p, theirs[i]!))));
  }
  return worst;
}

describe('OGC API Features Part 2: crs', () => {
  it('finds EPSG:2154, EPSG:3857 and EPSG:4326 in the spatial_ref_sys of the backend', async () => {
    const { rows } = await sql<{
      srid: number;
      authName: string;
      authSrid: number;
    }>`SELECT srid, auth_name, auth_srid FROM spatial_ref_sys WHERE srid IN (2154, 3857, 4326) ORDER BY srid`.execute(
      t.handle.db,
    );
    expect(rows).toEqual([2154, 3857, 4326].map((srid) => ({ srid, authName: 'EPSG', authSrid: srid })));
  });

  it(
    'declares the crs conformance class and lists CRS84, EPSG:4326, EPSG:2154, EPSG:3857 on every collection, ' +
      'stored in CRS84',
    async () => {
      const { conformsTo } = await (await t.get('/ogc/conformance')).json();
      expect(conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs');
      const { collections } = await (await t.get('/ogc/collections')).json();
      expect(collections.length).toBeGreaterThan(0);
      for (const collection of collections) {
        expect(collection.crs, collection.id).toEqual([
          crsUri.crs84,
          crsUri.epsg4326,
          crsUri.lambert93,
          crsUri.webMercator,
        ]);
        expect(collection.storageCrs, collection.id).toBe(crsUri.crs84);
      }
    },
  );

  it('answers CRS84 by default, and says so in Content-Crs', async () => {
    const { res, body } = await allPlots('');
    expect(res.headers.get('content-crs')).toBe(`<${crsUri.crs84}>`);
    expect(body).not.toHaveProperty('crs');
    expect(body.features).toHaveLength(plotCount);
    // CRS84 is written to 6 decimals: within 0.5e-6 degree of the stored coordinates on each axis.
    expect(maxDeviation(body.features, (p) => p)).toBeLessThanOrEqual(Math.SQRT2 * 0.5e-6 + 1e-12);
  });

  it(
    'crs=EPSG:2154 answers Lambert-93 within 1 mm of the conic projection, ' + 'with Content-Crs and a crs member',
    async () => {
      const { res, body } = await allPlots(`crs=${encodeURIComponent(crsUri.lambert93)}`);
      expect(res.headers.get('content-crs')).toBe(`<${crsUri.lambert93}>`);
      expect((body as unknown as { crs: unknown }).crs).toEqual({
        type: 'name',
        properties: { name: 'urn:ogc:def:crs:EPSG::2154' },
      });
      expect(body.features).toHaveLength(plotCount);
      const [x, y] = positions(body.features[0]!.geometry)[0]!;
      expect(x).toBeGreaterThan(100_000);
      expect(y).toBeGreaterThan(6_000_000);
      expect(maxDeviation(body.features, lambert93)).toBeLessThan(0.001);
    },
  );

  it('crs=EPSG:3857 answers Web Mercator within 1 mm of the spherical equations', async () => {
    const { res, body } = await allPlots(`crs=${encodeURIComponent(crsUri.webMercator)}`);
    expect(res.headers.get('content-crs')).toBe(`<${crsUri.webMercator}>`);
    expect(maxDeviation(body.features, webMercator)).toBeLessThan(0.001);
  });

  it('crs=EPSG:4326 puts latitude first: the CRS84 coordinates with the axes swapped', async () => {
    const plain = (await allPlots('')).body;
    const { res, body } = await allPlots(`crs=${encodeURIComponent(crsUri.epsg4326)}`);
    expect(res.headers.get('content-crs')).toBe(`<${crsUri.epsg4326}>`);
    expect(body).not.toHaveProperty('crs');
    expect(body.features.map((f) => f.id)).toEqual(plain.features.map((f) => f.id));
    body.features.forEach((f, i) =>
      expect(positions(f.geometry)).toEqual(positions(plain.features[i]!.geometry).map(([lon, lat]) => [lat, lon])),
    );
    const [lat, lon] = positions(body.features[0]!.geometry)[0]!;
    expect(lat).toBeGreaterThan(41);
    expect(lon).toBeLessThan(10);
  });

  it('one feature takes crs too, with its Content-Crs', async () => {
    const id = [...stored.keys()][0]!;
    const res = await t.get(`/ogc/collections/plots/items/${id}?crs=${encodeURIComponent(crsUri.lambert93)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-crs')).toBe(`<${crsUri.lambert93}>`);
    expect(maxDeviation([await res.json()], lambert93)).toBeLessThan(0.001);
  });

  it('takes the short spellings of a CRS: EPSG:2154, [EPSG:2154], the URN, https, CRS84', async () => {
    const reference = JSON.stringify((await allPlots(`crs=${encodeURIComponent(crsUri.lambert93)}`, 5)).body.features);
    for (const spelling of [
      'EPSG:2154',
      '[EPSG:2154]',
      'urn:ogc:def:crs:EPSG::2154',
      'https://www.opengis.net/def/crs/EPSG/0/2154',
    ]) {
      const { res, body } = await allPlots(`crs=${encodeURIComponent(spelling)}`, 5);
      expect(res.headers.get('content-crs'), spelling).toBe(`<${crsUri.lambert93}>`);
      expect(JSON.stringify(body.features), spelling).toBe(reference);
    }
    expect((await allPlots('crs=CRS84')).res.headers.get('content-crs')).toBe(`<${crsUri.crs84}>`);
  });

  it('an unknown crs or bbox-crs is a 400 problem naming the parameter', async () => {
    const id = [...stored.keys()][0]!;
    const cases: [string, string][] = [
      ['/ogc/collections/plots/items?crs=EPSG:27572', 'crs'],
      [`/ogc/collections/plots/items?crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/9999')}`, 'crs'],
      [`/ogc/collections/plots/items/${id}?crs=EPSG:900913`, 'crs'],
      ['/ogc/collections/sites/items?bbox=4,44,5,46&bbox-crs=EPSG:27572', 'bbox-crs'],
    ];
    for (const [path, name] of cases) {
      const res = await t.get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = await res.json();
      expect(
        problem.invalidParams.map((p: { name: string }) => p.name),
        path,
      ).toEqual([name]);
      expect(problem.detail).toContain('unsupported CRS');
    }
  });
});

describe('OGC API Features Part 2: bbox-crs', () => {
  const ids = (body: FeatureCollection) => body.features.map((f) => String(f.id)).sort();

  it('bbox-crs=CRS84 filters as a bbox alone does', async () => {
    const plain = (await allPlots('bbox=4.5,44.5,5.5,45.5')).body;
    expect(plain.features.length).toBeGreaterThan(0);
    expect(plain.features.length).toBeLessThan(plotCount);
    const explicit = (await allPlots(`bbox=4.5,44.5,5.5,45.5&bbox-crs=${encodeURIComponent(crsUri.crs84)}`)).body;
    expect(ids(explicit)).toEqual(ids(plain));
  });

  it('bbox-crs=EPSG:4326 takes latitude first', async () => {
    const plain = (await allPlots('bbox=4.5,44.5,5.5,45.5')).body;
    const swapped = (await allPlots(`bbox=44.5,4.5,45.5,5.5&bbox-crs=${encodeURIComponent(crsUri.epsg4326)}`)).body;
    expect(ids(swapped)).toEqual(ids(plain));
    const res = await t.get(
      `/ogc/collections/plots/items?bbox=44.5,4.5,95.5,5.5&bbox-crs=${encodeURIComponent(crsUri.epsg4326)}`,
    );
    expect(res.status).toBe(400);
    expect((await res.json()).invalidParams[0].name).toBe('bbox');
  });

  it(
    'bbox-crs=EPSG:3857 selects what the same box in degrees selects ' +
      '(Mercator keeps meridians and parallels straight)',
    async () => {
      const [x1, y1] = webMercator([4.5, 44.5]);
      const [x2, y2] = webMercator([5.5, 45.5]);
      const plain = (await allPlots('bbox=4.5,44.5,5.5,45.5')).body;
      const mercator = (
        await allPlots(`bbox=${[x1, y1, x2, y2].join(',')}&bbox-crs=${encodeURIComponent(crsUri.webMercator)}`)
      ).body;
      expect(ids(mercator)).toEqual(ids(plain));
    },
  );

  it(
    'bbox-crs=EPSG:2154 selects the plots a Lambert-93 box intersects, ' + 'as planar geometry in Lambert-93 says',
    async () => {
      const lambert = (await allPlots(`crs=${encodeURIComponent(crsUri.lambert93)}`)).body.features;
      // A box around one plot, 30 m wider each side: it reaches into the plots around it.
      const xs = positions(lambert[0]!.geometry).map((p) => p[0]!);
      const ys = positions(lambert[0]!.geometry).map((p) => p[1]!);
      const box: [number, number, number, number] = [
        Math.min(...xs) - 30,
        Math.min(...ys) - 30,
        Math.max(...xs) + 30,
        Math.max(...ys) + 30,
      ];
      const boxPolygon = polygon([
        [
          [box[0], box[1]],
          [box[2], box[1]],
          [box[2], box[3]],
          [box[0], box[3]],
          [box[0], box[1]],
        ],
      ]);
      const expected = lambert
        .filter((f) =>
          f.geometry.coordinates.some((rings) => intersect(featureCollection([polygon(rings), boxPolygon])) !== null),
        )
        .map((f) => String(f.id))
        .sort();
      expect(expected.length).toBeGreaterThan(1);
      for (const query of [`bbox=${box.join(',')}`, `bbox=${box[0]},${box[1]},0,${box[2]},${box[3]},100`]) {
        const { res, body } = await allPlots(
          `${query}&bbox-crs=${encodeURIComponent(crsUri.lambert93)}&crs=${encodeURIComponent(crsUri.lambert93)}`,
        );
        expect(res.headers.get('content-crs')).toBe(`<${crsUri.lambert93}>`);
        expect(ids(body), query).toEqual(expected);
      }
    },
  );

  it('a bbox out of the range of its bbox-crs, or upside down, is a 400 problem naming bbox', async () => {
    for (const query of [
      'bbox=0,0,1e9,1e9&bbox-crs=EPSG:2154',
      'bbox=800000,6500000,700000,6600000&bbox-crs=EPSG:2154',
      'bbox=1,2,3&bbox-crs=EPSG:3857',
      'bbox=0,0,3e7,1&bbox-crs=EPSG:3857',
    ]) {
      const res = await t.get(`/ogc/collections/plots/items?${query}`);
      expect(res.status, query).toBe(400);
      expect(
        (await res.json()).invalidParams.map((p: { name: string }) => p.name),
        query,
      ).toEqual(['bbox']);
    }
  });
});

describe('downloads take crs=', () => {
  const download = async (path: string) => {
    const res = await t.get(path);
    expect(res.status, path).toBe(200);
    return res;
  };

  it('/exports/plots.geojson?crs=EPSG:2154: Lambert-93 within 1 mm, a crs member and Content-Crs', async () => {
    const res = await download('/exports/plots.geojson?crs=EPSG:2154');
    expect(res.headers.get('content-crs')).toBe(`<${crsUri.lambert93}>`);
    const body = (await res.json()) as FeatureCollection<MultiPolygon> & { crs: unknown };
    expect(body.crs).toEqual({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } });
    expect(body.features).toHaveLength(plotCount);
    expect(maxDeviation(body.features, lambert93)).toBeLessThan(0.001);
    const plain = await download('/exports/plots.geojson');
    expect(plain.headers.get('content-crs')).toBe(`<${crsUri.crs84}>`);
    expect(await plain.json()).not.toHaveProperty('crs');
  });

  it(
    '/exports/plots.fgb?crs=EPSG:3857: the header names EPSG:3857 ' + 'and the geometries are Web Mercator within 1 mm',
    async () => {
      const res = await download('/exports/plots.fgb?crs=EPSG:3857');
      expect(res.headers.get('content-crs')).toBe(`<${crsUri.webMercator}>`);
      let header: HeaderMeta | undefined;
      const features: Feature<MultiPolygon>[] = [];
      for await (const f of deserialize(res.body!, { headerMetaFn: (meta: HeaderMeta) => (header = meta) }))
        features.push(f as Feature<MultiPolygon>);
      expect(header!.crs).toMatchObject({ org: 'EPSG', code: 3857 });
      expect(header!.description).toContain('EPSG:3857');
      expect(features).toHaveLength(plotCount);
      expect(
        maxDeviation(
          features.map((f) => ({ ...f, id: f.properties!.id })),
          webMercator,
        ),
      ).toBeLessThan(0.001);
    },
  );

  it(
    'CNIG GeoJSON and CSV with crs=EPSG:2154 carry Lambert-93 and re-import with nothing created or rejected, ' +
      'each plot within 1 mm',
    async () => {
      const before = await sql<{
        id: string;
        g: string;
      }>`SELECT cnig_id AS id, ST_AsText(geom) AS g FROM plots WHERE deleted_at IS NULL`.execute(t.handle.db);
      for (const format of ['geojson', 'csv'] as const) {
        for (const kind of ['site-eco', 'terrain-eco'] as CnigClass[]) {
          const res = await download(`/exports/cnig/${kind}.${format}?crs=EPSG:2154`);
          expect(res.headers.get('content-crs')).toBe(`<${crsUri.lambert93}>`);
          const text = await res.text();
          if (format === 'geojson') {
            const body = JSON.parse(text) as FeatureCollection<MultiPolygon> & { crs: unknown };
            expect(body.crs).toEqual({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2154' } });
            if (kind === 'terrain-eco') {
              const byCnigId = new Map(
                (
                  await t.handle.db
                    .selectFrom('plots')
                    .select(['id', 'cnigId'])
                    .where('deletedAt', 'is', null)
                    .execute()
                ).map((p) => [p.cnigId, p.id]),
              );
              expect(
                maxDeviation(
                  body.features.map((f) => ({ ...f, id: byCnigId.get(String(f.properties!.terr_id)) })),
                  lambert93,
                ),
              ).toBeLessThan(0.001);
            }
          } else {
            const rows: Record<string, string>[] = parse(text, { delimiter: ';', columns: true, bom: true });
            const geometry = JSON.parse(
              rows[0]![kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf']!,
            ) as MultiPolygon;
            expect(positions(geometry)[0]![0]).toBeGreaterThan(100_000);
            if (kind === 'site-eco') {
              const [x, y] = rows[0]!.site_geompoint!.split(', ').map(Number);
              expect(x).toBeGreaterThan(100_000);
              expect(y).toBeGreaterThan(6_000_000);
            }
          }
          const path = join(dir, `${kind}.${format}`);
          writeFileSync(path, text);
          const report = await importCnig(t.handle.db, kind, path);
          expect(report.rejected, `${kind}.${format}`).toEqual([]);
          expect(report.rowsRead).toBeGreaterThan(0);
          expect(report.inserted, `${kind}.${format}`).toBe(0);
        }
      }
      // Through Lambert-93 at 1 mm and back, no plot moved by 1 mm or more.
      const moved = await sql<{
        n: number;
        worst: number;
      }>`SELECT count(*)::int AS n,
        max(ST_HausdorffDistance(ST_Transform(p.geom, 2154), ST_Transform(ST_GeomFromText(b.g, 4326), 2154))) AS worst
      FROM plots p
      JOIN json_to_recordset(${JSON.stringify(before.rows)}) AS b(id text, g text) ON b.id = p.cnig_id`.execute(
        t.handle.db,
      );
      expect(moved.rows[0]!.n).toBe(before.rows.length);
      expect(moved.rows[0]!.worst).toBeLessThan(0.001);
    },
  );

  it(
    'a download refuses a crs it cannot write: EPSG:4326 (latitude first) anywhere, ' + 'EPSG:3857 in the CNIG files',
    async () => {
      for (const path of [
        '/exports/plots.geojson?crs=EPSG:4326',
        '/exports/sites.fgb?crs=EPSG:27572',
        '/exports/cnig/site-eco.geojson?crs=EPSG:3857',
        '/exports/cnig/terrain-eco.csv?crs=EPSG:3857',
      ]) {
        const res = await t.get(path);
        expect(res.status, path).toBe(400);
        expect(
          (await res.json()).invalidParams.map((p: { name: string }) => p.name),
          path,
        ).toEqual(['crs']);
      }
    },
  );
});
