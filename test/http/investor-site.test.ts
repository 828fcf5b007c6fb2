// The investor pages over HTTP: the site page by content negotiation on GET /sites/{id} (and the
// sheet's HTML, the same page), the comparison page, and the spreadsheet download of a search.
// Expected values come from the JSON of the API and from rows read straight from the database,
// formatted here by hand (French: decimal comma, `ha`, `MW`, month names).
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadLinks } from '../../src/web/investor/links.js';
import { openTestApp, type TestContext } from '../support/app.js';

let t: TestContext;
const html = { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } };
const unknownId = '00000000-0000-4000-8000-000000000000';

interface SiteRow {
  id: string;
  name: string;
  epciSiren: string;
}
let sites: SiteRow[];

beforeAll(async () => {
  t = await openTestApp();
  sites = await t.handle.db
    .selectFrom('sites')
    .select(['id', 'name', 'epciSiren'])
    .where('deletedAt', 'is', null)
    .orderBy('cnigId')
    .execute();
}, 60_000);
afterAll(async () => t?.close());

/** French figures written independently of the pages' formatter: comma, narrow no-break space. */
const fr = (value: number, digits: number) => {
  const [whole, fraction] = (Math.round(value * 10 ** digits) / 10 ** digits).toString().split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return fraction ? `${grouped},${fraction}` : grouped;
};
const months = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
];
const frDate = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d === 1 ? '1er' : d} ${months[m! - 1]} ${y}`;
};

/** The cells of the table row headed `label` (text, tags stripped). */
function rowCells(page: string, label: string): string[] {
  const row = new RegExp(`<tr><th scope="row">${label}</th>(.*?)</tr>`).exec(page);
  if (!row) throw new Error(`no row ${label}`);
  return [...row[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}
/** The value of a `<dt>` fact on a page. */
function fact(page: string, term: string): string {
  const found = new RegExp(`<dt>${term}</dt><dd>(.*?)</dd>`).exec(page);
  if (!found) throw new Error(`no fact ${term}`);
  return found[1]!;
}
const htmlText = (text: string) =>
  text
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

describe('GET /sites/{id}: the site page for a browser', () => {
  it('answers a browser with the French page, API clients with JSON or GeoJSON as before', async () => {
    const site = sites[0]!;
    const page = await t.get(`/sites/${site.id}`, html);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('vary')).toContain('accept');
    const text = await page.text();
    expect(text).toContain('<html lang="fr">');
    expect(htmlText(text)).toContain(`<h1>${site.name}</h1>`);

    const json = await t.get(`/sites/${site.id}`);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect((await json.json()).id).toBe(site.id);
    const feature = await t.get(`/sites/${site.id}`, { headers: { accept: 'application/geo+json' } });
    expect((await feature.json()).type).toBe('Feature');
    // f= wins over Accept, both ways.
    expect((await t.get(`/sites/${site.id}?f=json`, html)).headers.get('content-type')).toContain('application/json');
    expect((await t.get(`/sites/${site.id}?f=html`)).headers.get('content-type')).toContain('text/html');
    // A missing site is the API's 404 problem; a bad format a 400 naming f.
    expect((await t.get(`/sites/${unknownId}`, html)).status).toBe(404);
    const bad = await t.get(`/sites/${site.id}?f=pdf`, html);
    expect(bad.status).toBe(400);
    expect((await bad.json()).invalidParams[0].name).toBe('f');
  });

  it('shows French headings and figures computed from the site JSON, and one row per plot', async () => {
    const search = await (await t.get('/sites?limit=1000')).json();
    for (const { id } of sites.slice(0, 4)) {
      const json = await (await t.get(`/sites/${id}`)).json();
      const page = htmlText(await (await t.get(`/sites/${id}`, html)).text());
      for (const heading of [
        'Carte des terrains',
        'Terrains',
        'Surfaces',
        'Réseaux',
        'Accès',
        'Sobriété foncière (ZAN)',
        'Label et maturité',
        'Contacts',
        'Source des données',
      ])
        expect(page).toContain(`<h2>${heading}</h2>`);
      expect(fact(page, 'Surface utile')).toBe(`${fr(json.areas.usableAreaHa, 2)} ha`);
      expect(fact(page, 'Plus grand terrain disponible')).toBe(
        json.plots.largestAvailableHa === null ? '—' : `${fr(json.plots.largestAvailableHa, 2)} ha`,
      );
      const power = json.utilities.powerMw;
      if (power !== null) expect(fact(page, 'Électricité')).toContain(`${fr(power, 1)} MW`);
      expect(fact(page, 'Embranchement ferré \\(ITE\\)')).toBe(
        json.access.railSiding === null ? 'non renseigné' : json.access.railSiding ? 'oui' : 'non',
      );
      expect(fact(page, 'Mis à jour le')).toBe(frDate(json.dates.updatedOn));
      // The score the search gives this site with no filter, and its readiness component.
      const item = search.items.find((i: { id: string }) => i.id === id);
      expect(fact(page, 'Score sans filtre')).toBe(`${fr(item.score.total, 1)} sur 100`);
      expect(fact(page, 'Prix le plus bas \\(terrains en vente\\)')).toBe(
        item.lowestPriceEurM2 === null ? '—' : `${fr(item.lowestPriceEurM2, 2)} €/m²`,
      );
      expect(fact(page, 'Friche')).toBe(item.brownfield ? 'oui' : 'non');
      const readiness = item.score.components.find((c: { name: string }) => c.name === 'readiness');
      expect(fact(page, 'Maturité \\(score de la recherche\\)')).toBe(
        `${fr(readiness.value * 100, 0)} sur 100 : ${readiness.reasonFr}`,
      );
      const plotRows = await t.handle.db
        .selectFrom('plots')
        .select(['cnigId'])
        .where('siteId', '=', id)
        .where('deletedAt', 'is', null)
        .execute();
      const tbody = /<table class="plots">.*?<tbody>(.*?)<\/tbody>/.exec(page)![1]!;
      expect(tbody.match(/<tr>/g)?.length ?? 0).toBe(plotRows.length);
      for (const p of plotRows) expect(tbody).toContain(`<th scope="row">${p.cnigId}</th>`);
      // No figure the English way (12.5 ha).
      expect(page).not.toMatch(/\d\.\d+ (ha|MW|km)/);
      // The map's data: the site and its plots, each with its availability class.
      const data = JSON.parse(/<script type="application\/json" id="carte-data">(.*?)<\/script>/.exec(page)![1]!);
      expect(data.features.filter((f: { properties: { kind: string } }) => f.properties.kind === 'plot').length).toBe(
        plotRows.length,
      );
    }
  });

  it('never shows the name of a natural person owning or buying a plot', async () => {
    const people = await t.handle.db
      .selectFrom('plots')
      .select(['siteId', 'ownerName', 'buyerName', 'ownerIsNaturalPerson', 'buyerIsNaturalPerson'])
      .where((eb) =>
        eb.or([
          eb.and([eb('ownerIsNaturalPerson', '=', true), eb('ownerName', 'is not', null)]),
          eb.and([eb('buyerIsNaturalPerson', '=', true), eb('buyerName', 'is not', null)]),
        ]),
      )
      .limit(5)
      .execute();
    expect(people.length).toBeGreaterThan(0);
    for (const p of people) {
      for (const path of [`/sites/${p.siteId}`, `/sites/${p.siteId}/sheet?f=html`]) {
        const page = htmlText(await (await t.get(path, html)).text());
        if (p.ownerIsNaturalPerson && p.ownerName) expect(page).not.toContain(p.ownerName);
        if (p.buyerIsNaturalPerson && p.buyerName) expect(page).not.toContain(p.buyerName);
      }
    }
  });

  it('renders the sheet in HTML as the same French page', async () => {
    const site = sites[1]!;
    const sheet = htmlText(await (await t.get(`/sites/${site.id}/sheet?f=html`)).text());
    const page = htmlText(await (await t.get(`/sites/${site.id}`, html)).text());
    expect(sheet).toBe(page);
    expect(sheet).not.toContain('<h2>Utilities</h2>');
    // The sheet's JSON is still the sheet.
    expect((await (await t.get(`/sites/${site.id}/sheet`)).json()).site.id).toBe(site.id);
  });
});

describe('GET /sites/compare: the comparison page', () => {
  it('puts 2 to 5 sites side by side, rows computed from each site JSON and the search', async () => {
    const ids = sites.slice(0, 3).map((s) => s.id);
    const page = htmlText(await (await t.get(`/sites/compare?ids=${ids.join(',')}`, html)).text());
    const each = await Promise.all(ids.map(async (id) => (await t.get(`/sites/${id}`)).json()));
    const zans = await Promise.all(ids.map(async (id) => (await t.get(`/sites/${id}/zan`)).json()));
    const search = await (await t.get('/sites?limit=1000')).json();
    const listed = new Map(search.items.map((item: { id: string }) => [item.id, item]));
    const ha = (v: number | null) => (v === null ? '—' : `${fr(v, 2)} ha`);
    expect(rowCells(page, 'Puissance électrique')).toEqual(
      each.map((s) => (s.utilities.powerMw === null ? '—' : `${fr(s.utilities.powerMw, 1)} MW`)),
    );
    expect(rowCells(page, 'Plus grand terrain disponible')).toEqual(each.map((s) => ha(s.plots.largestAvailableHa)));
    expect(rowCells(page, 'Disponible à partir du')).toEqual(
      each.map((s) => (s.availableFrom ? frDate(s.availableFrom) : '—')),
    );
    expect(rowCells(page, 'Espaces NAF consommés \\(ZAN\\)')).toEqual(
      zans.map((z) => (z.plots.length === 0 ? '—' : ha(z.expected.nafConsumptionHa))),
    );
    expect(rowCells(page, 'Score \\(sur 100\\)')).toEqual(
      ids.map((id) => fr((listed.get(id) as { score: { total: number } }).score.total, 1)),
    );
    expect(rowCells(page, 'Prix le plus bas')).toEqual(
      ids.map((id) => {
        const price = (listed.get(id) as { lowestPriceEurM2: number | null }).lowestPriceEurM2;
        return price === null ? '—' : `${fr(price, 2)} €/m²`;
      }),
    );
    // Each site can be removed: the link compares the other two.
    expect(page).toContain(`href="/sites/compare?ids=${ids[1]},${ids[2]}"`);

    // The JSON is still the comparison, with the same rows and each default score.
    const body = await (await t.get(`/sites/compare?ids=${ids.join(',')}`)).json();
    expect(body.rows.find((r: { criterion: string }) => r.criterion === 'zanNafConsumptionHa').values).toEqual(
      zans.map((z) => (z.plots.length === 0 ? null : z.expected.nafConsumptionHa)),
    );
    expect(body.scores.map((s: { total: number }) => s.total)).toEqual(
      ids.map((id) => (listed.get(id) as { score: { total: number } }).score.total),
    );
  });

  it('answers bad ids with the problem on a French page and a 4xx, problem+json to API clients', async () => {
    const one = await t.get(`/sites/compare?ids=${sites[0]!.id}`, html);
    expect(one.status).toBe(400);
    expect(one.headers.get('content-type')).toContain('text/html');
    const onePage = htmlText(await one.text());
    expect(onePage).toContain('<h1>Comparaison impossible</h1>');
    expect(onePage).toContain('de 2 à 5 identifiants');
    expect(onePage).toContain('compare 2 to 5 sites');
    // The page carries the API's problem document for programs.
    const problem = JSON.parse(
      /<script type="application\/problem\+json" id="problem">(.*?)<\/script>/.exec(onePage)![1]!,
    );
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed', instance: '/sites/compare' });
    expect(problem.invalidParams[0].name).toBe('ids');
    const notUuid = await t.get(`/sites/compare?ids=${sites[0]!.id},nope`, html);
    expect(notUuid.status).toBe(400);
    expect(await notUuid.text()).toContain('not a site id');
    const missing = await t.get(`/sites/compare?ids=${sites[0]!.id},${unknownId}`, html);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(unknownId);
    const twice = await t.get(`/sites/compare?ids=${sites[0]!.id},${sites[0]!.id}`, html);
    expect(twice.status).toBe(400);
    // Without ids: a browser gets the basket page (its script opens the basket), an API client a 400.
    const basket = await t.get('/sites/compare', html);
    expect(basket.status).toBe(200);
    expect(await basket.text()).toContain('data-compare-basket');
    const noIds = await t.get('/sites/compare');
    expect(noIds.status).toBe(400);
    expect((await noIds.json()).invalidParams[0].name).toBe('ids');
    const api = await t.get(`/sites/compare?ids=${sites[0]!.id}`);
    expect(api.status).toBe(400);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('GET /sites?f=spreadsheet: the search for spreadsheets', () => {
  const brief = 'min_power_mw=1&sort=-area';

  async function allItems(query: string) {
    const items: Record<string, any>[] = [];
    let next: string | null = `/sites?${query}&limit=7`;
    while (next) {
      const page = await (await t.get(next.replace('http://localhost', ''))).json();
      items.push(...page.items);
      next = page.links.next;
    }
    return items;
  }

  it('lists the same sites in the same order as the JSON search, with its values, French style', async () => {
    const res = await t.get(`/sites?${brief}&f=spreadsheet`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('sites-search-spreadsheet.csv');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records: Record<string, string>[] = parse(Buffer.from(bytes), { bom: true, delimiter: ';', columns: true });
    const items = await allItems(brief);
    expect(items.length).toBeGreaterThan(3);
    expect(records.map((r) => r['Fiche du site'])).toEqual(items.map((i) => `http://localhost/sites/${i.id}`));
    const territories = await t.handle.db
      .selectFrom('territoryEpci as te')
      .innerJoin('territories as tr', 'tr.id', 'te.territoryId')
      .select(['te.epciSiren', 'tr.name'])
      .execute();
    const comma = (v: number | null) => (v === null ? '' : String(v).replace('.', ','));
    const yesNo = (v: boolean | null) => (v === null ? '' : v ? 'oui' : 'non');
    records.forEach((r, i) => {
      const item = items[i]!;
      expect(r.Nom).toBe(item.name);
      expect(r.Commune).toBe(item.location.commune.name);
      expect(r["Territoire d'industrie"]).toBe(
        territories
          .filter((x) => x.epciSiren === item.location.epci.siren)
          .map((x) => x.name)
          .sort()
          .join(', '),
      );
      expect(r['Plus grand terrain disponible (ha)']).toBe(comma(item.areas.maxPlotAreaHa));
      expect(r['Surface disponible (ha)']).toBe(comma(item.areas.availableAreaHa));
      expect(r['Puissance électrique (MW)']).toBe(comma(item.utilities.powerMw));
      expect(r['Prix le plus bas (€/m²)']).toBe(comma(item.lowestPriceEurM2));
      expect(r['Disponible à partir du']).toBe(item.availableFrom ?? '');
      expect(r.Friche).toBe(yesNo(item.brownfield));
      expect(r['Embranchement ferré (ITE)']).toBe(yesNo(item.access.railSiding));
      expect(r['Échangeur autoroutier (km)']).toBe(comma(item.access.motorwayInterchangeKm));
      expect(r['Score (sur 100)']).toBe(comma(item.score.total));
      const readiness = item.score.components.find((c: { name: string }) => c.name === 'readiness');
      expect(r['Maturité (sur 100)']).toBe(comma(Math.round(readiness.value * 1000) / 10));
      if (item.turnkey.labelStatus === 'labelled') expect(r['Statut du label']).toBe('labellisé');
      if (item.turnkey.labelStatus === null) expect(r['Statut du label']).toBe('');
    });
    // Some value has a decimal comma, none a decimal point.
    expect(records.some((r) => /,/.test(r['Surface disponible (ha)']!))).toBe(true);
    expect(records.every((r) => !/\d\.\d/.test(r['Surface disponible (ha)']!))).toBe(true);
  });

  it('pages with limit like the other formats, is for sites only, and is what downloadLinks links', async () => {
    const page = await t.get(`/sites?${brief}&f=spreadsheet&limit=2`);
    expect(page.headers.get('link')).toContain('rel="next"');
    const records = parse(Buffer.from(await page.arrayBuffer()), { bom: true, delimiter: ';', columns: true });
    expect(records.length).toBe(2);
    const plots = await t.get('/plots?f=spreadsheet');
    expect(plots.status).toBe(400);
    expect((await plots.json()).invalidParams[0].name).toBe('f');

    const links = downloadLinks(`${brief}&limit=2&cursor=abc`);
    const spreadsheet = links.find((l) => l.href.includes('f=spreadsheet'))!;
    expect(spreadsheet.href).toBe(`/sites?min_power_mw=1&sort=-area&f=spreadsheet`);
    const full = await t.get(spreadsheet.href);
    expect(full.status).toBe(200);
    const geojson = links.find((l) => l.type === 'application/geo+json')!;
    const collection = await (await t.get(geojson.href)).json();
    expect(collection.features.map((f: { id: string }) => f.id)).toEqual((await allItems(brief)).map((i) => i.id));
    // The CNIG CSV stays the standard's columns.
    const cnig = await (await t.get(links.find((l) => l.href.includes('f=csv'))!.href)).text();
    expect(cnig.split('\n')[0]).toContain('site_id');
  });
});
