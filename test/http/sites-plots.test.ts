import type { Feature } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { rfc7946Problems } from '../support/geojson.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const anyId = async (table: 'sites' | 'plots') =>
  (await t.handle.db.selectFrom(table).select('id').orderBy('cnigId').executeTakeFirstOrThrow()).id;

describe('GET /sites/{id}', () => {
  it('returns the site with its EPCI, commune, territory, utilities and plot summary', async () => {
    const site = await t.handle.db
      .selectFrom('sites')
      .selectAll()
      .where('turnkeyProgramme', 'is not', null)
      .orderBy('cnigId')
      .executeTakeFirstOrThrow();
    const res = await t.get(`/sites/${site.id}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.cnigId).toBe(site.cnigId);
    expect(body.location.epci.siren).toBe(site.epciSiren);
    expect(body.location.commune.insee).toBe(site.communeInsee);
    expect(body.location.territories.length).toBeGreaterThan(0);
    expect(body.turnkey.programme).toBe('sites-cles-en-main-2023');
    expect(body.utilities.powerMw).toBe(site.powerMw);
    const plots = await t.handle.db.selectFrom('plots').where('siteId', '=', site.id).select(['areaHa']).execute();
    expect(body.plots.count).toBe(plots.length);
    expect(body.plots.areaHa).toBeCloseTo(
      plots.reduce((s, p) => s + p.areaHa, 0),
      1,
    );
    expect(rfc7946Problems(body.geometry)).toEqual([]);
    // The row's version: seeded, then given its plots, whose offer (sql/012) made a new one.
    expect(site.version).toBeGreaterThan(1);
    expect(res.headers.get('etag')).toBe(`"site-${site.id}-v${site.version}"`);
  });

  it('is a GeoJSON Feature with f=geojson or Accept: application/geo+json', async () => {
    const id = await anyId('sites');
    for (const res of [
      await t.get(`/sites/${id}?f=geojson`),
      await t.get(`/sites/${id}`, { headers: { accept: 'application/geo+json' } }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/geo+json');
      const feature = (await res.json()) as Feature;
      expect(feature.type).toBe('Feature');
      expect(feature.id).toBe(id);
      expect(feature.properties).not.toHaveProperty('geometry');
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const id = await anyId('sites');
    const etag = (await t.get(`/sites/${id}`)).headers.get('etag')!;
    expect((await t.get(`/sites/${id}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

describe('GET /plots/{id}', () => {
  it('returns the plot with its site, areas and stages; the area is within 0.5 % of the laid-out one', async () => {
    const plots = await t.handle.db.selectFrom('plots').select(['id', 'grossAreaHa', 'areaHa']).execute();
    for (const p of plots) expect(Math.abs(p.areaHa - p.grossAreaHa) / p.grossAreaHa).toBeLessThan(0.005);
    const res = await t.get(`/plots/${plots[0]!.id}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.site.id).toBeTruthy();
    expect(body.cadastralRefs.every((ref: string) => /^\d{5}\d{3}[A-Z]{2}\d{4}$/.test(ref))).toBe(true);
    expect(rfc7946Problems(body.geometry)).toEqual([]);
  });

  it('withholds the name of a natural-person owner or buyer, and shows a legal entity', async () => {
    const person = await t.handle.db
      .selectFrom('plots')
      .select(['id', 'ownerName'])
      .where('ownerIsNaturalPerson', '=', true)
      .executeTakeFirstOrThrow();
    const body = await (await t.get(`/plots/${person.id}`)).json();
    expect(body.owner).toEqual({ name: null, naturalPerson: true, withheld: true });
    expect(JSON.stringify(body)).not.toContain(person.ownerName!);
    const geo = await (await t.get(`/plots/${person.id}?f=geojson`)).text();
    expect(geo).not.toContain(person.ownerName!);

    const company = await t.handle.db
      .selectFrom('plots')
      .select(['id', 'buyerName'])
      .where('buyerName', 'is not', null)
      .where('buyerIsNaturalPerson', '=', false)
      .executeTakeFirstOrThrow();
    expect((await (await t.get(`/plots/${company.id}`)).json()).sale.buyer.name).toBe(company.buyerName);
  });
});

describe('bad ids', () => {
  it('GET /plots/not-an-id is a 400 problem naming the path parameter', async () => {
    const res = await t.get('/plots/not-an-id');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = await res.json();
    expect(problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      type: 'urn:foncier:problem:validation-failed',
    });
    expect(problem.invalidParams).toEqual([{ in: 'path', name: 'id', message: expect.stringContaining('UUID') }]);
  });

  it('GET /plots/<unknown uuid> and /sites/<unknown uuid> are 404 problems', async () => {
    for (const path of ['/plots/00000000-0000-4000-8000-000000000000', '/sites/00000000-0000-4000-8000-000000000000']) {
      const res = await t.get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it('a bad or unknown query parameter is a 400 naming it', async () => {
    const id = await anyId('plots');
    const bad = await (await t.get(`/plots/${id}?f=kml`)).json();
    expect(bad.invalidParams[0]).toMatchObject({ in: 'query', name: 'f' });
    const unknown = await t.get(`/plots/${id}?colour=red`);
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).invalidParams).toEqual([
      { in: 'query', name: 'colour', message: 'unknown parameter' },
    ]);
  });

  it('an unknown route is a 404 problem, never HTML', async () => {
    const res = await t.get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
