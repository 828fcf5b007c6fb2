import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cnigSchemas, validateRow } from '../../src/cnig/table-schema.js';
import { openTestApp, type TestContext } from '../support/app.js';
import { rfc7946Problems } from '../support/geojson.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const readCsv = (text: string): Record<string, string>[] => parse(text, { delimiter: ';', columns: true, bom: true });

describe('GET /exports/cnig/*.csv', () => {
  it('writes site-eco with exactly the standard columns in order, and every row validates', async () => {
    const res = await t.get('/exports/cnig/site-eco.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    expect(text.split('\n')[0]!.trim().split(';')).toEqual(cnigSchemas['site-eco'].fields.map((f) => f.name));
    const rows = readCsv(text);
    const live = await t.handle.db.selectFrom('sites').select('id').where('deletedAt', 'is', null).execute();
    expect(rows.length).toBe(live.length);
    // pole_id is required by the standard but we do not manage pôles: a site without one
    // exports it empty, the only deviation (the importer accepts it with a warning).
    for (const row of rows) {
      const problems = validateRow(cnigSchemas['site-eco'], row);
      expect(problems.filter((p) => p.field !== 'pole_id'), row.site_id).toEqual([]);
    }
    expect(rows.every((r) => ['oui', 'non', ''].includes(r.reseau_electrique!))).toBe(true);
    expect(rfc7946Problems(JSON.parse(rows[0]!.site_geomsurf!))).toEqual([]);
  });

  it('writes terrain-eco with the standard columns, valid rows and no natural-person names', async () => {
    const text = await (await t.get('/exports/cnig/terrain-eco.csv')).text();
    expect(text.split('\n')[0]!.trim().split(';')).toEqual(cnigSchemas['terrain-eco'].fields.map((f) => f.name));
    const rows = readCsv(text);
    for (const row of rows) expect(validateRow(cnigSchemas['terrain-eco'], row), row.terr_id).toEqual([]);
    const people = await t.handle.db.selectFrom('plots').select('buyerName').where('buyerIsNaturalPerson', '=', true).where('buyerName', 'is not', null).execute();
    for (const p of people) expect(text).not.toContain(p.buyerName!);
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
    const expected = await t.handle.db
      .selectFrom('plots as p')
      .innerJoin('sites as s', 's.id', 'p.siteId')
      .innerJoin('territoryEpci as te', 'te.epciSiren', 's.epciSiren')
      .where('te.territoryId', '=', territory.id)
      .where('p.deletedAt', 'is', null)
      .select('p.id')
      .execute();
    expect(body.type).toBe('FeatureCollection');
    expect(body.features.map((f: any) => f.id).sort()).toEqual(expected.map((p) => p.id).sort());
    const national = await (await t.get('/exports/sites.geojson')).json();
    expect(national.features.length).toBeGreaterThan(0);
    expect(JSON.stringify(national)).not.toContain('ownerName');
  });
});
