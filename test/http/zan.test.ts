// ZAN routes over the seeded demo data (synthetic consumption, land cover, brownfields, PENE).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfBrownfieldPlot } from '../../src/fixtures/zan.js';
import { OpenAPIHono } from '@hono/zod-openapi';
import { plotZanRoutes, siteZanRoutes, zanRoutes } from '../../src/zan/routes.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { square } from '../support/geojson.js';
import { interopAvailable } from '../support/interop.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const firstTerritory = async () =>
  (await t.handle.db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow()).id;

describe('GET /plots/{id}/zan', () => {
  it('charges a plot half on a brownfield and half on farmland exactly the farmland half', async () => {
    const half = (await halfBrownfieldPlot(t.handle.db))!;
    const res = await t.get(`/plots/${half.plotId}/zan`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ruleSet.id).toBe('climat-resilience-2021+zan-2023');
    expect(body.class).toBe('mixed');
    expect(Math.abs(body.consumptionHa - body.areaHa / 2) / (body.areaHa / 2)).toBeLessThan(0.005);
    expect(Math.abs(body.brownfieldHa - body.areaHa / 2) / (body.areaHa / 2)).toBeLessThan(0.005);
    expect(body.vintages.consumption).toEqual(['cerema-2024 (synthetic)']);
    expect(body.provisionalYears).toEqual([2023]);
    expect(body.commune.insee).toBeTruthy();
    expect(body.epci.envelope.allowedHa).toBeGreaterThanOrEqual(body.commune.envelope.allowedHa);
  });

  it('charges nothing locally for a plot in the PENE perimeter', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT p.id FROM plots p JOIN pene_perimeters pp ON ST_Within(p.geom, pp.geom)
      ORDER BY p.cnig_id LIMIT 1`.execute(t.handle.db);
    const body = await (await t.get(`/plots/${rows[0]!.id}/zan`)).json();
    expect(body.inPene).toBe(true);
    expect(body.consumptionHa).toBe(0);
    expect(body.nationalEnvelopeHa).toBeCloseTo(body.nafHa, 3);
  });

  it('classes plots of a renewal site as already urbanised, with no consumption', async () => {
    const plot = await t.handle.db
      .selectFrom('plots as p')
      .innerJoin('sites as s', 's.id', 'p.siteId')
      .where('s.urbanisationType', '=', 'renouvellement urbain')
      .select('p.id')
      .orderBy('p.cnigId')
      .executeTakeFirstOrThrow();
    const body = await (await t.get(`/plots/${plot.id}/zan`)).json();
    expect(body.class).toBe('already_urbanised');
    expect(body.consumptionHa).toBe(0);
  });

  it('finds the plot area within 0.5 % of the laid-out one', async () => {
    const plot = await t.handle.db
      .selectFrom('plots')
      .select(['id', 'grossAreaHa'])
      .orderBy('cnigId')
      .executeTakeFirstOrThrow();
    const body = await (await t.get(`/plots/${plot.id}/zan`)).json();
    expect(Math.abs(body.areaHa - plot.grossAreaHa) / plot.grossAreaHa).toBeLessThan(0.005);
  });

  it('rejects an unknown rule set with 400 naming rule_set', async () => {
    const plot = await t.handle.db.selectFrom('plots').select('id').orderBy('cnigId').executeTakeFirstOrThrow();
    const res = await t.get(`/plots/${plot.id}/zan?rule_set=zan-2099`);
    expect(res.status).toBe(400);
    expect((await res.json()).invalidParams[0].name).toBe('rule_set');
  });

  it('answers 404 for an unknown plot', async () => {
    expect((await t.get('/plots/00000000-0000-4000-8000-000000000000/zan')).status).toBe(404);
  });
});

describe('areas against GDAL', () => {
  const hasOgr = interopAvailable(
    'ogrinfo',
    (() => {
      try {
        execFileSync('ogrinfo', ['--version']);
        return true;
      } catch {
        return false;
      }
    })(),
    'apt-get install gdal-bin',
  );

  /** GDAL's ellipsoidal area (SpatiaLite ST_Area(geom, 1)) of a GeoJSON geometry, m². */
  function gdalArea(geometry: unknown): number {
    const dir = mkdtempSync(join(tmpdir(), 'zan-gdal-'));
    const path = join(dir, 'g.geojson');
    writeFileSync(
      path,
      JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry }] }),
    );
    const out = execFileSync(
      'ogrinfo',
      ['-q', '-dialect', 'SQLite', '-sql', 'SELECT ST_Area(geometry, 1) AS a FROM g', path],
      { encoding: 'utf8' },
    );
    // An empty geometry (a plot wholly covered by several artificial polygons) prints no area.
    return Number(/a \(Real\) = ([0-9.e+-]+)/.exec(out)?.[1] ?? 0);
  }

  it.skipIf(!hasOgr)('gives plot and NAF areas within 0.5 % of GDAL', async () => {
    // Mixed plots: their NAF part is a real cut of the plot by the land cover.
    const { rows } = await sql<{ id: string; plot: unknown; naf: unknown }>`
      SELECT p.id, ST_AsGeoJSON(p.geom, 9)::json AS plot,
             ST_AsGeoJSON(ST_Difference(p.geom, (
               SELECT ST_Union(lc.geom) FROM land_cover lc
               WHERE lc.artificial AND ST_Intersects(lc.geom, p.geom)
             )), 9)::json AS naf
      FROM plots p
      WHERE EXISTS (
        SELECT 1 FROM land_cover lc
        WHERE lc.artificial AND ST_Intersects(lc.geom, p.geom) AND NOT ST_Contains(lc.geom, p.geom)
      )
      ORDER BY p.cnig_id LIMIT 5`.execute(t.handle.db);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const body = await (await t.get(`/plots/${row.id}/zan`)).json();
      const plotArea = gdalArea(row.plot);
      expect(Math.abs(body.areaHa * 10_000 - plotArea) / plotArea).toBeLessThan(0.005);
      const nafArea = gdalArea(row.naf);
      if (nafArea > 100) expect(Math.abs(body.nafHa * 10_000 - nafArea) / nafArea).toBeLessThan(0.005);
    }
  });
});

describe('GET /sites/{id}/zan', () => {
  it('sums the plots and states the share of the remaining envelopes; the reform leaves industry out', async () => {
    const site = await t.handle.db
      .selectFrom('sites')
      .where('urbanisationType', '=', 'extension urbaine')
      .where('mainVocation', '=', 'industrielle')
      .select('id')
      .orderBy('cnigId')
      .executeTakeFirstOrThrow();
    const body = await (await t.get(`/sites/${site.id}/zan`)).json();
    expect(body.totals.plots).toBe(body.plots.length);
    expect(body.totals.areaHa).toBeCloseTo(
      body.plots.reduce((s: number, p: { areaHa: number }) => s + p.areaHa, 0),
      2,
    );
    expect(body.renewal.declared).toBe('extension urbaine');
    if (body.commune.envelope.remainingHa > 0)
      expect(body.commune.shareOfRemaining).toBeCloseTo(
        body.expected.consumptionHa / body.commune.envelope.remainingHa,
        3,
      );
    const reform = await (await t.get(`/sites/${site.id}/zan?rule_set=reforme-trace-2025`)).json();
    expect(reform.ruleSet.id).toBe('reforme-trace-2025');
    expect(reform.totals.consumptionHa).toBe(0);
    expect(reform.totals.nafConsumptionHa).toBeCloseTo(body.totals.nafConsumptionHa, 3);
  });
});

describe('GET /territories/{id}/zan', () => {
  it('sums the communes (floor per commune) and reports pace, projection, pipeline pressure and series', async () => {
    const id = await firstTerritory();
    const res = await t.get(`/territories/${id}/zan`);
    expect(res.status).toBe(200);
    const body = await res.json();
    const sum = (key: string) =>
      body.communes.reduce((s: number, c: { envelope: Record<string, number> }) => s + c.envelope[key]!, 0);
    expect(body.envelope.allowedHa).toBeCloseTo(sum('allowedHa'), 2);
    expect(body.envelope.referenceHa).toBeCloseTo(sum('referenceHa'), 2);
    for (const c of body.communes) expect(c.envelope.allowedHa).toBeGreaterThanOrEqual(1);
    expect(body.envelope.guaranteedCommunes).toBe(
      body.communes.filter((c: { envelope: { guaranteedCommunes: number } }) => c.envelope.guaranteedCommunes === 1)
        .length,
    );
    expect(body.series.map((s: { year: number }) => s.year)).toEqual(Array.from({ length: 13 }, (_, i) => 2011 + i));
    expect(body.series.at(-1).provisional).toBe(true);
    expect(body.provisionalYears).toEqual([2023]);
    expect(body.envelope.observedYears).toEqual([2021, 2022, 2023]);
    if (body.envelope.remainingHa > 0)
      expect(body.pipeline.pressure).toBeCloseTo(body.pipeline.consumptionHa / body.envelope.remainingHa, 3);
  });

  it('answers for an EPCI and a commune too, and switches rule set on request', async () => {
    const commune = await t.handle.db
      .selectFrom('communes')
      .select(['insee', 'epciSiren'])
      .orderBy('insee')
      .executeTakeFirstOrThrow();
    const epci = await (await t.get(`/territories/${commune.epciSiren}/zan`)).json();
    expect(epci.territory.kind).toBe('epci');
    const one = await (await t.get(`/territories/${commune.insee}/zan`)).json();
    expect(one.territory.kind).toBe('commune');
    const reform = await (await t.get(`/territories/${commune.insee}/zan?rule_set=reforme-trace-2025`)).json();
    expect(reform.ruleSet.targetPeriod).toEqual({ from: 2024, to: 2033 });
    expect(reform.envelope.consumedHa).toBe(0);
    expect(reform.envelope.countedReferenceHa).toBeLessThan(reform.envelope.referenceHa);
  });

  it('rejects an unknown rule set with 400 and an unknown territory with 404', async () => {
    const id = await firstTerritory();
    expect((await t.get(`/territories/${id}/zan?rule_set=nope`)).status).toBe(400);
    expect((await t.get('/territories/ti-0000/zan')).status).toBe(404);
  });

  it('prints a self-contained HTML report with an SVG chart', async () => {
    const id = await firstTerritory();
    const res = await t.get(`/territories/${id}/zan/report`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<svg');
    expect(html).toContain('climat-resilience-2021+zan-2023');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('POST /zan/simulate', () => {
  it('gives the envelope before and after for plot ids, and writes nothing', async () => {
    const plots = await t.handle.db.selectFrom('plots').select('id').orderBy('cnigId').limit(3).execute();
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM commune_consumption`.execute(t.handle.db);
    const res = await t.get('/zan/simulate', json({ plotIds: plots.map((p) => p.id) }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.written).toBe(false);
    for (const c of body.communes) expect(c.after.remainingHa).toBeCloseTo(c.before.remainingHa - c.consumptionHa, 3);
    expect(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM commune_consumption`.execute(t.handle.db)).rows,
    ).toEqual(before.rows);
  });

  it('cuts a drawn geometry along commune boundaries', async () => {
    const { rows } = await sql<{
      lon: number;
      lat: number;
    }>`SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
      FROM communes ORDER BY insee LIMIT 1`.execute(t.handle.db);
    const res = await t.get('/zan/simulate', json({ geometry: square(rows[0]!.lon, rows[0]!.lat, 0.002) }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.communes.length).toBeGreaterThan(0);
    expect(body.consumptionHa).toBeGreaterThan(0);
  });

  it.each([
    [
      'a self-intersecting ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [4.8, 45],
            [4.81, 45.01],
            [4.81, 45],
            [4.8, 45.01],
            [4.8, 45],
          ],
        ],
      },
    ],
    [
      'an open ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [4.8, 45],
            [4.81, 45],
            [4.81, 45.01],
            [4.8, 45.01],
          ],
        ],
      },
    ],
    ['a geometry outside France', square(13.4, 52.5, 0.002)],
    [
      'more than 100,000 vertices',
      {
        type: 'Polygon',
        coordinates: [
          [
            ...Array.from({ length: 100_001 }, (_, i) => [
              4.8 + Math.cos((2 * Math.PI * i) / 100_001) * 0.01,
              45 + Math.sin((2 * Math.PI * i) / 100_001) * 0.01,
            ]),
            [4.81, 45],
          ],
        ],
      },
    ],
  ])('rejects %s with 400 naming the geometry field', async (_label, geometry) => {
    const res = await t.get('/zan/simulate', json({ geometry }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.invalidParams[0].name).toMatch(/^geometry/);
  });

  it('rejects unknown plot ids and both inputs at once with 400', async () => {
    expect((await t.get('/zan/simulate', json({ plotIds: ['00000000-0000-4000-8000-000000000000'] }))).status).toBe(
      400,
    );
    expect((await t.get('/zan/simulate', json({}))).status).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents the ZAN routes', async () => {
    // The ZAN sub-apps' own document (the site and plot measures mounted as the sites and plots
    // routers mount them): the app-wide one also depends on every other resource.
    const zan = new OpenAPIHono()
      .route('/', zanRoutes())
      .route('/sites', siteZanRoutes())
      .route('/plots', plotZanRoutes());
    const doc = zan.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'zan', version: '1' } });
    for (const path of [
      '/territories/{id}/zan',
      '/territories/{id}/zan/report',
      '/sites/{id}/zan',
      '/plots/{id}/zan',
      '/zan/simulate',
    ])
      expect(doc.paths).toHaveProperty([path]);
  });
});
