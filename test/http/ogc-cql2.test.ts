// CQL2 over Foncier's queryables, one block per conformance class that /ogc/conformance claims:
// each filter's numberMatched is compared with a count computed here, in JavaScript, from the
// rows themselves. Then the errors: unknown property, syntax, nesting (issue #12), never a 500.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;

interface PlotRow {
  id: string;
  turnkey: boolean;
  grossAreaHa: number;
  areaHa: number;
  priceEurM2: number | null;
  landUse: string;
  marketingStage: string;
  identifiedOn: string | null;
  updatedOn: string | null;
  availableFrom: string | null;
}
interface SiteRow {
  id: string;
  name: string;
  jobsCount: number | null;
}
let plots: PlotRow[];
let sites: SiteRow[];

beforeAll(async () => {
  t = await openTestApp();
  const day = (column: string) => sql<string | null>`CAST(${sql.ref(column)} AS text)`;
  plots = (await t.handle.db
    .selectFrom('plots')
    .where('deletedAt', 'is', null)
    .select(['id', 'turnkey', 'grossAreaHa', 'areaHa', 'priceEurM2', 'landUse', 'marketingStage'])
    .select([
      day('identified_on').as('identifiedOn'),
      day('updated_on').as('updatedOn'),
      day('available_from').as('availableFrom'),
    ])
    .execute()) as unknown as PlotRow[];
  sites = (await t.handle.db
    .selectFrom('sites')
    .where('deletedAt', 'is', null)
    .select(['id', 'name', 'jobsCount'])
    .execute()) as unknown as SiteRow[];
});
afterAll(async () => t?.close());

const items = (collection: string, query: string) => t.get(`/ogc/collections/${collection}/items?${query}`);
const matched = async (collection: string, cql: string, lang?: string) => {
  const res = await items(
    collection,
    `limit=10000&filter=${encodeURIComponent(cql)}${lang ? `&filter-lang=${lang}` : ''}`,
  );
  const body: any = await res.json();
  expect(res.status, `${cql}: ${JSON.stringify(body)}`).toBe(200);
  return { count: body.numberMatched as number, ids: (body.features as any[]).map((f) => f.id as string) };
};
const expectCount = async (collection: string, cql: string, expected: number) =>
  expect((await matched(collection, cql)).count, cql).toBe(expected);
const problem = async (collection: string, cql: string, lang?: string) => {
  const res = await items(collection, `filter=${encodeURIComponent(cql)}${lang ? `&filter-lang=${lang}` : ''}`);
  expect(res.status, cql).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  return (await res.json()).detail as string;
};
const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '');

describe('GET /ogc/conformance (CQL2)', () => {
  it('claims exactly the CQL2 classes that are implemented and tested below', async () => {
    const { conformsTo } = await (await t.get('/ogc/conformance')).json();
    const cql2 = (conformsTo as string[])
      .filter((uri) => uri.startsWith('http://www.opengis.net/spec/cql2/'))
      .map((uri) => uri.split('/').pop())
      .sort();
    expect(cql2).toEqual(
      [
        'accent-insensitive-comparison',
        'advanced-comparison-operators',
        'arithmetic',
        'basic-cql2',
        'basic-spatial-functions',
        'basic-spatial-functions-plus',
        'case-insensitive-comparison',
        'cql2-json',
        'cql2-text',
        'property-property',
        'spatial-functions',
        'temporal-functions',
      ].sort(),
    );
  });
});

describe('basic-cql2 and advanced-comparison-operators over plots', () => {
  it("compares booleans with TRUE/FALSE and with GDAL's 1/0, NOT included", async () => {
    const turnkey = plots.filter((p) => p.turnkey).length;
    expect(turnkey).toBeGreaterThan(0);
    expect(turnkey).toBeLessThan(plots.length);
    await expectCount('plots', 'turnkey = TRUE', turnkey);
    await expectCount('plots', 'turnkey = 1', turnkey);
    await expectCount('plots', '1 = turnkey', turnkey);
    await expectCount('plots', 'NOT turnkey = 1', plots.length - turnkey);
    await expectCount('plots', 'turnkey = 0', plots.length - turnkey);
    await expectCount('plots', 'turnkey <> false', turnkey);
    expect(await problem('plots', 'turnkey = 2')).toMatch(/2 is not a boolean/);
    expect(await problem('plots', "turnkey = 'yes'")).toMatch(/"yes" is not a boolean/);
  });

  it('negates LIKE, IN and BETWEEN', async () => {
    await expectCount(
      'plots',
      "landUse NOT LIKE 'espace%'",
      plots.filter((p) => !p.landUse.startsWith('espace')).length,
    );
    await expectCount(
      'plots',
      "marketingStage NOT IN ('en vente', 'vendu')",
      plots.filter((p) => !['en vente', 'vendu'].includes(p.marketingStage)).length,
    );
    await expectCount(
      'plots',
      'grossAreaHa NOT BETWEEN 1 AND 5',
      plots.filter((p) => p.grossAreaHa < 1 || p.grossAreaHa > 5).length,
    );
  });
});

describe('case-insensitive-comparison and accent-insensitive-comparison', () => {
  it('CASEI folds case on both sides', async () => {
    const expected = sites.filter((s) => s.name.toLowerCase().startsWith('site cl')).length;
    expect(expected).toBeGreaterThan(0);
    await expectCount('sites', "CASEI(name) LIKE CASEI('SITE CL%')", expected);
    await expectCount('sites', "name LIKE 'SITE CL%'", sites.filter((s) => s.name.startsWith('SITE CL')).length);
    await expectCount('sites', "name ILIKE 'site cl%'", expected);
  });

  it('ACCENTI drops accents on both sides', async () => {
    const expected = sites.filter((s) => fold(s.name).startsWith('Site cle en main')).length;
    expect(expected).toBeGreaterThan(0);
    await expectCount('sites', "ACCENTI(name) LIKE ACCENTI('Site cle en main%')", expected);
    await expectCount('sites', "name LIKE 'Site cle en main%'", 0);
    const built = plots.filter((p) => p.landUse === 'bâti productif').length;
    expect(built).toBeGreaterThan(0);
    await expectCount('plots', "ACCENTI(landUse) = ACCENTI('bati productif')", built);
    await expectCount('plots', "CASEI(ACCENTI(landUse)) IN (CASEI('BATI PRODUCTIF'), 'x')", built);
  });
});

describe('basic-spatial-functions, basic-spatial-functions-plus and spatial-functions', () => {
  // France is inside this box; the demo data is in France.
  const france = 'BBOX(-6, 41, 10, 52)';
  let target: { id: string; x: number; y: number };
  beforeAll(async () => {
    const one: any = await (await items('plots', 'limit=1&sortby=areaHa')).json();
    const ring: number[][] = one.features[0].geometry.coordinates[0][0];
    // The mean of a convex ring's vertices is inside it (demo plots are rotated rectangles).
    const vertices = ring.slice(0, -1);
    target = {
      id: one.features[0].id,
      x: vertices.reduce((s, v) => s + v[0]!, 0) / vertices.length,
      y: vertices.reduce((s, v) => s + v[1]!, 0) / vertices.length,
    };
  });

  it('S_INTERSECTS with a BBOX or a POINT (basic)', async () => {
    await expectCount('plots', `S_INTERSECTS(geometry, ${france})`, plots.length);
    await expectCount('plots', 'S_INTERSECTS(geometry, BBOX(0, 0, 0.001, 0.001))', 0);
    const hit = await matched('plots', `S_INTERSECTS(geometry, POINT(${target.x} ${target.y}))`);
    expect(hit.ids).toContain(target.id);
    const box = `${target.x - 0.01},${target.y - 0.01},${target.x + 0.01},${target.y + 0.01}`;
    const viaBbox: any = await (await items('plots', `bbox=${box}&limit=10000`)).json();
    await expectCount('plots', `S_INTERSECTS(geometry, BBOX(${box}))`, viaBbox.numberMatched);
    await expectCount('plots', `S_INTERSECTS("geometry", BBOX(-6, 41, -1000, 10, 52, 1000))`, plots.length);
  });

  it('S_INTERSECTS with lines, polygons, multi-geometries and collections (plus)', async () => {
    const { x, y } = target;
    const [x0, y0, x1, y1] = [x - 0.001, y - 0.001, x + 0.001, y + 0.001];
    const ring = `${x0} ${y0}, ${x1} ${y0}, ${x1} ${y1}, ${x0} ${y0}`;
    for (const wkt of [
      `LINESTRING(${x - 0.1} ${y}, ${x + 0.1} ${y})`,
      `POLYGON((${ring}))`,
      `MULTIPOINT((0 0), (${x} ${y}))`,
      `MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((${ring})))`,
      `GEOMETRYCOLLECTION(POINT(0 0), LINESTRING(${x - 0.1} ${y}, ${x + 0.1} ${y}))`,
      `POINT Z (${x} ${y} 100)`,
    ]) {
      expect((await matched('plots', `S_INTERSECTS(geometry, ${wkt})`)).ids, wkt).toContain(target.id);
    }
  });

  it('S_WITHIN, S_DISJOINT, S_CONTAINS, S_OVERLAPS, S_CROSSES, S_EQUALS, S_TOUCHES', async () => {
    const { x, y, id } = target;
    await expectCount('plots', `S_WITHIN(geometry, ${france})`, plots.length);
    await expectCount('plots', `S_DISJOINT(geometry, ${france})`, 0);
    await expectCount('plots', 'S_DISJOINT(geometry, BBOX(0, 0, 0.001, 0.001))', plots.length);
    expect((await matched('plots', `S_CONTAINS(geometry, POINT(${x} ${y}))`)).ids).toEqual([id]);
    // A box from the plot's middle outwards covers part of it: they overlap; France's box does not.
    expect((await matched('plots', `S_OVERLAPS(geometry, BBOX(${x}, ${y}, ${x + 1}, ${y + 1}))`)).ids).toContain(id);
    await expectCount('plots', `S_OVERLAPS(geometry, ${france})`, 0);
    expect((await matched('plots', `S_CROSSES(LINESTRING(${x} ${y}, ${x + 1} ${y + 1}), geometry)`)).ids).toContain(id);
    await expectCount('plots', 'S_EQUALS(geometry, POINT(0 0))', 0);
    await expectCount('plots', `S_TOUCHES(geometry, POINT(${x} ${y}))`, 0);
  });

  it('refuses a non-geometry property in a spatial function', async () => {
    expect(await problem('plots', 'S_INTERSECTS(areaHa, POINT(0 0))')).toMatch(/"areaHa" is not a geometry/);
  });
});

describe('temporal-functions on the date properties', () => {
  const withDates = () => plots.filter((p) => p.identifiedOn && p.updatedOn);
  let pivot: string;
  beforeAll(() => {
    const days = withDates()
      .map((p) => p.updatedOn!)
      .sort();
    pivot = days[Math.floor(days.length / 2)]!;
  });

  it('compares an instant with an instant: T_AFTER, T_BEFORE, T_EQUALS, T_DISJOINT, T_INTERSECTS', async () => {
    const u = (p: PlotRow) => p.updatedOn;
    await expectCount(
      'plots',
      `T_AFTER(updatedOn, DATE('${pivot}'))`,
      plots.filter((p) => u(p) && u(p)! > pivot).length,
    );
    await expectCount(
      'plots',
      `T_BEFORE(updatedOn, DATE('${pivot}'))`,
      plots.filter((p) => u(p) && u(p)! < pivot).length,
    );
    await expectCount('plots', `T_EQUALS(updatedOn, DATE('${pivot}'))`, plots.filter((p) => u(p) === pivot).length);
    await expectCount(
      'plots',
      `T_DISJOINT(updatedOn, DATE('${pivot}'))`,
      plots.filter((p) => u(p) && u(p) !== pivot).length,
    );
    await expectCount('plots', `T_INTERSECTS(DATE('${pivot}'), updatedOn)`, plots.filter((p) => u(p) === pivot).length);
    // A date meets a timestamp as its midnight UTC.
    await expectCount(
      'plots',
      `T_AFTER(updatedOn, TIMESTAMP('${pivot}T12:00:00Z'))`,
      plots.filter((p) => u(p) && u(p)! > pivot).length,
    );
  });

  it(
    'relates intervals: T_DURING, T_CONTAINS, T_INTERSECTS, T_STARTS, T_STARTEDBY, T_FINISHES, T_FINISHEDBY, ' +
      'T_MEETS, T_METBY, T_OVERLAPS, T_OVERLAPPEDBY',
    async () => {
      const rows = withDates();
      const lifespan = 'INTERVAL(identifiedOn, updatedOn)';
      const n = (keep: (p: PlotRow) => boolean) => rows.filter(keep).length;
      await expectCount(
        'plots',
        `T_INTERSECTS(updatedOn, INTERVAL('${pivot}', '..'))`,
        plots.filter((p) => p.updatedOn && p.updatedOn >= pivot).length,
      );
      await expectCount(
        'plots',
        `T_DURING(updatedOn, INTERVAL('..', '${pivot}'))`,
        plots.filter((p) => p.updatedOn && p.updatedOn < pivot).length,
      );
      await expectCount(
        'plots',
        `T_CONTAINS(${lifespan}, DATE('${pivot}'))`,
        n((p) => p.identifiedOn! < pivot && p.updatedOn! > pivot),
      );
      await expectCount(
        'plots',
        `T_INTERSECTS(${lifespan}, INTERVAL('${pivot}', '${pivot}'))`,
        n((p) => p.identifiedOn! <= pivot && p.updatedOn! >= pivot),
      );
      await expectCount(
        'plots',
        `T_STARTS(${lifespan}, INTERVAL(identifiedOn, '..'))`,
        n(() => true),
      );
      await expectCount(
        'plots',
        `T_STARTEDBY(INTERVAL(identifiedOn, '..'), ${lifespan})`,
        n(() => true),
      );
      await expectCount(
        'plots',
        `T_FINISHES(${lifespan}, INTERVAL('..', updatedOn))`,
        n(() => true),
      );
      await expectCount(
        'plots',
        `T_FINISHEDBY(INTERVAL('..', updatedOn), ${lifespan})`,
        n(() => true),
      );
      await expectCount(
        'plots',
        `T_MEETS(${lifespan}, INTERVAL(updatedOn, '..'))`,
        n(() => true),
      );
      await expectCount(
        'plots',
        `T_METBY(INTERVAL(updatedOn, '..'), ${lifespan})`,
        n(() => true),
      );
      await expectCount(
        'plots',
        `T_OVERLAPS(${lifespan}, INTERVAL('${pivot}', '..'))`,
        n((p) => p.identifiedOn! < pivot && p.updatedOn! > pivot),
      );
      await expectCount(
        'plots',
        `T_OVERLAPPEDBY(${lifespan}, INTERVAL('..', '${pivot}'))`,
        n((p) => p.identifiedOn! > '0000' && p.identifiedOn! < pivot && p.updatedOn! > pivot),
      );
    },
  );

  it('refuses a temporal function on a property that is not a date', async () => {
    expect(await problem('plots', "T_AFTER(areaHa, DATE('2024-01-01'))")).toMatch(/not a date or a timestamp/);
  });
});

describe('property-property and arithmetic', () => {
  it('compares two properties of the same type, refuses two of different types', async () => {
    await expectCount('plots', 'grossAreaHa > areaHa', plots.filter((p) => p.grossAreaHa > p.areaHa).length);
    await expectCount(
      'plots',
      'identifiedOn < updatedOn',
      plots.filter((p) => p.identifiedOn && p.updatedOn && p.identifiedOn < p.updatedOn).length,
    );
    await expectCount(
      'plots',
      'availableFrom >= updatedOn',
      plots.filter((p) => p.availableFrom && p.updatedOn && p.availableFrom >= p.updatedOn).length,
    );
    expect(await problem('plots', 'areaHa = marketingStage')).toMatch(/cannot compare number with string/);
  });

  it('computes + - * / % div ^ with the precedence of the standard', async () => {
    await expectCount(
      'plots',
      'grossAreaHa - areaHa > 0.5',
      plots.filter((p) => p.grossAreaHa - p.areaHa > 0.5).length,
    );
    await expectCount(
      'plots',
      'priceEurM2 * 10000 * grossAreaHa > 5000000',
      plots.filter((p) => p.priceEurM2 !== null && p.priceEurM2 * 10000 * p.grossAreaHa > 5000000).length,
    );
    await expectCount(
      'plots',
      'areaHa / grossAreaHa < 0.99',
      plots.filter((p) => p.areaHa / p.grossAreaHa < 0.99).length,
    );
    await expectCount('plots', '2 + 3 * 2 ^ 2 = 14 AND -(1 + 1) = -2', plots.length);
    const jobs = sites.filter((s) => s.jobsCount !== null);
    await expectCount('sites', 'jobsCount % 2 = 0', jobs.filter((s) => s.jobsCount! % 2 === 0).length);
    await expectCount(
      'sites',
      'jobsCount div 100 = 1',
      jobs.filter((s) => Math.floor(s.jobsCount! / 100) === 1).length,
    );
    expect(await problem('plots', 'areaHa / 0 > 1')).toMatch(/division by zero/);
    expect(await problem('plots', "areaHa + 'x' > 1")).toMatch(/not a number/);
  });
});

describe('cql2-json', () => {
  it('filter-lang=cql2-json gives what the text twin gives', async () => {
    const json = {
      op: 'and',
      args: [
        { op: '=', args: [{ property: 'turnkey' }, true] },
        { op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [-6, 41, 10, 52] }] },
      ],
    };
    const viaJson = await matched('plots', JSON.stringify(json), 'cql2-json');
    expect(viaJson.count).toBe(plots.filter((p) => p.turnkey).length);
    expect(viaJson.ids).toEqual(
      (await matched('plots', 'turnkey = TRUE AND S_INTERSECTS(geometry, BBOX(-6, 41, 10, 52))')).ids,
    );
    const polygon = {
      op: 's_intersects',
      args: [
        { property: 'geometry' },
        {
          type: 'Polygon',
          coordinates: [
            [
              [-6, 41],
              [10, 41],
              [10, 52],
              [-6, 52],
              [-6, 41],
            ],
          ],
        },
      ],
    };
    expect((await matched('plots', JSON.stringify(polygon), 'cql2-json')).count).toBe(plots.length);
  });

  it('answers 400 to JSON that is not CQL2', async () => {
    expect(await problem('plots', '{"op":"=","args":[', 'cql2-json')).toMatch(
      /CQL2 syntax error: the filter is not valid JSON/,
    );
    expect(await problem('plots', '{"op":"=","args":[{"prop":"x"},1]}', 'cql2-json')).toMatch(/CQL2 syntax error/);
    const deep = `${'{"op":"not","args":['.repeat(300)}true${']}'.repeat(300)}`;
    expect(await problem('plots', deep, 'cql2-json')).toMatch(/deeper than 100 levels/);
  });
});

describe('filter errors', () => {
  it('says "unknown property" for a property that is not a queryable, apart from syntax errors', async () => {
    expect(await problem('plots', 'cloudCover < 10')).toMatch(
      /unknown property "cloudCover": not a queryable of plots/,
    );
    expect(await problem('plots', 'cloudCover <')).toMatch(/CQL2 syntax error/);
    expect(await problem('plots', 'cloudCover <')).not.toMatch(/unknown property/);
    expect(await problem('plots', 'avg(areaHa) > 1')).toMatch(/unknown function "avg"/);
    expect(await problem('plots', "A_CONTAINS(cadastralRefs, ('AB 12'))")).toMatch(/A_CONTAINS is not offered/);
  });

  it('answers 400, not 500, to values the database cannot take', async () => {
    expect(await problem('plots', 'areaHa > 1e400')).toMatch(/number out of range/);
    expect(await problem('plots', 'S_INTERSECTS(geometry, POINT(1e999 0))')).toMatch(/number out of range/);
    expect(await problem('plots', 'areaHa ^ 1000 > 1')).toMatch(/out of range/);
    expect(await problem('plots', 'areaHa % 0 = 1')).toMatch(/division by zero/);
    expect(
      await problem('plots', JSON.stringify({ op: 'like', args: [{ property: 'landUse' }, 'a\\'] }), 'cql2-json'),
    ).toMatch(/LIKE pattern/);
    expect(await problem('plots', 'S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 2 2)))')).toMatch(
      /a linear ring ends where it starts/,
    );
    expect(await problem('plots', "updatedOn > DATE('0000-01-01')")).toMatch(/date/);
  });

  it('answers 400, not 500, to 2,188 nested parentheses (issue #12)', async () => {
    const deep = `${'('.repeat(2188)}areaHa > 1${')'.repeat(2188)}`;
    expect(deep.length).toBeLessThan(8192);
    expect(await problem('plots', deep)).toMatch(/deeper than 100 levels/);
    expect(await problem('plots', `areaHa > 0${' + 1'.repeat(1500)}`)).toMatch(/deeper than 100 levels/);
  });

  // The standard's examples name properties of their own: evaluated on plots, each is a 200 or a
  // 400 problem, never a 500.
  const reference = ['../../../shared', '../../../../shared']
    .map((up) => join(import.meta.dirname, up, 'reference/ogc-cql2/examples'))
    .find((dir) => existsSync(dir));
  it.skipIf(!reference)('answers every example of the standard, text and JSON, with 200 or 400', async () => {
    const statuses: Record<string, number> = {};
    for (const lang of ['text', 'json'] as const) {
      for (const file of readdirSync(join(reference!, lang))) {
        if (!/\.(txt|json)$/.test(file)) continue;
        const text = readFileSync(join(reference!, lang, file), 'utf8');
        const res = await items(
          'plots',
          `filter=${encodeURIComponent(text)}&filter-lang=${lang === 'text' ? 'cql2-text' : 'cql2-json'}`,
        );
        statuses[`${lang}/${file}`] = res.status;
        if (res.status !== 200) expect((await res.json()).detail, file).not.toMatch(/syntax error/);
      }
    }
    expect(Object.entries(statuses).filter(([, status]) => status !== 200 && status !== 400)).toEqual([]);
    // The examples on "geometry" alone evaluate.
    expect(statuses['text/example24.txt']).toBe(200);
    expect(statuses['json/example45.json']).toBe(200);
  });
});
