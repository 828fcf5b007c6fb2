// One shape per search result (issue #13): a page (limit) and the streamed download (no limit)
// of the same brief give equal Features and equal CSV, and a GeoJSON Feature's properties are
// the JSON item (less its point), for sites and plots.
import type { Feature, FeatureCollection } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
let near: string;
beforeAll(async () => {
  t = await openTestApp();
  const first = (await (await t.get('/sites?sort=id&limit=1')).json()).items[0];
  near = (first.location.point.coordinates as number[]).join(',');
});
afterAll(async () => t?.close());

const json = async (path: string) => {
  const res = await t.get(path);
  expect(res.status).toBe(200);
  return res.json();
};

/** Briefs with every component a result can carry: a plain list, and around a point with an area range. */
const briefs = () => ['sort=id', `near=${near}&radius_km=40&min_area_ha=1&sort=distance`];

type Item = Record<string, unknown> & { point?: unknown; location?: Record<string, unknown> };
/** A JSON item as a GeoJSON Feature carries it: the point is the Feature's geometry's business. */
const withoutPoint = ({ point: _point, ...item }: Item) =>
  item.location ? { ...item, location: { ...item.location, point: null } } : item;

describe.each(['sites', 'plots'])('GET /%s', (resource) => {
  it('streams the same GeoJSON Features as one page holds, with the JSON items as properties', async () => {
    for (const brief of briefs()) {
      const streamed = (await json(`/${resource}?${brief}&f=geojson`)) as FeatureCollection;
      const page = (await json(`/${resource}?${brief}&f=geojson&limit=1000`)) as FeatureCollection;
      const items = (await json(`/${resource}?${brief}&limit=1000`)).items as Item[];
      expect(streamed.features.length).toBeGreaterThan(1);
      expect(page.features.length).toBe(streamed.features.length);
      expect(streamed.features).toEqual(page.features);
      expect(streamed.features.map((f: Feature) => f.properties)).toEqual(items.map(withoutPoint));
      const first = streamed.features[0]!;
      expect(first.id).toBe(items[0]!.id);
      expect(first.properties!.score.components[0]).toEqual({
        name: 'size',
        weight: 3,
        value: expect.any(Number),
        reason: expect.any(String),
        reasonFr: expect.any(String),
      });
    }
  });

  it('streams the same CSV as one page holds, under one file name', async () => {
    for (const brief of briefs()) {
      const streamed = await t.get(`/${resource}?${brief}&f=csv`);
      const page = await t.get(`/${resource}?${brief}&f=csv&limit=1000`);
      const text = await streamed.text();
      expect(text.trim().split('\n').length).toBeGreaterThan(2);
      expect(text).toBe(await page.text());
      expect(streamed.headers.get('content-disposition')).toBe(`attachment; filename="${resource}-search.csv"`);
      expect(page.headers.get('content-disposition')).toBe(streamed.headers.get('content-disposition'));
    }
  });
});

describe('the plot shape', () => {
  it('keeps id, siteUtilities and siteAccess in streamed Features', async () => {
    const streamed = (await json('/plots?sort=id&f=geojson')) as FeatureCollection;
    for (const f of streamed.features) {
      expect(f.properties!.id).toBe(f.id);
      expect(Object.keys(f.properties!.siteUtilities)).toEqual(['electricity', 'powerMw', 'railSiding']);
      expect(Object.keys(f.properties!.siteAccess)).toEqual(['motorwayInterchangeKm']);
    }
  });
});
