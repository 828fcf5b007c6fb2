// GET /sites and GET /plots: every filter alone and combined, checked against ids computed
// here in plain JS from rows read straight from the database (turf for distances), then
// sorting, keyset paging, output formats, and bad input.
import turfDistance from '@turf/distance';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { FeatureCollection, Geometry, MultiPolygon, Position } from 'geojson';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terrainEcoFields, siteEcoFields } from '../../src/cnig/fields.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;

interface SiteFact {
  id: string;
  name: string;
  epciSiren: string;
  communeInsee: string;
  usableAreaHa: number;
  maxPlotAreaHa: number | null;
  turnkeyProgramme: string | null;
  availableFrom: string | null;
  powerMw: number | null;
  networkElectricity: boolean | null;
  networkGas: boolean | null;
  networkDrinkingWater: boolean | null;
  networkSewerage: boolean | null;
  networkFibre: boolean | null;
  railSiding: boolean | null;
  riverQuay: boolean | null;
  motorwayInterchangeKm: number | null;
  freightStationKm: number | null;
  portKm: number | null;
  geometry: MultiPolygon;
}
interface PlotFact {
  id: string;
  siteId: string;
  cnigId: string;
  communeInsee: string | null;
  areaHa: number;
  turnkey: boolean | null;
  developmentStage: string;
  marketingStage: string;
  landControl: string;
  planningZone: string | null;
  priceEurM2: number | null;
  availableFrom: string | null;
  occupation: string;
  cartofrichesUrl: string | null;
  geometry: MultiPolygon;
}

let sites: SiteFact[];
let plots: PlotFact[];
let siteById: Map<string, SiteFact>;
let departmentOf: Map<string, string>;
let territoryEpci: { territoryId: string; epciSiren: string; regionCode: string }[];
let territoryGeometry: Map<string, MultiPolygon>;

beforeAll(async () => {
  t = await openTestApp();
  const db = t.handle.db;
  sites = (
    await sql<SiteFact>`SELECT id, name, epci_siren, commune_insee, usable_area_ha, max_plot_area_ha,
      turnkey_programme, available_from, power_mw,
      network_electricity, network_gas, network_drinking_water, network_sewerage, network_fibre,
      rail_siding, river_quay, motorway_interchange_km, freight_station_km, port_km,
      ST_AsGeoJSON(geom)::json AS geometry
      FROM sites WHERE deleted_at IS NULL`.execute(db)
  ).rows;
  plots = (
    await sql<PlotFact>`SELECT id, site_id, cnig_id, commune_insee, area_ha, turnkey, development_stage,
      marketing_stage, land_control, planning_zone, price_eur_m2, available_from, occupation, cartofriches_url,
      ST_AsGeoJSON(geom)::json AS geometry
      FROM plots WHERE deleted_at IS NULL`.execute(db)
  ).rows;
  // A site's offer as the issue defines it (#14 B1), from its plots for sale; without plots, as declared.
  for (const s of sites) {
    const own = plots.filter((p) => p.siteId === s.id);
    if (own.length === 0) continue;
    const forSale = own.filter((p) => available.includes(p.marketingStage));
    s.maxPlotAreaHa = forSale.length ? Math.max(...forSale.map((p) => p.areaHa)) : null;
    const dates = forSale.map((p) => p.availableFrom).filter((d): d is string => d !== null);
    s.availableFrom = dates.length ? dates.sort()[0]! : null;
  }
  siteById = new Map(sites.map((s) => [s.id, s]));
  departmentOf = new Map(
    (await db.selectFrom('communes').select(['insee', 'department']).execute()).map((c) => [c.insee, c.department]),
  );
  territoryEpci = await db
    .selectFrom('territoryEpci as te')
    .innerJoin('territories as tt', 'tt.id', 'te.territoryId')
    .select(['te.territoryId', 'te.epciSiren', 'tt.regionCode'])
    .execute();
  territoryGeometry = new Map(
    (
      await sql<{
        id: string;
        geometry: MultiPolygon;
      }>`SELECT id, ST_AsGeoJSON(geom)::json AS geometry FROM territories WHERE geom IS NOT NULL`.execute(db)
    ).rows.map((r) => [r.id, r.geometry]),
  );
}, 60_000);
afterAll(async () => t?.close());

/** Every result id, following `next` links (which also exercises keyset paging). */
async function allIds(path: string): Promise<string[]> {
  const ids: string[] = [];
  let url: string | null = `http://localhost${path}${path.includes('?') ? '&' : '?'}limit=200`;
  let total: number | undefined;
  while (url) {
    const res = await t.app.request(url);
    expect(res.status, `${url}: ${await res.clone().text()}`).toBe(200);
    const body = (await res.json()) as { total: number; items: { id: string }[]; links: { next: string | null } };
    total ??= body.total;
    ids.push(...body.items.map((i) => i.id));
    url = body.links.next;
  }
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBe(total);
  return ids;
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
const vertices = (g: MultiPolygon): Position[] => g.coordinates.flat(2);
const isBrownfield = (p: PlotFact) => p.occupation === 'friche' || p.cartofrichesUrl !== null;
const available = ['en vente', 'en vente avec contraintes'];
const sorted = (ids: string[]) => [...ids].sort();

// Predicates written from the wording, independent of the SQL.
type Case = {
  query: string;
  site?: (s: SiteFact) => boolean;
  plot: (p: PlotFact, s: SiteFact) => boolean;
  sitePlot?: (p: PlotFact) => boolean;
};

function cases(): Record<string, Case> {
  const territory = territoryEpci[0]!.territoryId;
  const inTerritory = new Set(territoryEpci.filter((te) => te.territoryId === territory).map((te) => te.epciSiren));
  const region = territoryEpci[territoryEpci.length - 1]!.regionCode;
  const inRegion = new Set(territoryEpci.filter((te) => te.regionCode === region).map((te) => te.epciSiren));
  const someSite = sites[3]!;
  const department = departmentOf.get(someSite.communeInsee)!;
  const today = '2027-06-01';
  return {
    territory: {
      query: `territory=${territory}`,
      site: (s) => inTerritory.has(s.epciSiren),
      plot: (_p, s) => inTerritory.has(s.epciSiren),
    },
    epci: {
      query: `epci=${someSite.epciSiren}`,
      site: (s) => s.epciSiren === someSite.epciSiren,
      plot: (_p, s) => s.epciSiren === someSite.epciSiren,
    },
    commune: {
      query: `commune=${someSite.communeInsee}`,
      site: (s) => s.communeInsee === someSite.communeInsee,
      plot: (p) => p.communeInsee === someSite.communeInsee,
    },
    department: {
      query: `department=${department}`,
      site: (s) => departmentOf.get(s.communeInsee) === department,
      plot: (p) => departmentOf.get(p.communeInsee ?? '') === department,
    },
    region: {
      query: `region=${region}`,
      site: (s) => inRegion.has(s.epciSiren),
      plot: (_p, s) => inRegion.has(s.epciSiren),
    },
    min_area_ha: {
      query: 'min_area_ha=12',
      site: (s) => (s.maxPlotAreaHa ?? -1) >= 12,
      plot: (p) => p.areaHa >= 12,
    },
    max_area_ha: {
      query: 'max_area_ha=8',
      site: (s) => s.maxPlotAreaHa !== null && s.maxPlotAreaHa <= 8,
      plot: (p) => p.areaHa <= 8,
    },
    turnkey: { query: 'turnkey=true', site: (s) => s.turnkeyProgramme !== null, plot: (p) => p.turnkey === true },
    development_stage: {
      query: 'development_stage=viabilisé et aménagé',
      plot: (p) => p.developmentStage === 'viabilisé et aménagé',
      sitePlot: (p) => p.developmentStage === 'viabilisé et aménagé',
    },
    marketing_stage: {
      query: 'marketing_stage=available',
      plot: (p) => available.includes(p.marketingStage),
      sitePlot: (p) => available.includes(p.marketingStage),
    },
    marketing_stage_cnig: {
      query: 'marketing_stage=réservé par option de réservation',
      plot: (p) => p.marketingStage === 'réservé par option de réservation',
      sitePlot: (p) => p.marketingStage === 'réservé par option de réservation',
    },
    available_before: {
      query: `available_before=${today}`,
      site: (s) => s.availableFrom !== null && s.availableFrom <= today,
      plot: (p) => p.availableFrom !== null && p.availableFrom <= today,
    },
    land_control: {
      query: 'land_control=commune,aménageur',
      plot: (p) => ['commune', 'aménageur'].includes(p.landControl),
      sitePlot: (p) => ['commune', 'aménageur'].includes(p.landControl),
    },
    electricity: {
      query: 'electricity=true',
      site: (s) => s.networkElectricity === true,
      plot: (_p, s) => s.networkElectricity === true,
    },
    min_power_mw: {
      query: 'min_power_mw=20',
      site: (s) => (s.powerMw ?? -1) >= 20,
      plot: (_p, s) => (s.powerMw ?? -1) >= 20,
    },
    gas: { query: 'gas=true', site: (s) => s.networkGas === true, plot: (_p, s) => s.networkGas === true },
    drinking_water: {
      query: 'drinking_water=false',
      site: (s) => s.networkDrinkingWater !== true,
      plot: (_p, s) => s.networkDrinkingWater !== true,
    },
    sewerage: {
      query: 'sewerage=true',
      site: (s) => s.networkSewerage === true,
      plot: (_p, s) => s.networkSewerage === true,
    },
    fibre: { query: 'fibre=true', site: (s) => s.networkFibre === true, plot: (_p, s) => s.networkFibre === true },
    rail_siding: {
      query: 'rail_siding=true',
      site: (s) => s.railSiding === true,
      plot: (_p, s) => s.railSiding === true,
    },
    river_quay: { query: 'river_quay=true', site: (s) => s.riverQuay === true, plot: (_p, s) => s.riverQuay === true },
    max_motorway_km: {
      query: 'max_motorway_km=10',
      site: (s) => (s.motorwayInterchangeKm ?? 1e9) <= 10,
      plot: (_p, s) => (s.motorwayInterchangeKm ?? 1e9) <= 10,
    },
    max_freight_station_km: {
      query: 'max_freight_station_km=15',
      site: (s) => (s.freightStationKm ?? 1e9) <= 15,
      plot: (_p, s) => (s.freightStationKm ?? 1e9) <= 15,
    },
    max_port_km: {
      query: 'max_port_km=60',
      site: (s) => (s.portKm ?? 1e9) <= 60,
      plot: (_p, s) => (s.portKm ?? 1e9) <= 60,
    },
    brownfield: { query: 'brownfield=true', plot: (p) => isBrownfield(p), sitePlot: (p) => isBrownfield(p) },
    planning_zone: {
      query: 'planning_zone=AU',
      plot: (p) => p.planningZone === 'AU',
      sitePlot: (p) => p.planningZone === 'AU',
    },
    max_price_eur_m2: {
      query: 'max_price_eur_m2=20',
      plot: (p) => p.priceEurM2 !== null && p.priceEurM2 <= 20,
      sitePlot: (p) => p.priceEurM2 !== null && p.priceEurM2 <= 20,
    },
    q: {
      query: `q=${encodeURIComponent('CLE EN MAIN')}`,
      site: (s) => fold(s.name).includes('cle en main'),
      plot: (p, s) => fold(s.name).includes('cle en main') || fold(p.cnigId).includes('cle en main'),
    },
  };
}

function expectedSites(c: Case): string[] {
  return sites
    .filter(
      (s) =>
        (c.site ? c.site(s) : true) && (c.sitePlot ? plots.some((p) => p.siteId === s.id && c.sitePlot!(p)) : true),
    )
    .map((s) => s.id);
}
const expectedPlots = (c: Case) => plots.filter((p) => c.plot(p, siteById.get(p.siteId)!)).map((p) => p.id);

describe('GET /sites and GET /plots filters', () => {
  it('every filter alone returns exactly the ids computed from the rows', async () => {
    for (const [name, c] of Object.entries(cases())) {
      const site = sorted(await allIds(`/sites?${c.query}`));
      const plot = sorted(await allIds(`/plots?${c.query}`));
      expect(site, `sites ${name}`).toEqual(sorted(expectedSites(c)));
      expect(plot, `plots ${name}`).toEqual(sorted(expectedPlots(c)));
      // A filter that selects nothing would prove nothing.
      expect(plot.length, `plots ${name} selects something`).toBeGreaterThan(0);
      expect(plot.length, `plots ${name} leaves something out`).toBeLessThan(plots.length);
    }
  }, 120_000);

  it('filters combine with AND (site-level EXISTS: one plot satisfies all plot conditions)', async () => {
    const all = cases();
    const combos = [
      ['min_power_mw', 'marketing_stage', 'max_motorway_km'],
      ['territory', 'max_price_eur_m2', 'planning_zone'],
      ['rail_siding', 'electricity', 'brownfield', 'development_stage'],
      ['turnkey', 'available_before', 'fibre', 'gas', 'sewerage'],
      ['department', 'min_area_ha', 'land_control'],
    ];
    for (const names of combos) {
      const parts = names.map((n) => all[n]!);
      const query = parts.map((c) => c.query).join('&');
      const plotExpected = plots.filter((p) => parts.every((c) => c.plot(p, siteById.get(p.siteId)!))).map((p) => p.id);
      const plotLevel = parts.filter((c) => c.sitePlot);
      const siteExpected = sites
        .filter((s) => parts.every((c) => !c.site || c.site(s)))
        .filter(
          (s) =>
            plotLevel.length === 0 || plots.some((p) => p.siteId === s.id && plotLevel.every((c) => c.sitePlot!(p))),
        )
        .map((s) => s.id);
      expect(sorted(await allIds(`/plots?${query}`)), `plots ${names}`).toEqual(sorted(plotExpected));
      expect(sorted(await allIds(`/sites?${query}`)), `sites ${names}`).toEqual(sorted(siteExpected));
    }
  }, 120_000);

  it(
    'the investor brief of the issue answers in one query, ' + 'and nothing-matches is 200 with an empty list',
    async () => {
      const res = await t.get(
        '/sites?min_area_ha=12&max_area_ha=40&marketing_stage=available&min_power_mw=20&rail_siding=true' +
          '&max_motorway_km=10&available_before=2028-06-01',
      );
      expect(res.status).toBe(200);
      const empty = await t.get('/sites?min_power_mw=100000');
      expect(empty.status).toBe(200);
      expect(await empty.json()).toMatchObject({ total: 0, items: [], links: { next: null } });
    },
  );

  it('near + radius_km matches the geometries within that distance (turf on the fixture geometry)', async () => {
    const near = { lon: 4.85, lat: 45.3 };
    const radius = 40;
    // A vertex's distance bounds the polygon's from above; features are under 1.5 km across.
    const minVertexKm = (g: MultiPolygon) =>
      Math.min(...vertices(g).map((v) => turfDistance([near.lon, near.lat], v, { units: 'kilometers' })));
    for (const [kind, rows] of [
      ['plots', plots],
      ['sites', sites],
    ] as const) {
      const ids = new Set(await allIds(`/${kind}?near=${near.lon},${near.lat}&radius_km=${radius}`));
      const inside = rows.filter((r) => minVertexKm(r.geometry) <= radius - 0.3);
      const outside = rows.filter((r) => minVertexKm(r.geometry) > radius + 3);
      expect(inside.length).toBeGreaterThan(0);
      for (const r of inside) expect(ids.has(r.id), `${kind} ${r.id} inside`).toBe(true);
      for (const r of outside) expect(ids.has(r.id), `${kind} ${r.id} outside`).toBe(false);
    }
    const body = await (
      await t.get(`/plots?near=${near.lon},${near.lat}&radius_km=${radius}&sort=distance&limit=20`)
    ).json();
    const km = body.items.map((i: { distanceKm: number }) => i.distanceKm);
    expect(km).toEqual([...km].sort((a, b) => a - b));
    for (const item of body.items) {
      const plot = plots.find((p) => p.id === item.id)!;
      expect(item.distanceKm).toBeLessThanOrEqual(minVertexKm(plot.geometry) * 1.005 + 0.01);
      expect(item.distanceKm).toBeGreaterThan(minVertexKm(plot.geometry) - 1.5);
    }
  }, 60_000);

  it('bbox keeps what lies inside and drops what lies outside', async () => {
    const box = [4.5, 44.8, 5.2, 45.4] as const;
    const inBox = ([x, y]: Position) => x! >= box[0] && x! <= box[2] && y! >= box[1] && y! <= box[3];
    const ids = new Set(await allIds(`/plots?bbox=${box.join(',')}`));
    const inside = plots.filter((p) => vertices(p.geometry).every(inBox));
    const outside = plots.filter((p) => {
      const v = vertices(p.geometry);
      return (
        Math.max(...v.map((q) => q[0]!)) < box[0] ||
        Math.min(...v.map((q) => q[0]!)) > box[2] ||
        Math.max(...v.map((q) => q[1]!)) < box[1] ||
        Math.min(...v.map((q) => q[1]!)) > box[3]
      );
    });
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.length + outside.length).toBeGreaterThan(plots.length - 20);
    for (const p of inside) expect(ids.has(p.id)).toBe(true);
    for (const p of outside) expect(ids.has(p.id)).toBe(false);
  });

  it('within keeps the sites inside the territory boundary', async () => {
    const [territory, boundary] = [...territoryGeometry.entries()][0]!;
    const ids = new Set(await allIds(`/sites?within=${territory}`));
    const inside = sites.filter((s) => vertices(s.geometry).every((v) => booleanPointInPolygon(v, boundary)));
    const outside = sites.filter((s) => vertices(s.geometry).every((v) => !booleanPointInPolygon(v, boundary)));
    expect(inside.length).toBeGreaterThan(0);
    for (const s of inside) expect(ids.has(s.id), `${territory} ${s.id} ${ids.size} ${inside.length}`).toBe(true);
    for (const s of outside) expect(ids.has(s.id)).toBe(false);
  });

  it('q is accent- and case-insensitive and takes % and _ literally', async () => {
    const accented = sites.find((s) => /[éèêàç]/.test(s.name))!;
    const word = accented.name.split(' ').find((w) => /[éèêàç]/.test(w))!;
    const plain = fold(word).toUpperCase();
    const ids = await allIds(`/sites?q=${encodeURIComponent(plain)}`);
    expect(ids).toContain(accented.id);
    expect(sorted(ids)).toEqual(sorted(sites.filter((s) => fold(s.name).includes(fold(word))).map((s) => s.id)));
    expect(await allIds('/sites?q=%25')).toEqual([]);
    expect(await allIds('/sites?q=_')).toEqual([]);
  });
});

describe('sorting, score and keyset paging', () => {
  const value: Record<string, (i: any) => number | null> = {
    area: (i) => i.areaHa,
    price: (i) => i.priceEurM2,
    motorway: (i) => i.siteAccess.motorwayInterchangeKm,
    score: (i) => -i.score.total,
    readiness: (i) => -i.score.components.find((c: { name: string }) => c.name === 'readiness').value,
  };
  it('each sort orders the plots (nulls last) and pages by cursor without gaps or repeats', async () => {
    for (const key of Object.keys(value)) {
      for (const sort of [key, `-${key}`]) {
        const whole = (await (await t.get(`/plots?sort=${sort}&limit=1000`)).json()).items as any[];
        const paged = await allIds(`/plots?sort=${sort}`);
        expect(paged, sort).toEqual(whole.map((i) => i.id));
        const values = whole.map(value[key]!).filter((v): v is number => v !== null);
        const nulls = whole.map(value[key]!).indexOf(null);
        if (nulls >= 0)
          expect(
            whole.slice(nulls).every((i) => value[key]!(i) === null),
            `${sort} nulls last`,
          ).toBe(true);
        const direction = sort.startsWith('-') ? -1 : 1;
        // Rounded output values: allow equal neighbours, never a real inversion.
        for (let i = 1; i < values.length; i++)
          expect(direction * (values[i]! - values[i - 1]!), `${sort} at ${i}`).toBeGreaterThanOrEqual(-0.0011);
      }
    }
  }, 120_000);

  it('sort=distance pages nearest first by cursor (the KNN path), the same order as one page', async () => {
    const paged = async (path: string, limit: number) => {
      const out: { id: string; distanceKm: number }[] = [];
      let url: string | null = `http://localhost${path}&limit=${limit}`;
      while (url) {
        const body = (await (await t.app.request(url)).json()) as {
          items: { id: string; distanceKm: number }[];
          links: { next: string | null };
        };
        out.push(...body.items);
        url = body.links.next;
      }
      return out;
    };
    for (const path of [
      '/plots?near=4.85,45.3&sort=distance',
      '/plots?near=4.85,45.3&radius_km=40&marketing_stage=available&sort=distance',
      '/sites?near=2.35,48.85&sort=distance',
    ]) {
      const whole = (await (await t.get(`${path}&limit=1000`)).json()).items as { id: string; distanceKm: number }[];
      expect(whole.length, path).toBeGreaterThan(7);
      const pages = await paged(path, 7);
      expect(
        pages.map((i) => i.id),
        path,
      ).toEqual(whole.map((i) => i.id));
      const km = whole.map((i) => i.distanceKm);
      expect(km, path).toEqual([...km].sort((a, b) => a - b));
    }
  }, 60_000);

  it('total is exact up to 1000 matches (totalExact), and count=exact always counts them all', async () => {
    const capped = await (await t.get('/plots?limit=1')).json();
    if (plots.length <= 1000) expect(capped).toMatchObject({ total: plots.length, totalExact: true });
    else expect(capped).toMatchObject({ total: 1000, totalExact: false });
    expect(await (await t.get('/plots?limit=1&count=exact')).json()).toMatchObject({
      total: plots.length,
      totalExact: true,
    });
    const near = await (await t.get('/plots?near=4.85,45.3&radius_km=40&limit=1')).json();
    expect(near.totalExact).toBe(true);
    expect(near.total).toBe(
      (await (await t.get('/plots?near=4.85,45.3&radius_km=40&limit=1&count=exact')).json()).total,
    );
  });

  it('sort=id and -id page in id order', async () => {
    const ascending = await allIds('/plots?sort=id');
    expect(ascending).toEqual(sorted(plots.map((p) => p.id)));
    expect(await allIds('/plots?sort=-id')).toEqual([...ascending].reverse());
  });

  it('explains the score: total = 100 × Σ weight × value / Σ weight, every component has a reason', async () => {
    // The demo's largest plots for sale are under 14 ha: 5 ha keeps results to explain.
    const body = await (
      await t.get('/sites?min_area_ha=5&max_area_ha=40&min_power_mw=20&max_motorway_km=10&near=4.85,45.3&limit=20')
    ).json();
    expect(body.items.length).toBeGreaterThan(0);
    for (const item of body.items) {
      const { total, components } = item.score;
      expect(components.map((c: { name: string }) => c.name)).toEqual([
        'size',
        'readiness',
        'power',
        'motorway',
        'distance',
        'rail',
        'price',
        'brownfield',
        'territory',
      ]);
      const weights = components.reduce((s: number, c: { weight: number }) => s + c.weight, 0);
      const recomputed =
        (100 * components.reduce((s: number, c: { weight: number; value: number }) => s + c.weight * c.value, 0)) /
        weights;
      expect(total).toBeCloseTo(recomputed, 0);
      for (const c of components) {
        expect(c.value).toBeGreaterThanOrEqual(0);
        expect(c.value).toBeLessThanOrEqual(1);
        expect(c.reason.length).toBeGreaterThan(5);
        expect(c.reasonFr.length).toBeGreaterThan(5);
      }
      expect(components.find((c: { name: string }) => c.name === 'power').value).toBe(1);
    }
    const totals = body.items.map((i: { score: { total: number } }) => i.score.total);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('sites sort by distance to near, nearest first', async () => {
    const items = (await (await t.get('/sites?near=2.35,48.85&sort=distance&limit=1000')).json()).items as {
      distanceKm: number;
    }[];
    const km = items.map((i) => i.distanceKm);
    expect(km).toEqual([...km].sort((a, b) => a - b));
  });
});

describe('output formats', () => {
  it(
    'GeoJSON FeatureCollection with f=geojson or Accept: application/geo+json, ' + 'streamed whole without limit',
    async () => {
      const total = (await (await t.get('/plots?marketing_stage=available&limit=1')).json()).total;
      for (const res of [
        await t.get('/plots?marketing_stage=available&f=geojson'),
        await t.get('/plots?marketing_stage=available', { headers: { accept: 'application/geo+json' } }),
      ]) {
        expect(res.headers.get('content-type')).toContain('application/geo+json');
        const fc = (await res.json()) as FeatureCollection;
        expect(fc.type).toBe('FeatureCollection');
        expect(fc.features.length).toBe(total);
        expect((fc.features[0]!.geometry as Geometry).type).toBe('MultiPolygon');
        expect(fc.features[0]!.properties!.score.total).toBeTypeOf('number');
      }
      const page = (await (await t.get('/sites?f=geojson&limit=3')).json()) as FeatureCollection & {
        numberMatched: number;
        links: { next: string };
      };
      expect(page.features.length).toBe(3);
      expect(page.numberMatched).toBe(sites.length);
      expect(page.links.next).toContain('cursor=');
    },
  );

  it('CSV uses the CNIG terrain-eco and site-eco columns, ; separated, geometry as GeoJSON text', async () => {
    const res = await t.get('/plots?f=csv&brownfield=true');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe(terrainEcoFields.map((f) => f.name).join(';'));
    expect(lines.length - 1).toBe(plots.filter(isBrownfield).length);
    expect(text).toContain('"{""type"":""MultiPolygon""');
    const siteCsv = await (await t.get('/sites?f=csv&turnkey=true')).text();
    expect(siteCsv.split('\n')[0]).toBe(siteEcoFields.map((f) => f.name).join(';'));
    expect(siteCsv.trim().split('\n').length - 1).toBe(sites.filter((s) => s.turnkeyProgramme !== null).length);
  });
});

describe('bad input', () => {
  const bad: [string, string][] = [
    ['/sites?colour=red', 'colour'],
    ['/sites?bbox=1,2,3,95', 'bbox'],
    ['/sites?bbox=5,45,4,46', 'bbox'],
    ['/plots?near=4.8,45&radius_km=0', 'radius_km'],
    ['/plots?near=4.8,45&radius_km=1001', 'radius_km'],
    ['/plots?radius_km=10', 'radius_km'],
    ['/plots?limit=0', 'limit'],
    ['/plots?limit=1001', 'limit'],
    ['/plots?cursor=not-a-cursor', 'cursor'],
    ['/plots?cursor=WyJzY29yZSIsMSwiIl0', 'cursor'],
    ['/plots?available_before=2026-13-01', 'available_before'],
    ['/plots?available_before=01/06/2026', 'available_before'],
    ['/plots?marketing_stage=cheap', 'marketing_stage'],
    ['/plots?sort=distance', 'sort'],
    ['/plots?rail_siding=yes', 'rail_siding'],
    ['/plots?count=all', 'count'],
    ['/sites?min_area_ha=40&max_area_ha=12', 'max_area_ha'],
  ];
  it.each(bad)('%s is a 400 problem naming %s', async (path, name) => {
    const res = await t.get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await res.json();
    expect(body.invalidParams.map((p: { name: string }) => p.name)).toContain(name);
  });

  it('a cursor issued for another sort is refused', async () => {
    const next = (await (await t.get('/plots?sort=area&limit=2')).json()).links.next as string;
    const cursor = new URL(next).searchParams.get('cursor');
    const res = await t.get(`/plots?sort=price&limit=2&cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect((await res.json()).invalidParams[0].name).toBe('cursor');
  });
});

describe('GET /sites/{id}/sheet and /sites/compare', () => {
  it('the sheet has location, areas, plots, utilities, access, contacts; no natural person', async () => {
    const site = sites.find((s) => s.turnkeyProgramme !== null)!;
    const body = await (await t.get(`/sites/${site.id}/sheet`)).json();
    expect(body.site.id).toBe(site.id);
    expect(body.site.location.territories).toBeInstanceOf(Array);
    expect(body.plots.length).toBe(plots.filter((p) => p.siteId === site.id).length);
    expect(body.contacts.length).toBeGreaterThan(0);
    // The ZAN figures agree with the site's own ZAN document.
    const zan = await (await t.get(`/sites/${site.id}/zan`)).json();
    expect(body.zan).toMatchObject({
      ruleSet: zan.ruleSet.id,
      nafConsumptionHa: zan.expected.nafConsumptionHa,
      consumptionHa: zan.expected.consumptionHa,
    });
    expect(JSON.stringify(body)).not.toMatch(/ownerName":"[^"]|buyer/);
    const html = await t.get(`/sites/${site.id}/sheet`, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    // The sheet's HTML is the French site page (test/http/investor-site.test.ts).
    expect(page).toContain('<h2>Réseaux</h2>');
    expect(page).toContain('Espaces NAF consommés si les terrains libres sont aménagés');
    expect((await t.get(`/sites/${site.id}/sheet?f=html`)).headers.get('content-type')).toContain('text/html');
    expect((await t.get('/sites/00000000-0000-4000-8000-000000000000/sheet')).status).toBe(404);
  });

  it('compares 2 to 5 sites side by side', async () => {
    const ids = sites.slice(0, 3).map((s) => s.id);
    const body = await (await t.get(`/sites/compare?ids=${ids.join(',')}`)).json();
    expect(body.sites.map((s: { id: string }) => s.id)).toEqual(ids);
    expect(body.rows.find((r: { criterion: string }) => r.criterion === 'powerMw').values).toEqual(
      ids.map((id) => siteById.get(id)!.powerMw),
    );
    expect((await t.get(`/sites/compare?ids=${ids[0]}`)).status).toBe(400);
    expect(
      (
        await t.get(
          `/sites/compare?ids=${sites
            .slice(0, 6)
            .map((s) => s.id)
            .join(',')}`,
        )
      ).status,
    ).toBe(400);
    expect((await t.get(`/sites/compare?ids=${ids[0]},00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });
});
