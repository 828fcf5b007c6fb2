import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FeatureCollection, Geometry } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CnigClass } from '../../src/cnig/fields.js';
import { cnigSchemas, validateRow } from '../../src/cnig/table-schema.js';
import { importCnig } from '../../src/importers/cnig-sites-economiques.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { rfc7946Problems } from '../support/geojson.js';

let t: TestContext;
let dir: string;
beforeAll(async () => {
  t = await openTestApp();
  dir = mkdtempSync(join(tmpdir(), 'foncier-exports-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

/** The names of buyers who are natural persons: none may appear in a download. */
const naturalPersonBuyers = async () =>
  (
    await t.handle.db
      .selectFrom('plots')
      .select('buyerName')
      .where('buyerIsNaturalPerson', '=', true)
      .where('buyerName', 'is not', null)
      .execute()
  ).map((p) => p.buyerName!);
const readCsv = (text: string): Record<string, string>[] => parse(text, { delimiter: ';', columns: true, bom: true });

/** The live plots of a territory (of its member EPCI's sites). */
const plotsIn = (territory: string) =>
  t.handle.db
    .selectFrom('plots as p')
    .innerJoin('sites as s', 's.id', 'p.siteId')
    .innerJoin('territoryEpci as te', 'te.epciSiren', 's.epciSiren')
    .where('te.territoryId', '=', territory)
    .where('p.deletedAt', 'is', null)
    .select(['p.id', 'p.cnigId'])
    .execute();

describe('GET /exports/cnig/*.csv', () => {
  it('writes site-eco with exactly the standard columns in order, and every row validates', async () => {
    const res = await t.get('/exports/cnig/site-eco.csv?extensions=false');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    expect(text.split('\n')[0]!.trim().split(';')).toEqual(cnigSchemas['site-eco'].fields.map((f) => f.name));
    const rows = readCsv(text);
    const live = await t.handle.db.selectFrom('sites').select('id').where('deletedAt', 'is', null).execute();
    expect(rows.length).toBe(live.length);
    // Every required field filled, pole_id too: a site in no pôle is a pôle of one, its own site_id.
    for (const row of rows) {
      expect(validateRow(cnigSchemas['site-eco'], row), row.site_id).toEqual([]);
      expect(row.pole_id, row.site_id).toBe(row.site_id);
    }
    expect(rows.every((r) => ['oui', 'non', ''].includes(r.reseau_electrique!))).toBe(true);
    expect(rfc7946Problems(JSON.parse(rows[0]!.site_geomsurf!))).toEqual([]);
  });

  it('writes terrain-eco with the standard columns, valid rows and no natural-person names', async () => {
    const text = await (await t.get('/exports/cnig/terrain-eco.csv?extensions=false')).text();
    expect(text.split('\n')[0]!.trim().split(';')).toEqual(cnigSchemas['terrain-eco'].fields.map((f) => f.name));
    const rows = readCsv(text);
    for (const row of rows) expect(validateRow(cnigSchemas['terrain-eco'], row), row.terr_id).toEqual([]);
    const people = await naturalPersonBuyers();
    for (const name of people) expect(text).not.toContain(name);
  });

  it('restricts to a territory, and answers 404 for an unknown one and 400 for an unknown parameter', async () => {
    const territory = await t.handle.db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow();
    const expected = await t.handle.db
      .selectFrom('sites as s')
      .innerJoin('territoryEpci as te', 'te.epciSiren', 's.epciSiren')
      .where('te.territoryId', '=', territory.id)
      .where('s.deletedAt', 'is', null)
      .select('s.cnigId')
      .execute();
    const rows = readCsv(await (await t.get(`/exports/cnig/site-eco.csv?territory=${territory.id}`)).text());
    expect(rows.map((r) => r.site_id).sort()).toEqual(expected.map((s) => s.cnigId).sort());
    expect((await t.get('/exports/cnig/site-eco.csv?territory=ti-nowhere')).status).toBe(404);
    expect((await t.get('/exports/cnig/site-eco.csv?sep=,')).status).toBe(400);
  });
});

describe('GET /exports/*.geojson', () => {
  it("downloads a territory's plots as one FeatureCollection", async () => {
    const territory = await t.handle.db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow();
    const res = await t.get(`/exports/plots.geojson?territory=${territory.id}`);
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    expect(res.headers.get('content-disposition')).toContain(`plots-${territory.id}.geojson`);
    const body = await res.json();
    const expected = await plotsIn(territory.id);
    expect(body.type).toBe('FeatureCollection');
    expect(body.features.map((f: any) => f.id).sort()).toEqual(expected.map((p) => p.id).sort());
    const national = await (await t.get('/exports/sites.geojson')).json();
    expect(national.features.length).toBeGreaterThan(0);
    expect(JSON.stringify(national)).not.toContain('ownerName');
  });
});

describe('GET /exports/cnig/*.geojson', () => {
  const geometryFields = (kind: CnigClass) =>
    cnigSchemas[kind].fields.filter((f) => f.type === 'geojson' || f.type === 'geopoint').map((f) => f.name);

  async function download(kind: CnigClass, query = '') {
    const res = await t.get(`/exports/cnig/${kind}.geojson${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${kind}${query ? `-${query.split('=')[1]}` : ''}.geojson"`,
    );
    return { text: await res.text(), csv: readCsv(await (await t.get(`/exports/cnig/${kind}.csv${query}`)).text()) };
  }

  for (const kind of ['site-eco', 'terrain-eco'] as CnigClass[]) {
    it(
      `writes ${kind} with the surface as geometry and exactly the standard's other fields as properties, ` +
        'typed as its TableSchema declares',
      async () => {
        const { text, csv } = await download(kind);
        const body = JSON.parse(text) as FeatureCollection & { name: string };
        const schema = cnigSchemas[kind];
        const geomsurf = kind === 'site-eco' ? 'site_geomsurf' : 'terr_geomsurf';
        // Named like the standard's GeoPackage layer; the geometries (site_geomsurf, site_geompoint
        // derived from it, terr_geomsurf) are not properties.
        expect(body).toMatchObject({ type: 'FeatureCollection', name: kind.replace('-', '_') });
        const expectedNames = schema.fields.map((f) => f.name).filter((name) => !geometryFields(kind).includes(name));
        expect(body.features.length).toBe(csv.length);
        expect(body.features.length).toBeGreaterThan(0);
        body.features.forEach((feature, i) => {
          const properties = feature.properties!;
          expect(Object.keys(properties)).toEqual(expectedNames);
          expect(feature.id).toBeUndefined();
          expect((feature.geometry as Geometry).type).toBe('MultiPolygon');
          expect(rfc7946Problems(feature.geometry as Geometry)).toEqual([]);
          // The values are the CSV's, numbers as JSON numbers, the rest as the CSV writes them.
          const row = csv[i]!;
          for (const field of schema.fields) {
            if (geometryFields(kind).includes(field.name)) continue;
            const value = properties[field.name];
            if (value === null) expect(row[field.name], field.name).toBe('');
            else if (field.type === 'number' || field.type === 'integer')
              expect(value, field.name).toBe(Number(row[field.name]));
            else expect(value, field.name).toBe(row[field.name]);
          }
          expect(JSON.parse(row[geomsurf]!)).toEqual(feature.geometry);
          const asText = Object.fromEntries(
            Object.entries(properties).map(([k, v]) => [k, v === null ? '' : String(v)]),
          );
          const problems = validateRow(schema, { ...asText, [geomsurf]: JSON.stringify(feature.geometry) });
          expect(problems, asText[schema.fields[0]!.name]).toEqual([]);
        });
        const booleans = kind === 'site-eco' ? 'reseau_electrique' : 'terr_cle_en_main';
        const values = new Set(body.features.map((f) => f.properties![booleans]));
        expect([...values].every((v) => v === 'oui' || v === 'non' || v === null)).toBe(true);
        expect(values.has('oui')).toBe(true);
      },
    );
  }

  it('leaves out the name of a buyer who is a natural person, and restricts to a territory', async () => {
    const territory = await t.handle.db.selectFrom('territories').select('id').orderBy('id').executeTakeFirstOrThrow();
    const { text } = await download('terrain-eco', `?territory=${territory.id}`);
    const expected = await plotsIn(territory.id);
    const body = JSON.parse(text) as FeatureCollection;
    expect(body.features.map((f) => f.properties!.terr_id).sort()).toEqual(expected.map((p) => p.cnigId).sort());
    const people = await naturalPersonBuyers();
    expect(people.length).toBeGreaterThan(0);
    const national = (await download('terrain-eco')).text;
    for (const name of people) expect(national).not.toContain(name);
    expect((await t.get('/exports/cnig/terrain-eco.geojson?territory=ti-nowhere')).status).toBe(404);
    expect((await t.get('/exports/cnig/site-eco.geojson?f=json')).status).toBe(400);
  });

  it('re-imports with nothing created or updated and nothing rejected (site-eco, then terrain-eco)', async () => {
    for (const kind of ['site-eco', 'terrain-eco'] as CnigClass[]) {
      const path = join(dir, `${kind}.geojson`);
      writeFileSync(path, (await download(kind)).text);
      const report = await importCnig(t.handle.db, kind, path);
      expect(report.rejected).toEqual([]);
      expect(report.rowsRead).toBeGreaterThan(0);
      expect(report).toMatchObject({ inserted: 0, updated: 0, unchanged: report.rowsRead });
    }
  });
});
