// GDAL and the standard's own GeoPackage: the official empty CNIG template
// (../shared/reference/cnig-sites-economiques/sites_economiques.gpkg) is filled with ogr2ogr from
// our CNIG GeoJSON downloads, read back out as GeoJSON and imported: nothing created, updated
// or rejected. What the template asks of ogr2ogr, each point checked below:
// - it is in Lambert-93: ogr2ogr reprojects (-t_srs EPSG:2154); the importer detects
//   Lambert-93 by coordinate range on the way back;
// - its dates are String(10) columns: GDAL's GeoJSON driver would read '2024-03-01' as a Date
//   and write it into the text column as '2024/03/01', so our files are opened with
//   -oo DATE_AS_STRING=YES;
// - terrain_eco is a Polygon layer (site_eco is MultiPolygon): -nlt POLYGON writes each plot,
//   a MultiPolygon of one polygon, as the layer declares (a multi-part plot would not fit);
// - it declares Integer columns where the TableSchema says number and the values have decimals
//   (site_taux_vacance, the *_dist distances in km, terr_vente_montant, terr_m2_prix):
//   ogr2ogr -append would truncate 12.3 km to 12, so the copy's columns are widened to Real
//   first (OGR SQL ALTER TABLE … TYPE float);
// - its terrain_eco has no terr_url_cartofriches column, a field of the TableSchema v1.0.1 our
//   export writes: -addfields adds it. Every other field lines up one for one (site_geompoint,
//   derived from the surface, has no column in the template and is no property of ours).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FeatureCollection } from 'geojson';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteEcoFields, terrainEcoFields, type CnigClass } from '../../src/cnig/fields.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { gdalAvailable } from '../support/interop.js';

const run = promisify(execFile);

const template = join(import.meta.dirname, '../../../shared/reference/cnig-sites-economiques/sites_economiques.gpkg');
const haveTemplate = existsSync(template);
if (!haveTemplate)
  console.warn(
    `skipping the CNIG GeoPackage interop tests: ${template} not found ` +
      '(the shared reference folder sits next to the repository)',
  );
const gdal = await gdalAvailable();

const layers: { kind: CnigClass; layer: string; table: 'sites' | 'plots' }[] = [
  { kind: 'site-eco', layer: 'site_eco', table: 'sites' },
  { kind: 'terrain-eco', layer: 'terrain_eco', table: 'plots' },
];

/** The template's fields of a layer, name → OGR type, as ogrinfo lists them. */
async function templateFields(gpkg: string, layer: string): Promise<Map<string, string>> {
  const { stdout } = await run('ogrinfo', ['-ro', '-so', gpkg, layer]);
  const fields = stdout.slice(stdout.indexOf('Geometry Column'));
  return new Map([...fields.matchAll(/^(\w+): (\w+)/gm)].map((m) => [m[1]!, m[2]!]));
}

describe.skipIf(!gdal || !haveTemplate)(
  'GDAL fills the CNIG GeoPackage template from the CNIG GeoJSON downloads ' +
    '(template lacks terr_url_cartofriches; Integer where the TableSchema says number)',
  () => {
    let t: TestContext;
    let dir: string;
    let gpkg: string;

    beforeAll(async () => {
      t = await openTestApp();
      dir = mkdtempSync(join(tmpdir(), 'foncier-cnig-gpkg-'));
      gpkg = join(dir, 'sites_economiques.gpkg');
      copyFileSync(template, gpkg);
      // The demo has no vacancy rate and no Cartofriches link: one of each, so that a widened
      // Real column and the added field carry a value through the GeoPackage.
      const site = await t.handle.db.selectFrom('sites').select('id').orderBy('cnigId').executeTakeFirstOrThrow();
      await t.handle.db.updateTable('sites').set({ vacancyRate: 0.35 }).where('id', '=', site.id).execute();
      const plot = await t.handle.db.selectFrom('plots').select('id').orderBy('cnigId').executeTakeFirstOrThrow();
      await t.handle.db
        .updateTable('plots')
        .set({ cartofrichesUrl: 'https://cartofriches.cerema.fr/cartofriches/?site=07068_0001' })
        .where('id', '=', plot.id)
        .execute();
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await t?.close();
    });

    const download = async (kind: CnigClass) => {
      const res = await t.get(`/exports/cnig/${kind}.geojson`);
      expect(res.status).toBe(200);
      const path = join(dir, `${kind}.geojson`);
      const text = await res.text();
      writeFileSync(path, text);
      return { path, collection: JSON.parse(text) as FeatureCollection };
    };

    it(
      'lines up our properties with the template fields: all of them, ' + 'plus terr_url_cartofriches on terrain_eco',
      async () => {
        for (const { kind, layer } of layers) {
          const ours = Object.keys((await download(kind)).collection.features[0]!.properties!);
          const theirs = [...(await templateFields(gpkg, layer)).keys()];
          expect(
            theirs.filter((name) => !ours.includes(name)),
            `${layer} fields we lack`,
          ).toEqual([]);
          expect(
            ours.filter((name) => !theirs.includes(name)),
            `${layer} fields the template lacks`,
          ).toEqual(kind === 'site-eco' ? [] : ['terr_url_cartofriches']);
        }
      },
    );

    it(
      'appends every site and plot with ogr2ogr, ' + 'reads them back as GeoJSON, and the import changes nothing',
      async () => {
        // Widen the template's Integer columns that hold decimal CNIG numbers.
        const widened: string[] = [];
        for (const { kind, layer } of layers) {
          const decimal = new Set(
            (kind === 'site-eco' ? siteEcoFields : terrainEcoFields)
              .filter((f) => f.kind === 'number')
              .map((f) => f.name),
          );
          for (const [name, type] of await templateFields(gpkg, layer)) {
            if (type !== 'Integer' || !decimal.has(name)) continue;
            await run('ogrinfo', [
              '-q',
              gpkg,
              '-dialect',
              'OGRSQL',
              '-sql',
              `ALTER TABLE ${layer} ALTER COLUMN ${name} TYPE float`,
            ]);
            widened.push(name);
          }
        }
        expect(widened).toEqual([
          'site_taux_vacance',
          'autoroute_echang_dist',
          'gare_dist',
          'gare_fret_dist',
          'aeroport_dist',
          'port_dist',
          'terr_vente_montant',
          'terr_m2_prix',
        ]);
        const multiPart = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM plots WHERE ST_NumGeometries(geom) > 1`.execute(t.handle.db);
        expect(multiPart.rows[0]!.n, 'plots that a Polygon layer cannot hold').toBe(0);

        for (const { kind, layer, table } of layers) {
          const { path } = await download(kind);
          const shape = kind === 'terrain-eco' ? ['-addfields', '-nlt', 'POLYGON'] : ['-append'];
          await run('ogr2ogr', [
            ...shape,
            '-update',
            '-oo',
            'DATE_AS_STRING=YES',
            '-t_srs',
            'EPSG:2154',
            '-nln',
            layer,
            gpkg,
            path,
          ]);
          const live = await t.handle.db.selectFrom(table).select('id').where('deletedAt', 'is', null).execute();
          const { stdout } = await run('ogrinfo', ['-ro', '-so', gpkg, layer]);
          expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1]), layer).toBe(live.length);

          const back = join(dir, `${layer}.geojson`);
          await run('ogr2ogr', ['-f', 'GeoJSON', back, gpkg, layer]);
          const report = await importCnig(t.handle.db, kind, back);
          expect(report.rejected, layer).toEqual([]);
          expect(report, layer).toMatchObject({
            rowsRead: live.length,
            inserted: 0,
            updated: 0,
            unchanged: live.length,
          });
        }
      },
    );
  },
);
