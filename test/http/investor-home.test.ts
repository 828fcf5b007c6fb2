// The investor home page (GET / for a browser) and the place suggestions (GET /places): content
// negotiation, the server-rendered list against GET /sites for the same parameters, the redirect
// of the form without script, problems in French, suggestions by name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestContext } from '../support/app.js';

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** Ids of the results in the page's list, in order. */
const listedIds = (page: string) => [...page.matchAll(/<li class="result" data-id="([^"]+)"/g)].map((m) => m[1]);

/** Case and accents folded, hyphens and apostrophes as spaces, as a person reading the name would compare. */
const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[-'’]/g, ' ');

describe('GET / and GET /places', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await openTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the JSON landing to API clients and the French page to browsers', async () => {
    for (const accept of [undefined, 'application/json', 'application/json, text/html']) {
      const res = await t.get('/', accept ? { headers: { accept } } : undefined);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      const body = (await res.json()) as { links: Array<{ rel: string; href: string }> };
      expect(body.links.map((l) => l.rel)).toEqual(expect.arrayContaining(['service-desc', 'places']));
    }
    const forced = await t.get('/?f=json', { headers: html });
    expect(forced.headers.get('content-type')).toContain('application/json');

    const res = await t.get('/', { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('vary')).toContain('accept');
    const page = await res.text();
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('<a href="/">Rechercher un site</a>');
    expect(page).toMatch(/<script type="module" src="\/assets\/home\.[0-9a-f]{10}\.js">/);
    // Every control of the panel is labelled.
    const ids = [...page.matchAll(/<(?:input|select)[^>]* id="([^"]+)"/g)].map((m) => m[1]);
    const labelled = new Set([...page.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.filter((id) => id !== 'f-place' && !labelled.has(id))).toEqual([]);
  });

  const briefs = [
    // The issue's brief: 12–40 ha, 20 MW, rail siding, motorway ≤ 10 km, available by June 2028, Auvergne-Rhône-Alpes.
    'min_area_ha=12&max_area_ha=40&min_power_mw=20&rail_siding=true&max_motorway_km=10' +
      '&available_before=2028-06-30&region=84',
    '',
    'region=84',
    'min_area_ha=5&sort=-area',
    'rail_siding=true&sort=price',
    'near=4.85,45.75&radius_km=200&sort=distance',
    'turnkey=true&marketing_stage=available',
    'limit=3',
  ];

  it('lists the first page of GET /sites for the same parameters, item for item', async () => {
    let nonEmpty = 0;
    for (const brief of briefs) {
      const api = (await (await t.get(`/sites${brief ? `?${brief}` : ''}`)).json()) as {
        items: Array<{ id: string; name: string }>;
        total: number;
        links: { next: string | null };
      };
      const res = await t.get(`/${brief ? `?${brief}` : ''}`, { headers: html });
      expect(res.status, brief).toBe(200);
      const page = await res.text();
      expect(listedIds(page), brief).toEqual(api.items.map((i) => i.id));
      if (api.items.length > 0) nonEmpty++;
      // The page fetches the same query from the API once its script runs.
      const query = new URLSearchParams(brief).toString().replaceAll('&', '&amp;');
      expect(page.includes(`data-api="/sites${query ? `?${query}` : ''}"`), brief).toBe(true);
      // More results: a page link carrying the API's cursor.
      if (api.links.next) {
        const cursor = new URL(api.links.next).searchParams.get('cursor') ?? '';
        expect(page.includes(`cursor=${cursor}`), brief).toBe(true);
      } else expect(page).toMatch(/<p class="more" hidden/);
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(4);
  });

  it('follows the cursor: the next page of the page is the next page of the API', async () => {
    const first = (await (await t.get('/sites?limit=2')).json()) as { links: { next: string } };
    const cursor = new URL(first.links.next).searchParams.get('cursor') ?? '';
    const second = (await (await t.get(`/sites?limit=2&cursor=${cursor}`)).json()) as { items: Array<{ id: string }> };
    const page = await (await t.get(`/?limit=2&cursor=${cursor}`, { headers: html })).text();
    expect(second.items.length).toBeGreaterThan(0);
    expect(listedIds(page)).toEqual(second.items.map((i) => i.id));
  });

  it('writes the score explanation the API gives, and figures in French', async () => {
    const api = (await (await t.get('/sites?min_area_ha=5&limit=5')).json()) as {
      items: Array<{ name: string; score: { total: number; components: Array<{ reason: string; reasonFr: string }> } }>;
    };
    const page = await (await t.get('/?min_area_ha=5&limit=5', { headers: html })).text();
    const htmlText = (s: string) =>
      s
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
    expect(api.items.length).toBe(5);
    for (const item of api.items) {
      for (const text of [
        htmlText(item.name),
        `<summary>Score ${String(item.score.total).replace('.', ',')} / 100</summary>`,
        ...item.score.components.map((c) => `<li>${htmlText(c.reasonFr)}</li>`),
      ])
        expect(page.includes(text), text).toBe(true);
    }
  });

  it(
    'redirects the form without script to the API parameters: ' + 'empty fields dropped, a place by name resolved',
    async () => {
      const empty = await t.get('/?min_area_ha=&rail_siding=true&max_price_eur_m2=&lieu=', { headers: html });
      expect(empty.status).toBe(303);
      expect(empty.headers.get('location')).toBe('/?rail_siding=true');

      const territory = await t.handle.db
        .selectFrom('territories')
        .select(['id', 'name', 'regionCode', 'regionName'])
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const typed = encodeURIComponent(territory.regionName.toUpperCase().normalize('NFD').replace(/\p{M}/gu, ''));
      const byName = await t.get(`/?lieu=${typed}&min_area_ha=2`, { headers: html });
      expect(byName.status).toBe(303);
      expect(byName.headers.get('location')).toBe(`/?min_area_ha=2&region=${territory.regionCode}`);
      // The form sends back the chosen place's name with its code: nothing to resolve.
      const kept = await t.get(`/?lieu=${encodeURIComponent(territory.regionName)}&region=${territory.regionCode}`, {
        headers: html,
      });
      expect(kept.status).toBe(303);
      expect(kept.headers.get('location')).toBe(`/?region=${territory.regionCode}`);
      const shown = await (await t.get(`/?region=${territory.regionCode}`, { headers: html })).text();
      expect(shown).toContain(`value="${territory.regionName}"`);
      expect(shown).toContain(`Région : ${territory.regionName}`);
    },
  );

  it('shows the problems of refused parameters in French (400), never a 500', async () => {
    const cases: Array<[string, string[]]> = [
      ['min_area_ha=beaucoup', ['Surface minimale (min_area_ha)', 'un nombre est attendu']],
      ['rail_siding=peut-être', ['Embranchement ferroviaire (rail_siding)', 'oui ou non est attendu']],
      ['radius_km=10', ['Rayon (radius_km)', 'choisissez d’abord un point']],
      ['min_area_ha=40&max_area_ha=12', ['Surface maximale (max_area_ha)', 'inférieure à la surface minimale']],
      ['region=ARA', ['Région (region)']],
      ['colour=blue', ['« colour »', 'ce critère n’existe pas']],
      ['cursor=nope', ['Page suivante (cursor)']],
      ['lieu=Zzzzqx', ['Lieu (lieu)', 'aucun lieu ne porte ce nom']],
    ];
    for (const [query, texts] of cases) {
      const api = await t.get(`/sites?${query}`);
      const res = await t.get(`/?${query}`, { headers: html });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('text/html');
      const page = await res.text();
      for (const text of texts) expect(page, query).toContain(text.replace(/’/g, '’'));
      expect(listedIds(page)).toEqual([]);
      // The API refuses the same parameters (the page's own `lieu` aside).
      if (!query.startsWith('lieu=')) expect(api.status, query).toBe(400);
    }
  });

  it('suggests places by name, accents and case ignored, with the parameter and value each sets', async () => {
    const territory = await t.handle.db
      .selectFrom('territories')
      .select(['id', 'name'])
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const commune = await t.handle.db
      .selectFrom('communes')
      .select(['insee', 'name', 'department'])
      .where('name', '~', '[éèêàôîç]')
      .orderBy('insee')
      .executeTakeFirst();
    const epci = await t.handle.db
      .selectFrom('epci')
      .select(['siren', 'name'])
      .orderBy('siren')
      .executeTakeFirstOrThrow();
    const probes: Array<{ q: string; param: string; value: string; name: string }> = [
      { q: fold(territory.name).toUpperCase(), param: 'territory', value: territory.id, name: territory.name },
      { q: epci.name.toLowerCase(), param: 'epci', value: epci.siren, name: epci.name },
      { q: epci.siren, param: 'epci', value: epci.siren, name: epci.name },
      { q: 'auvergne rhone', param: 'region', value: '84', name: 'Auvergne-Rhône-Alpes' },
    ];
    if (commune) probes.push({ q: fold(commune.name), param: 'commune', value: commune.insee, name: commune.name });
    for (const probe of probes) {
      const res = await t.get(`/places?q=${encodeURIComponent(probe.q)}`);
      expect(res.status, probe.q).toBe(200);
      const { items } = (await res.json()) as {
        items: Array<{ param: string; value: string; name: string; kind: string }>;
      };
      expect(items.length).toBeGreaterThan(0);
      expect(items.length).toBeLessThanOrEqual(10);
      for (const item of items)
        expect(fold(item.name).includes(fold(probe.q)) || item.value === probe.q, `${probe.q} → ${item.name}`).toBe(
          true,
        );
      expect(items, probe.q).toContainEqual(
        expect.objectContaining({ param: probe.param, value: probe.value, name: probe.name }),
      );
    }
    // Every place of the catalogue whose folded name contains the words, up to the limit, and no other.
    const words = 'an';
    const names = [
      ...(await t.handle.db.selectFrom('territories').select('name').execute()),
      ...(await t.handle.db.selectFrom('epci').select('name').execute()),
      ...(await t.handle.db.selectFrom('communes').select('name').execute()),
    ].filter((r) => fold(r.name).includes(words));
    const regions = new Set(
      (await t.handle.db.selectFrom('territories').select('regionName').execute())
        .map((r) => r.regionName)
        .filter((n) => fold(n).includes(words)),
    );
    const { items } = (await (await t.get(`/places?q=${words}&limit=50`)).json()) as { items: Array<{ name: string }> };
    expect(items.length).toBe(Math.min(50, names.length + regions.size));
  });

  it('refuses bad place queries with a problem naming the parameter', async () => {
    for (const [query, name] of [
      ['', 'q'],
      ['q=', 'q'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['q=lyon&limit=0', 'limit'],
      ['q=lyon&limit=abc', 'limit'],
      ['q=lyon&kind=commune', 'kind'],
    ]) {
      const res = await t.get(`/places?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await res.json()) as { invalidParams: Array<{ name: string }> };
      expect(
        problem.invalidParams.map((p) => p.name),
        query,
      ).toContain(name);
    }
  });

  it('documents / and /places in OpenAPI', async () => {
    const spec = (await (await t.get('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(spec.paths['/']?.get as object)).toContain('responses');
    const places = spec.paths['/places']?.get as {
      parameters: Array<{ name: string }>;
      responses: Record<string, unknown>;
    };
    expect(places.parameters.map((p) => p.name).sort()).toEqual(['limit', 'q']);
    expect(Object.keys(places.responses).sort()).toEqual(['200', '400', '503']);
  });
});
