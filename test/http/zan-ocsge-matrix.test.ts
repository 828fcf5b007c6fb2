// The OCS GE cover × use matrix: the copy migrated by sql/010 is sparte's, cell for cell; land
// cover given only CS/US codes is classified by it through `importLandCover`, and the plot's
// ZAN figures follow; unknown codes and unclassified pairs are rejected rows, never defaulted.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLandCover } from '../../src/importers/land-cover.js';
import { loadCoverUseMatrix } from '../../src/zan/ocsge-matrix.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const ocsge = join(import.meta.dirname, '../../../shared/data/ocsge');
const sparteFiles = [
  'CouvertureSol-2022-04-26.csv',
  'UsageSol-2022-04-26.csv',
  'CouvertureUsageMatrix-2022-04-26.csv',
  'couverture.csv',
  'usage.csv',
];
const present = sparteFiles.every((f) => existsSync(join(ocsge, f)));
if (!present)
  console.warn(
    `skipping the OCS GE matrix comparison: ${ocsge} is absent (the shared data folder is outside the repository)`,
  );
const csv = (name: string) =>
  parse(readFileSync(join(ocsge, name)), { columns: true, bom: true }) as Record<string, string>[];

describe.skipIf(!present)("the migrated matrix against sparte's files in ../shared/data/ocsge", () => {
  it('holds every cell of CouvertureUsageMatrix-2022-04-26 with its label and flags, and nothing else', async () => {
    const covers = new Map(csv('CouvertureSol-2022-04-26.csv').map((r) => [r.id!, r.code_prefix!]));
    const uses = new Map(csv('UsageSol-2022-04-26.csv').map((r) => [r.id!, r.code_prefix!]));
    const expected = csv('CouvertureUsageMatrix-2022-04-26.csv')
      .map((r) => [
        covers.get(r.couverture!),
        uses.get(r.usage!),
        r.label,
        r.is_artificial === '1',
        r.is_consumed === '1',
        r.is_natural === '1',
      ])
      .sort((a, b) => `${a[0]}|${a[1]}`.localeCompare(`${b[0]}|${b[1]}`));
    expect(expected).toHaveLength(552);
    const { rows } = await sql<{
      coverCode: string;
      useCode: string;
      label: string;
      isArtificial: boolean;
      isConsumed: boolean;
      isNatural: boolean;
    }>`
      SELECT cover_code, use_code, label, is_artificial, is_consumed, is_natural
      FROM ocsge_cover_use_matrix
      WHERE version = '2022-04-26'`.execute(t.handle.db);
    const held = rows
      .map((r) => [r.coverCode, r.useCode, r.label, r.isArtificial, r.isConsumed, r.isNatural])
      .sort((a, b) => `${a[0]}|${a[1]}`.localeCompare(`${b[0]}|${b[1]}`));
    expect(held).toEqual(expected);
  });

  it('knows exactly the codes of the current nomenclature files (couverture.csv, usage.csv)', async () => {
    const { rows } = await sql<{ kind: string; code: string }>`
      SELECT DISTINCT 'cover' AS kind, cover_code AS code FROM ocsge_cover_use_matrix
      UNION SELECT DISTINCT 'use', use_code FROM ocsge_cover_use_matrix`.execute(t.handle.db);
    const codes = (kind: string) =>
      rows
        .filter((r) => r.kind === kind)
        .map((r) => r.code)
        .sort();
    expect(codes('cover')).toEqual(
      csv('couverture.csv')
        .map((r) => r.code_prefix!)
        .sort(),
    );
    expect(codes('use')).toEqual(
      csv('usage.csv')
        .map((r) => r.code_prefix!)
        .sort(),
    );
  });
});

describe('CoverUseMatrix.classify', () => {
  it('classifies known pairs and names the code at fault otherwise', async () => {
    const matrix = await loadCoverUseMatrix(t.handle.db);
    expect(matrix.version).toBe('2022-04-26');
    expect(matrix.size).toBe(552);
    expect(matrix.classify('CS1.1.1.1', 'US1.1')).toEqual({
      ok: true,
      value: { label: 'ARTIF_NOT_CONSU', artificial: true, consumed: false, naf: false },
    });
    expect(matrix.classify('CS1.1.1.2', 'US4.1.1')).toEqual({
      ok: true,
      value: { label: 'ARTIF', artificial: true, consumed: true, naf: false },
    });
    expect(matrix.classify('cs2.2.1 ', 'US2')).toEqual({
      ok: true,
      value: { label: 'CONSU', artificial: false, consumed: true, naf: true },
    });
    expect(matrix.classify('CS2.1.1.1', 'US1.2')).toEqual({
      ok: true,
      value: { label: 'NAF', artificial: false, consumed: false, naf: true },
    });
    expect(matrix.classify('CS9', 'US1.1')).toMatchObject({ ok: false, code: 'cover' });
    expect(matrix.classify('CS1.1.1.1', '1.1')).toMatchObject({ ok: false, code: 'use' });
    expect(matrix.classify('CS1.1', 'US1.1')).toMatchObject({
      ok: false,
      code: 'pair',
      reason: expect.stringContaining('(NONE)'),
    });
  });
});

describe('importLandCover with only cover and use codes, into the ZAN figures of a plot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ocsge-'));
  // One path for every case: each import replaces the rows of the previous one (same source and vintage).
  const path = join(dir, 'ocsge-occupation.geojson');
  const write = (features: { properties: Record<string, unknown>; geometry: unknown }[]) =>
    writeFileSync(
      path,
      JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) }),
    );
  const rect = (x0: number, y0: number, x1: number, y1: number) => ({
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  });

  let plot: { id: string; xmin: number; ymin: number; xmax: number; ymax: number; eastHa: number };
  beforeAll(async () => {
    // A plot on no brownfield and in no PENE perimeter, so that land cover alone decides; the
    // demo's synthetic land cover under it is removed (this file's private database).
    const { rows } = await sql<typeof plot>`
      WITH p AS (
        SELECT p.id, p.geom FROM plots p JOIN sites s ON s.id = p.site_id
        WHERE p.deleted_at IS NULL AND s.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM brownfields b WHERE ST_Intersects(b.geom, p.geom))
          AND NOT EXISTS (SELECT 1 FROM pene_perimeters pp WHERE ST_Intersects(pp.geom, p.geom))
        ORDER BY p.cnig_id LIMIT 1)
      SELECT id::text, ST_XMin(geom) - 1e-4 AS xmin, ST_YMin(geom) - 1e-4 AS ymin,
        ST_XMax(geom) + 1e-4 AS xmax, ST_YMax(geom) + 1e-4 AS ymax,
        ST_Area(ST_Intersection(geom, ST_MakeEnvelope(
          (ST_XMin(geom) + ST_XMax(geom)) / 2, ST_YMin(geom) - 1, ST_XMax(geom) + 1, ST_YMax(geom) + 1, 4326
        ))::geography) / 10000 AS "eastHa"
      FROM p`.execute(t.handle.db);
    plot = rows[0]!;
    await sql`
      DELETE FROM land_cover lc USING plots p
      WHERE p.id = ${plot.id}::uuid AND ST_Intersects(lc.geom, p.geom)`.execute(t.handle.db);
  });
  const midX = () => (plot.xmin + plot.xmax) / 2;
  const zan = async () => (await t.get(`/plots/${plot.id}/zan`)).json();
  const stored = async () =>
    (
      await sql<{
        coverCode: string;
        useCode: string;
        artificial: boolean;
        consumed: boolean | null;
        naf: boolean | null;
        classifiedBy: string;
      }>`
      SELECT cover_code, use_code, artificial, consumed, naf, classified_by
      FROM land_cover
      WHERE source = 'ocsge-occupation.geojson'
      ORDER BY cover_code`.execute(t.handle.db)
    ).rows;

  it(
    'CS1.1.1.1 × US1.1 (farm buildings) is artificialised but not consumed: ' + 'the plot is already urbanised',
    async () => {
      write([
        {
          properties: { code_cs: 'CS1.1.1.1', code_us: 'US1.1', millesime: '2021' },
          geometry: rect(plot.xmin, plot.ymin, plot.xmax, plot.ymax),
        },
      ]);
      const report = await importLandCover(t.handle.db, path);
      expect(report).toMatchObject({
        rowsRead: 1,
        accepted: 1,
        inserted: 1,
        written: true,
        rejected: [],
        vintages: ['2021'],
      });
      expect(await stored()).toEqual([
        {
          coverCode: 'CS1.1.1.1',
          useCode: 'US1.1',
          artificial: true,
          consumed: false,
          naf: false,
          classifiedBy: 'ocsge-matrix:2022-04-26',
        },
      ]);
      const body = await zan();
      expect(body).toMatchObject({
        nafHa: 0,
        artificialisedShare: 1,
        class: 'already_urbanised',
        nafConsumptionHa: 0,
        consumptionHa: 0,
      });
      expect(body.vintages.landCover).toContain('2021');
    },
  );

  it('CS2.2.1 × US2 (lawns of a works) is consumed but not artificialised: the whole plot is NAF', async () => {
    write([
      {
        properties: { CODE_CS: 'CS2.2.1', CODE_US: 'US2', millesime: '2021' },
        geometry: rect(plot.xmin, plot.ymin, plot.xmax, plot.ymax),
      },
    ]);
    expect(await importLandCover(t.handle.db, path)).toMatchObject({ inserted: 1, written: true });
    expect(await stored()).toEqual([
      {
        coverCode: 'CS2.2.1',
        useCode: 'US2',
        artificial: false,
        consumed: true,
        naf: true,
        classifiedBy: 'ocsge-matrix:2022-04-26',
      },
    ]);
    const body = await zan();
    expect(body.class).toBe('naf');
    expect(body.nafHa).toBe(body.areaHa);
    expect(body.consumptionHa).toBe(body.areaHa);
  });

  it(
    'artificial roads on the west half and broadleaf farmland (NAF) on the east half: ' + 'the east half is NAF',
    async () => {
      write([
        {
          properties: { code_cs: 'CS1.1.1.2', code_us: 'US4.1.1', millesime: '2021' },
          geometry: rect(plot.xmin, plot.ymin, midX(), plot.ymax),
        },
        {
          properties: { code_cs: 'cs2.1.1.1', code_us: 'us1.1', millesime: '2021' },
          geometry: rect(midX(), plot.ymin, plot.xmax, plot.ymax),
        },
      ]);
      expect(await importLandCover(t.handle.db, path)).toMatchObject({ inserted: 2, written: true });
      expect(await stored()).toEqual([
        {
          coverCode: 'CS1.1.1.2',
          useCode: 'US4.1.1',
          artificial: true,
          consumed: true,
          naf: false,
          classifiedBy: 'ocsge-matrix:2022-04-26',
        },
        {
          coverCode: 'CS2.1.1.1',
          useCode: 'US1.1',
          artificial: false,
          consumed: false,
          naf: true,
          classifiedBy: 'ocsge-matrix:2022-04-26',
        },
      ]);
      const body = await zan();
      expect(plot.eastHa).toBeGreaterThan(0.2 * body.areaHa);
      expect(plot.eastHa).toBeLessThan(0.8 * body.areaHa);
      expect(body.class).toBe('mixed');
      expect(body.nafHa).toBeCloseTo(plot.eastHa, 3);
      expect(body.artificialisedShare).toBeCloseTo(1 - plot.eastHa / body.areaHa, 3);
      expect(body.consumptionHa).toBeCloseTo(plot.eastHa, 3);
    },
  );

  it(
    'rejects unknown codes, a pair the matrix leaves unclassified and a missing code, by feature and column; ' +
      'writes nothing',
    async () => {
      const square = rect(plot.xmin, plot.ymin, plot.xmax, plot.ymax);
      write([
        { properties: { code_cs: 'CS9.9', code_us: 'US1.1' }, geometry: square },
        { properties: { code_cs: 'CS1.1.1.1', code_us: 'US7' }, geometry: square },
        { properties: { code_cs: 'CS1.1', code_us: 'US1.1' }, geometry: square },
        { properties: { code_cs: 'CS2.2.1' }, geometry: square },
        { properties: {}, geometry: square },
        // a flag given beside the codes is the producer's decision and wins over the matrix
        { properties: { artif: 'non artif', code_cs: 'CS1.1.1.1', code_us: 'US2' }, geometry: square },
      ]);
      const report = await importLandCover(t.handle.db, path, { vintage: '2021' });
      expect(report.written).toBe(false);
      expect(report.rejected.map((r) => [r.row, r.column, r.value])).toEqual([
        [1, 'properties.code_cs', 'CS9.9'],
        [2, 'properties.code_us', 'US7'],
        [3, 'properties.code_cs × properties.code_us', 'CS1.1 × US1.1'],
        [4, 'properties.code_us', null],
        [5, 'properties.artificial', null],
      ]);
      expect(report.rejected[0]!.reason).toBe('not a cover code (CS…) of the OCS GE nomenclature (matrix 2022-04-26)');
      expect(report.rejected[2]!.reason).toMatch(/not classified by the OCS GE matrix 2022-04-26 \(NONE\)/);
      // all-or-nothing: the previous import's rows are still there
      expect((await stored()).map((r) => r.coverCode)).toEqual(['CS1.1.1.2', 'CS2.1.1.1']);
      const partial = await importLandCover(t.handle.db, path, { vintage: '2021', partial: true });
      expect(partial).toMatchObject({ accepted: 1, inserted: 1, written: true });
      expect(await stored()).toEqual([
        { coverCode: 'CS1.1.1.1', useCode: 'US2', artificial: false, consumed: null, naf: null, classifiedBy: 'flag' },
      ]);
    },
  );
});
