import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';
import { rfc7946Problems } from '../support/geojson.js';

let t: TestContext;
beforeAll(async () => {
  t = await openTestApp();
});
afterAll(async () => t?.close());

const items = (collection: string, query = '') =>
  t.get(`/ogc/collections/${collection}/items${query ? `?${query}` : ''}`);
const filter = (cql: string) => `filter=${encodeURIComponent(cql)}`;
const count = async (table: 'plots' | 'sites', where: (qb: any) => any = (qb) => qb) =>
  Number(
    (
      await where(t.handle.db.selectFrom(table).where('deletedAt', 'is', null))
        .select((eb: any) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('GET /ogc', () => {
  it('links service-desc, service-doc, conformance and data with their media types', async () => {
    const res = await t.get('/ogc');
    expect(res.status).toBe(200);
    const rels = Object.fromEntries((await res.json()).links.map((l: any) => [l.rel, l.type]));
    expect(rels).toMatchObject({
      'service-desc': 'application/vnd.oai.openapi+json;version=3.0',
      'service-doc': 'text/html',
      conformance: 'application/json',
      data: 'application/json',
    });
    const api = await t.get('/ogc/api');
    expect((await api.json()).openapi).toBe('3.0.3');
  });

  it('declares core, geojson, oas30, filter and cql2-text conformance', async () => {
    const { conformsTo } = await (await t.get('/ogc/conformance')).json();
    for (const suffix of [
      'features-1/1.0/conf/core',
      'features-1/1.0/conf/geojson',
      'features-1/1.0/conf/oas30',
      'features-3/1.0/conf/filter',
      'cql2/1.0/conf/cql2-text',
    ]) {
      expect(conformsTo.some((c: string) => c.endsWith(suffix))).toBe(true);
    }
  });

  it('lists the collections with a spatial extent and a queryables link', async () => {
    const body = await (await t.get('/ogc/collections')).json();
    const ids = body.collections.map((c: any) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['territories', 'sites', 'plots', 'communes', 'epci', 'brownfields']));
    const plots = body.collections.find((c: any) => c.id === 'plots');
    const [minX, minY, maxX, maxY] = plots.extent.spatial.bbox[0];
    expect(minX).toBeLessThan(maxX);
    expect(minY).toBeLessThan(maxY);
    expect(plots.links.some((l: any) => l.rel.endsWith('/queryables') && l.type === 'application/schema+json')).toBe(
      true,
    );
  });

  it('answers 404 for an unknown collection and 400 for an unknown parameter', async () => {
    expect((await t.get('/ogc/collections/nope')).status).toBe(404);
    const res = await t.get('/ogc/collections?color=red');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const items400 = await items('plots', 'color=red');
    expect(items400.status).toBe(400);
    expect((await items400.json()).invalidParams[0].name).toBe('color');
  });
});

describe('GET /ogc/collections/{id}/queryables', () => {
  it('is a JSON Schema without personal data', async () => {
    const res = await t.get('/ogc/collections/plots/queryables');
    expect(res.headers.get('content-type')).toContain('application/schema+json');
    const body = await res.json();
    expect(body.properties.marketingStage.type).toBe('string');
    expect(body.properties).not.toHaveProperty('ownerName');
    expect(body.properties).not.toHaveProperty('buyerName');
  });
});

describe('GET /ogc/collections/{id}/items', () => {
  it('returns 10 features by default with exact numberMatched and typed next link', async () => {
    const res = await items('plots');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/geo+json');
    const body = await res.json();
    const total = await count('plots');
    expect(body.numberMatched).toBe(total);
    expect(body.numberReturned).toBe(Math.min(10, total));
    for (const f of body.features) expect(rfc7946Problems(f.geometry)).toEqual([]);
    if (total > 10) expect(body.links.find((l: any) => l.rel === 'next').type).toBe('application/geo+json');
  });

  it('pages through next links returning every feature exactly once', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/ogc/collections/plots/items?limit=7';
    while (url) {
      const body: any = await (await t.get(url.replace('http://localhost', ''))).json();
      seen.push(...body.features.map((f: any) => f.id));
      url = body.links.find((l: any) => l.rel === 'next')?.href;
    }
    expect(seen.length).toBe(await count('plots'));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('caps limit at 10000 and rejects limit=0', async () => {
    expect((await items('plots', 'limit=0')).status).toBe(400);
    const body = await (await items('plots', 'limit=99999')).json();
    expect(body.numberReturned).toBe(Math.min(10000, body.numberMatched));
  });

  it('filters with CQL2 comparisons, IN, BETWEEN, LIKE, IS NULL, NOT and S_INTERSECTS', async () => {
    const forSale = await count('plots', (qb) => qb.where('marketingStage', '=', 'en vente'));
    expect((await (await items('plots', filter("marketingStage = 'en vente'"))).json()).numberMatched).toBe(forSale);
    const inList = await count('plots', (qb) =>
      qb.where('marketingStage', 'in', ['en vente', 'en vente avec contraintes']),
    );
    expect(
      (await (await items('plots', filter("marketingStage IN ('en vente', 'en vente avec contraintes')"))).json())
        .numberMatched,
    ).toBe(inList);
    const between = await count('plots', (qb) => qb.where('grossAreaHa', '>=', 1).where('grossAreaHa', '<=', 5));
    expect((await (await items('plots', filter('grossAreaHa BETWEEN 1 AND 5'))).json()).numberMatched).toBe(between);
    const notForSale = await count('plots', (qb) => qb.where('marketingStage', '<>', 'en vente'));
    expect((await (await items('plots', filter("NOT marketingStage = 'en vente'"))).json()).numberMatched).toBe(
      notForSale,
    );
    const noZone = await count('plots', (qb) => qb.where('planningZone', 'is', null));
    expect((await (await items('plots', filter('planningZone IS NULL'))).json()).numberMatched).toBe(noZone);
    const like = await count('plots', (qb) => qb.where('landUse', 'like', 'espace%'));
    expect((await (await items('plots', filter("landUse LIKE 'espace%'"))).json()).numberMatched).toBe(like);
    const world = await (
      await items('plots', filter('S_INTERSECTS(geometry, POLYGON((-10 40, 10 40, 10 52, -10 52, -10 40)))'))
    ).json();
    expect(world.numberMatched).toBe(await count('plots'));
    const nowhere = await (await items('plots', filter('S_INTERSECTS(geometry, POINT(0 0))'))).json();
    expect(nowhere.numberMatched).toBe(0);
  });

  it('filters by bbox, datetime and property equality, and sorts by sortby', async () => {
    const all = await (await items('sites', 'limit=1000')).json();
    const one = all.features[0];
    const byName = await (await items('sites', `cnigId=${encodeURIComponent(one.properties.cnigId)}`)).json();
    expect(byName.features.map((f: any) => f.id)).toEqual([one.id]);
    const dated = await (await items('sites', `datetime=${one.properties.updatedOn}/..&limit=1000`)).json();
    expect(dated.features.every((f: any) => f.properties.updatedOn >= one.properties.updatedOn)).toBe(true);
    expect((await (await items('sites', 'bbox=0,0,0.001,0.001')).json()).numberMatched).toBe(0);
    const sorted = await (await items('sites', 'sortby=-areaHa&limit=1000')).json();
    const areas = sorted.features.map((f: any) => f.properties.areaHa);
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
  });

  it('never exposes owner or buyer names in plots', async () => {
    const person = await t.handle.db
      .selectFrom('plots')
      .select(['id', 'ownerName'])
      .where('ownerIsNaturalPerson', '=', true)
      .executeTakeFirstOrThrow();
    const text = await (await t.get(`/ogc/collections/plots/items/${person.id}`)).text();
    expect(text).toContain(person.id);
    expect(text).not.toContain(person.ownerName!);
  });

  it('returns one feature by id, 404 for an unknown one', async () => {
    const epci = await t.handle.db.selectFrom('epci').select(['siren', 'name']).executeTakeFirstOrThrow();
    const body = await (await t.get(`/ogc/collections/epci/items/${epci.siren}`)).json();
    expect(body).toMatchObject({ type: 'Feature', id: epci.siren, properties: { name: epci.name } });
    expect((await t.get('/ogc/collections/epci/items/000000000')).status).toBe(404);
  });

  it('rejects injection attempts through filter, sortby and property names with 400 and leaves the database untouched', async () => {
    const before = await count('plots');
    const attempts = [
      filter("marketingStage = 'x'; DROP TABLE plots; --"),
      filter('"marketing_stage; DROP TABLE plots" = 1'),
      filter('1 = 1) OR (1 = 1'),
      filter("S_INTERSECTS(geometry, POINT(0 0)); DELETE FROM plots; --')"),
      filter('owner_name IS NOT NULL'),
      filter('ownerName IS NOT NULL'),
      `sortby=${encodeURIComponent('areaHa; DROP TABLE plots')}`,
      `sortby=${encodeURIComponent('(SELECT 1)')}`,
      'sortby=ownerName',
      `${encodeURIComponent('marketing_stage) OR (1=1')}=x`,
      filter("grossAreaHa > '1; DROP TABLE plots'"),
    ];
    for (const query of attempts) {
      const res = await items('plots', query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // A quoted value with SQL in it is just a string that matches nothing.
    expect(
      (await (await items('plots', filter("marketingStage = 'x''; DROP TABLE plots; --'"))).json()).numberMatched,
    ).toBe(0);
    expect(await count('plots')).toBe(before);
  });

  it('answers 400, never 500, to a query it can parse but not evaluate', async () => {
    const attempts = [
      filter('S_INTERSECTS(geometry, POLYGON((1 2)))'),
      filter("updatedOn = DATE('2024-02-31')"),
      filter('areaHa = marketingStage'),
      'datetime=2024-02-31',
      'offset=1000000000000000000000',
    ];
    for (const query of attempts) {
      const res = await items('plots', query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.text()).not.toMatch(/SELECT|FROM plots/);
    }
  });
});
