// ZAN reference importers on small files written here: reports name row, column and reason;
// all-or-nothing by default, dry runs write nothing, re-imports change nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBrownfields } from '../../src/importers/brownfields.js';
import { importCeremaConsumption } from '../../src/importers/cerema-consumption.js';
import { formatReport } from '../../src/importers/import-report.js';
import { importLandCover } from '../../src/importers/land-cover.js';
import { importPene } from '../../src/importers/pene.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { square } from '../support/geojson.js';

let t: TestContext;
const dir = mkdtempSync(join(tmpdir(), 'zan-import-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

/** A Cerema header for 2021-2022 (naf21art22, naf22art23 and their destinations). */
const ceremaHeader = [
  'idcom',
  'idcomtxt',
  ...[21, 22].flatMap((y) => [
    `naf${y}art${y + 1}`,
    ...['act', 'hab', 'mix', 'rou', 'fer', 'inc'].map((d) => `art${y}${d}${y + 1}`),
  ]),
].join(';');
const ceremaRow = (insee: string, values: (number | string)[]) => [insee, 'Commune', ...values].join(';');
const goodValues = [1000, 400, 500, 0, 100, 0, 0, 2000, 800, 1000, 0, 200, 0, 0];
const count = async (insee: string) =>
  (
    await t.handle.db
      .selectFrom('communeConsumption')
      .where('insee', '=', insee)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;

describe('importCeremaConsumption', () => {
  it('imports whatever years the file holds, marks the last one provisional, and is idempotent', async () => {
    const path = file(
      'conso.csv',
      [ceremaHeader, ceremaRow('99001', goodValues), ceremaRow('99002', goodValues)].join('\n'),
    );
    const first = await importCeremaConsumption(t.handle.db, path);
    expect(first).toMatchObject({
      rowsRead: 2,
      accepted: 2,
      inserted: 4,
      updated: 0,
      written: true,
      vintages: ['cerema-2023'],
      rejected: [],
    });
    const rows = await t.handle.db
      .selectFrom('communeConsumption')
      .where('insee', '=', '99001')
      .selectAll()
      .orderBy('year')
      .execute();
    expect(rows.map((r) => [r.year, r.nafM2, r.activityM2, r.provisional])).toEqual([
      [2021, 1000, 400, false],
      [2022, 2000, 800, true],
    ]);
    const again = await importCeremaConsumption(t.handle.db, path);
    expect(again).toMatchObject({ inserted: 0, updated: 4 });
    expect(await count('99001')).toBe(2);
  });

  it('reports every rejected row with its row, column and reason, and writes nothing', async () => {
    const bad: (number | string)[] = [...goodValues];
    bad[1] = 'abc';
    const path = file(
      'conso-bad.csv',
      [ceremaHeader, ceremaRow('99003', goodValues), ceremaRow('99004', bad), ceremaRow('9X00', goodValues)].join('\n'),
    );
    const report = await importCeremaConsumption(t.handle.db, path);
    expect(report.written).toBe(false);
    expect(report.rejected).toEqual([
      { row: 2, line: 3, column: 'art21act22', value: 'abc', reason: 'not a number' },
      { row: 3, line: 4, column: 'idcom', value: '9X00', reason: 'not an INSEE commune code' },
    ]);
    expect(await count('99003')).toBe(0);
    expect(formatReport(report)).toContain('row 2 (line 3), column art21act22: not a number ("abc")');
    const partial = await importCeremaConsumption(t.handle.db, path, { partial: true });
    expect(partial).toMatchObject({ written: true, accepted: 1 });
    expect(await count('99003')).toBe(2);
  });

  it('rejects a file with a missing column before reading rows', async () => {
    const path = file(
      'conso-missing.csv',
      [ceremaHeader.replace(';art22fer23', ''), ceremaRow('99005', goodValues.slice(0, 13))].join('\n'),
    );
    const report = await importCeremaConsumption(t.handle.db, path, { partial: true });
    expect(report.rejected).toEqual([{ row: 0, line: 1, column: 'art22fer23', value: null, reason: 'missing column' }]);
    expect(report.written).toBe(false);
  });

  it('writes nothing on a dry run', async () => {
    const path = file('conso-dry.csv', [ceremaHeader, ceremaRow('99006', goodValues)].join('\n'));
    expect(await importCeremaConsumption(t.handle.db, path, { dryRun: true })).toMatchObject({
      accepted: 1,
      written: false,
      dryRun: true,
    });
    expect(await count('99006')).toBe(0);
  });
});

const collection = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

describe('importLandCover and importPene', () => {
  it('imports land cover, rejecting a self-intersecting polygon and a missing flag by feature and column', async () => {
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [4.8, 45],
          [4.801, 45.001],
          [4.801, 45],
          [4.8, 45.001],
          [4.8, 45],
        ],
      ],
    };
    const path = file(
      'artif.geojson',
      collection([
        {
          type: 'Feature',
          properties: { artif: 'artif', code_cs: 'CS1.1.1.1', code_us: 'US2' },
          geometry: square(4.9, 45.1, 0.001),
        },
        { type: 'Feature', properties: { artif: 'non artif' }, geometry: bowtie },
        { type: 'Feature', properties: {}, geometry: square(4.91, 45.1, 0.001) },
      ]),
    );
    const report = await importLandCover(t.handle.db, path, { vintage: 'ocsge-test' });
    expect(report.written).toBe(false);
    expect(report.rejected.map((r) => [r.row, r.column])).toEqual([
      [2, 'geometry'],
      [3, 'properties.artificial'],
    ]);
    expect(report.rejected[0]!.reason).toMatch(/invalid geometry: Self-intersection/);
    const partial = await importLandCover(t.handle.db, path, { vintage: 'ocsge-test', partial: true });
    expect(partial).toMatchObject({ inserted: 1, written: true });
    await importLandCover(t.handle.db, path, { vintage: 'ocsge-test', partial: true });
    expect(
      (await t.handle.db.selectFrom('landCover').where('vintage', '=', 'ocsge-test').selectAll().execute()).length,
    ).toBe(1);
  });

  it('upserts PENE perimeters and refuses one outside France', async () => {
    const path = file(
      'pene.geojson',
      collection([
        { type: 'Feature', properties: { id: 'PENE-T1', nom: 'Test' }, geometry: square(4.95, 45.1, 0.001) },
        { type: 'Feature', properties: { id: 'PENE-T2', nom: 'Berlin' }, geometry: square(13.4, 52.5, 0.001) },
      ]),
    );
    const report = await importPene(t.handle.db, path, { vintage: 'pene-test' });
    expect(report.rejected).toEqual([
      { row: 2, column: 'geometry', value: null, reason: 'geometry lies outside France (metropolitan and overseas)' },
    ]);
    expect((await importPene(t.handle.db, path, { vintage: 'pene-test', partial: true })).inserted).toBe(1);
    expect((await importPene(t.handle.db, path, { vintage: 'pene-test', partial: true })).updated).toBe(1);
  });
});

describe('importBrownfields', () => {
  const header = [
    'site_id',
    'site_nom',
    'site_type',
    'site_statut',
    'comm_insee',
    'unite_fonciere_surface',
    'source_nom',
    'source_producteur',
    'geompoint',
    'geomsurf',
  ].join(';');
  it(
    'keeps polygons, ' + 'turns a point with its area into a disc of that area, and rejects a point without area',
    async () => {
      const path = file(
        'friches.csv',
        [
          header,
          'F1;Ancienne usine;friche industrielle;friche sans projet;07010;NA;EPF;EPF;NA;' +
            'POLYGON ((4.7 45.0, 4.701 45.0, 4.701 45.001, 4.7 45.001, 4.7 45.0))',
          `F2;Ancienne laiterie;friche industrielle;friche sans projet;07010;10000;EPF;EPF;POINT (4.72 45.0);NA`,
          `F3;Sans surface;friche industrielle;friche sans projet;07010;NA;EPF;EPF;POINT (4.73 45.0);NA`,
        ].join('\n'),
      );
      const report = await importBrownfields(t.handle.db, path);
      expect(report.rejected).toEqual([
        {
          row: 3,
          line: 4,
          column: 'unite_fonciere_surface',
          value: null,
          reason: 'a point-only friche needs its land unit area to be mapped',
        },
      ]);
      expect(report.written).toBe(false);
      expect(await importBrownfields(t.handle.db, path, { partial: true })).toMatchObject({
        inserted: 2,
        written: true,
      });
      const disc = await t.handle.db
        .selectFrom('brownfields')
        .where('id', '=', 'F2')
        .select(['geomApproximate', sql<number>`ST_Area(geom::geography)`.as('area')])
        .executeTakeFirstOrThrow();
      expect(disc.geomApproximate).toBe(true);
      // a 32-gon inscribed in the circle: 0.64 % under πr²
      expect(Math.abs(disc.area - 10_000) / 10_000).toBeLessThan(0.01);
    },
  );

  it('reads the Cartofriches CNIG sample when ../shared is present (dry run)', async (ctx) => {
    const sample = join(process.cwd(), '../shared/data/friches/friches_standard_test.csv');
    const { existsSync } = await import('node:fs');
    if (!existsSync(sample)) ctx.skip();
    const report = await importBrownfields(t.handle.db, sample, { dryRun: true });
    expect(report.rowsRead).toBe(2594);
    expect(report.accepted + new Set(report.rejected.map((r) => r.row)).size).toBe(report.rowsRead);
    expect(report.written).toBe(false);
  });
});
