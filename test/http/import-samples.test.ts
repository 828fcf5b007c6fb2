// The real open-data samples in ../shared/data import with a report: ADMIN EXPRESS EPCI
// (GeoJSON and the Lambert-93 shapefile), communes of 07/26/08, BANATIC epcicom, the
// first-phase Territoires d'industrie in their three layouts, and an Etalab cadastre commune.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBoundaries } from '../../src/importers/admin-boundaries.js';
import { importCadastre } from '../../src/importers/cadastre.js';
import { importEpcicom, importTerritories } from '../../src/importers/territories-industrie.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { ardecheDromeNordEpci } from '../support/territories.js';

const data = join(import.meta.dirname, '../../../shared/data');
const present = existsSync(join(data, 'admin/EPCI.geojson'));
if (!present)
  console.warn(
    `skipping the real-data import tests: ${data} is absent (the shared data folder is outside the repository)`,
  );

describe.skipIf(!present)('importing the real samples in ../shared/data', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(async () => t?.close());

  const count = async (table: 'epci' | 'communes' | 'parcels' | 'territories') =>
    Number(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(t.handle.db)).rows[0]!.n,
    );

  it('imports the 1242 EPCI from the Lambert-93 shapefile, then from GeoJSON, reprojected alike', async () => {
    const shp = await importBoundaries(t.handle.db, 'epci', join(data, 'admin/EPCI.shp'));
    expect(shp.rejected).toEqual([]);
    expect(shp.rowsRead).toBe(1242);
    expect(shp.inserted + shp.updated + shp.unchanged).toBe(1242);
    const areas = await t.handle.db.selectFrom('epci').select(['siren', 'areaHa']).execute();
    const geojson = await importBoundaries(t.handle.db, 'epci', join(data, 'admin/EPCI.geojson'));
    expect(geojson.rejected).toEqual([]);
    expect(geojson.inserted).toBe(0);
    const after = new Map(
      (await t.handle.db.selectFrom('epci').select(['siren', 'areaHa']).execute()).map((e) => [e.siren, e.areaHa]),
    );
    // The GeoJSON is the shapefile reprojected to 6 decimals: the same areas to 0.1 %.
    for (const e of areas.filter((a) => after.has(a.siren) && a.areaHa > 100))
      expect(Math.abs(after.get(e.siren)! - e.areaHa) / e.areaHa).toBeLessThan(0.001);
    expect((await importBoundaries(t.handle.db, 'epci', join(data, 'admin/EPCI.geojson'))).unchanged).toBe(1242);
  });

  it('imports the communes of 07, 26 and 08, and a second run changes nothing', async () => {
    for (const file of ['communes-07-ardeche.geojson', 'communes-26-drome.geojson', 'communes-08-ardennes.geojson']) {
      const report = await importBoundaries(t.handle.db, 'communes', join(data, 'admin', file));
      expect(report.rejected, file).toEqual([]);
      expect(report.written).toBe(true);
      expect((await importBoundaries(t.handle.db, 'communes', join(data, 'admin', file))).unchanged).toBe(
        report.rowsRead,
      );
    }
    expect(await count('communes')).toBeGreaterThanOrEqual(339 + 367 + 452);
  });

  it('sets each commune EPCI from epcicom and reports the codes that match nothing', async () => {
    const report = await importEpcicom(t.handle.db, join(data, 'admin/epcicom.csv'));
    expect(report.rejected).toEqual([]);
    expect(report.written).toBe(true);
    expect(report.updated).toBeGreaterThan(500);
    expect(report.updated + report.unchanged).toBe(report.accepted);
    // 2018 communes merged since are listed by code; rows of départements not loaded are summed.
    expect(
      report.unmatched.some((u) => u.row === 0 && /départements whose communes are not loaded/.test(u.reason)),
    ).toBe(true);
    const guilherand = await t.handle.db
      .selectFrom('communes')
      .select(['epciSiren', 'population'])
      .where('insee', '=', '07102')
      .executeTakeFirstOrThrow();
    expect(guilherand.epciSiren).toMatch(/^\d{9}$/);
    expect(guilherand.population).toBeGreaterThan(0);
  });

  it(
    "imports the first-phase Territoires d'industrie at commune level " + "and derives ti-8401's EPCI and boundary",
    async () => {
      const report = await importTerritories(
        t.handle.db,
        join(data, 'territoires-industrie/terrind_communes_2020.csv'),
      );
      expect(report.rejected).toEqual([]);
      expect(report.accepted).toBe(148);
      expect(report.unmatched.length).toBeGreaterThan(0);
      const members = await t.handle.db
        .selectFrom('territoryEpci')
        .select('epciSiren')
        .where('territoryId', '=', 'ti-8401')
        .orderBy('epciSiren')
        .execute();
      expect(members.map((m) => m.epciSiren)).toEqual(expect.arrayContaining(ardecheDromeNordEpci));
      const territory = await t.handle.db
        .selectFrom('territories')
        .select(['phases', 'areaHa'])
        .where('id', '=', 'ti-8401')
        .executeTakeFirstOrThrow();
      expect(territory.phases).toContain('2018-2022');
      expect(territory.areaHa).toBeGreaterThan(1000);
    },
  );

  it('reads the first-phase EPCI-level and polygon layouts as the same territories', async () => {
    const epciLevel = await importTerritories(
      t.handle.db,
      join(data, 'territoires-industrie/terrind_epci_derived.csv'),
    );
    expect(epciLevel.rejected).toEqual([]);
    expect(epciLevel.inserted).toBe(0);
    const polygons = await importTerritories(
      t.handle.db,
      join(data, 'territoires-industrie/ti_2018_polygons_derived.geojson'),
    );
    expect(polygons.rejected).toEqual([]);
    expect(polygons.inserted).toBe(0);
    expect(polygons.accepted).toBe(135);
  });

  it('imports the 4241 parcels of the cadastre commune 91216', async () => {
    const report = await importCadastre(t.handle.db, join(data, 'cadastre/cadastre-91216-parcelles.json'));
    expect(report.rejected).toEqual([]);
    expect(report.inserted).toBe(4241);
    const parcel = await t.handle.db
      .selectFrom('parcels')
      .selectAll()
      .where('id', '=', '91216000AB0037')
      .executeTakeFirstOrThrow();
    expect(parcel).toMatchObject({ communeInsee: '91216', section: 'AB', number: '0037' });
    expect(
      (await importCadastre(t.handle.db, join(data, 'cadastre/cadastre-91216-parcelles.json'), { dryRun: true }))
        .unchanged,
    ).toBe(4241);
  });
});
